"""Hostile and odd input (issue 15): the shipped server, the panel, the drafts and the CLI each refuse it clearly."""
from __future__ import annotations

import http.client
import os
import re
import subprocess
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from test_web_support import PASSWORD, build_world, csrf_of, session_client
from helpers import EXE as CLI, KEY, docx, free_port, serve
from helpers import cli_env as _env


def _make_users(instance: Path) -> None:
    """One admin in the instance's database, written before the server starts."""
    from oa_liaison_plugin import create_app
    from oa_liaison_plugin.models import db
    from oa_liaison_plugin.web.users.accounts import create_user
    app = create_app({"SECRET_KEY": KEY}, instance_path=instance)
    with app.app_context():
        for name in ("boss", "boss2"):
            create_user(app.extensions["oa_liaison"], username=name, password=PASSWORD, role="admin")
        db.session.commit()
        db.engine.dispose()


class Http:
    """A plain HTTP client with its own cookie jar (the shipped cookies are Secure; this is 127.0.0.1)."""

    def __init__(self, port: int):
        self.port, self.cookies = port, {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                cookies: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        jar = self.cookies if cookies is None else cookies
        hdrs = {**({"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())} if jar else {}), **(headers or {})}
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        for value in resp.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(value).items():
                if morsel.value and "expires=thu, 01 jan 1970" not in value.lower():
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        resp.text = data.decode("utf-8", "replace")
        return resp

    def form(self, path: str, fields: dict, *, token_from: str | None = None):
        page = self.request("GET", token_from or path)
        fields = {"csrf_token": csrf_of(page.text), **fields}
        return self.request("POST", path, urllib.parse.urlencode(fields).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def login(self, username="boss", next_=None):
        path = "/login" + (f"?next={next_}" if next_ is not None else "")
        return self.form(path, {"username": username, "password": PASSWORD}, token_from="/login")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`oa-liaison serve` as shipped (waitress, production settings) on a free port of 127.0.0.1."""
    instance = tmp_path_factory.mktemp("served") / "instance"
    _make_users(instance)
    proc, port = serve(_env(instance))
    yield port
    proc.terminate()
    proc.wait(20)


def _serve_refuses(tmp_path, *args, **env):
    """Run serve with these settings; it must stop at once with a Chinese message and no traceback."""
    instance = tmp_path / "instance"
    try:
        done = subprocess.run([CLI, "serve", "--port", str(free_port()), *args], env=_env(instance, **env),
                              capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail(f"serve started and kept serving with {env} {args}")
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    return done.stderr


# ------------------------------------------------------------ 2. request size limit, cookie name


def test_shipped_server_limits_request_size_and_names_its_cookie(served):
    client = Http(served)
    resp = client.login()
    assert resp.status == 302
    assert "oa_liaison_session" in client.cookies, resp.headers.get_all("Set-Cookie")
    token = csrf_of(client.request("GET", "/tester").text)
    body = urllib.parse.urlencode({"csrf_token": token, "body": ""}).encode() + b"x" * (50 * 1024 * 1024 + 1024)
    resp = client.request("POST", "/tester", body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status == 413 and "文件太大" in resp.text and "50 MB" in resp.text
    # Far over the limit: refused on the declared length, before the body is buffered.
    conn = http.client.HTTPConnection("127.0.0.1", served, timeout=60)
    conn.putrequest("POST", "/table/import")
    conn.putheader("Content-Type", "multipart/form-data; boundary=x")
    conn.putheader("Content-Length", str(900 * 1024 * 1024))
    conn.endheaders(b"--x\r\n")
    assert conn.getresponse().status == 413
    conn.close()


# ----------------------------------------------------------------- 13. weak settings at serve


@pytest.mark.parametrize("env,args", [
    ({"OA_LIAISON_TESTING": "true"}, ()),
    ({"OA_LIAISON_TESTING": "true"}, ("--debug",)),
    ({"OA_LIAISON_DEBUG": "true"}, ()),
    ({"OA_LIAISON_SECRET_KEY": "a" * 16}, ()),
    ({"OA_LIAISON_SECRET_KEY": "ab" * 20}, ()),
], ids=["testing", "testing-debug", "debug-without-flag", "16-identical", "repeated-pair"])
def test_serve_refuses_test_and_debug_settings_and_weak_keys(tmp_path, env, args):
    message = _serve_refuses(tmp_path, *args, **env)
    assert re.search(r"TESTING|DEBUG|SECRET_KEY", message) and "拒绝" in message


# --------------------------------------------------------------------- 5. logout ends the session


def test_a_session_cookie_replayed_after_logout_is_refused(served):
    client = Http(served)
    assert client.login("boss2").status == 302
    stolen = dict(client.cookies)
    assert client.request("GET", "/rules").status == 200
    resp = client.form("/logout", {}, token_from="/rules")
    assert resp.status == 302
    replay = Http(served)
    resp = replay.request("GET", "/rules", cookies=stolen)
    assert resp.status == 302 and "/login" in resp.headers["Location"]


# ----------------------------------------------------------------------- 1. open redirect


@pytest.fixture
def lite_world(lite_app):
    lite_app.config["WTF_CSRF_ENABLED"] = False
    return build_world(lite_app)


@pytest.mark.parametrize("next_", [
    "/%09/evil.example", "/%0A/evil.example", "/%0D%0ASet-Cookie:%20x=1", "%09//evil.example",
    "/%5Cevil.example", "%5C%5Cevil.example", "//evil.example", "%2F%2Fevil.example", "/%2F/evil.example",
    "https://evil.example/", "%EF%BC%8F%EF%BC%8Fevil.example",
    "/%EF%BC%8Fevil.example", "/%E3%80%80/evil.example", "/%00/evil.example", " /evil", "javascript:alert(1)",
])
def test_login_redirects_only_to_same_site_paths(lite_world, lite_app, next_):
    resp = lite_app.test_client().post(f"/login?next={next_}", data={"username": "admin1", "password": PASSWORD})
    if "%00" in next_:   # a NUL in any query value is refused before anything else (issue 22), never followed
        assert resp.status_code == 400 and "Location" not in resp.headers
        return
    assert resp.status_code == 302 and resp.headers["Location"] == "/", resp.headers.get("Location")


def test_login_still_returns_to_a_same_site_page(lite_world, lite_app):
    resp = lite_app.test_client().post("/login?next=/documents%3Fstatus%3Dheld",
                                       data={"username": "admin1", "password": PASSWORD})
    assert resp.status_code == 302 and resp.headers["Location"] == "/documents?status=held"


# --------------------------------------------------------- 6. current-password guessing throttled


def test_current_password_guessing_is_throttled_like_the_login(lite_world, lite_app):
    client = session_client(lite_app, "jyj", lite_world)
    wrong = {"current": "guess-0000", "new": "brand-new-pass-1", "again": "brand-new-pass-1"}
    for _ in range(5):
        resp = client.post("/account/password", data=wrong)
        assert resp.status_code == 400 and "当前密码不正确" in resp.get_data(as_text=True)
    resp = client.post("/account/password", data={**wrong, "current": PASSWORD})  # the right one, too late
    assert resp.status_code == 429 and "次数过多" in resp.get_data(as_text=True)
    from test_web_support import login
    assert login(lite_app.test_client(), "jyj").status_code == 429  # the same lock as the login's


# ------------------------------------------------------------------------ 4. odd values: 400/404


LISTS = ["/documents", "/deliveries", "/audit", "/inbox", "/submissions", "/consultations", "/meetings",
         "/rules", "/users", "/unmatched", "/table"]


@pytest.mark.parametrize("role", ["admin1", "jyj", "jkwwt", "audit1"])
def test_odd_query_values_never_give_500(lite_world, lite_app, role):
    client = session_client(lite_app, role, lite_world)
    queries = ["before=²", "before=¹", "before=①", "before=٣", "before=100&endpoint=x", "before=100&_method=POST",
               "before=100&_anchor=x&_external=1&_scheme=javascript", "unit=²", "committee=①", "offset=-5",
               "offset=²", "since=0001-01-01", "until=9999-12-31", "since=9999-12-31&until=0001-01-01",
               "before=99999999999999999999"]
    for page in LISTS:
        for q in queries:
            resp = client.get(f"{page}?{q}")
            assert resp.status_code in (200, 400, 403, 404), (page, q, resp.status_code)


def test_out_of_range_ids_are_not_found(lite_world, lite_app):
    client = session_client(lite_app, "admin1", lite_world)
    rules = [r for r in lite_app.url_map.iter_rules() if "<int:" in r.rule and "GET" in r.methods]
    assert rules
    for rule in rules:
        for big in ("9223372036854775808", "2147483648", "99999999999999999999999"):
            url = re.sub(r"<int:\w+>", big, rule.rule)
            url = re.sub(r"<(?:path:)?\w+>", "x", url)
            assert client.get(url).status_code == 404, url


# ---------------------------------------------------------------- 3. WordML injection into drafts

INJECTED = ('<w:r><w:fldSimple w:instr="INCLUDEPICTURE http://evil.example/x.png \\d"><w:r><w:t>x</w:t></w:r>'
            '</w:fldSimple></w:r>')
CONSULTATION = {"unit": "南部县教育局", "committee": "县政协教科卫体委员会", "title": "城区学校布局调整方案",
                "summary": "我局起草了城区学校布局调整方案。", "due": "2017-04-10", "doc_number": "南教函〔2017〕18号",
                "date": "2017-03-27", "contact": "李华", "phone": "0817-5512345"}


def _document_xml(blob: bytes) -> str:
    import io
    import zipfile
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        return zf.read("word/document.xml").decode("utf-8")


def _fields(xml: str) -> list[str]:
    """The live fields of a part: fldSimple instructions and instrText runs."""
    from lxml import etree
    root = etree.fromstring(xml.encode("utf-8"))
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    return [e.get(w + "instr") for e in root.iter(w + "fldSimple")] + [e.text for e in root.iter(w + "instrText")]


@pytest.mark.parametrize("field", ["unit", "committee", "title", "summary", "contact"])
@pytest.mark.parametrize("value", [INJECTED, "<w:r>", "<w:r>甲</w:r>"])
def test_draft_fields_are_text_never_markup(field, value):
    from oa_liaison_plugin.documents.drafts import render_consultation
    xml = _document_xml(render_consultation({**CONSULTATION, field: value}))
    assert not [f for f in _fields(xml) if "INCLUDEPICTURE" in f]
    assert "&lt;w:r&gt;" in xml   # the text as typed, shown to the reader


def test_cli_draft_with_markup_in_a_field_writes_it_as_text(tmp_path):
    import json
    src = tmp_path / "in.json"
    src.write_text(json.dumps({**CONSULTATION, "summary": "<w:r>\n" + INJECTED}, ensure_ascii=False), "utf-8")
    out = tmp_path / "out.docx"
    done = subprocess.run([CLI, "draft", "consultation", "--input", str(src), "--out", str(out)],
                          capture_output=True, text=True, timeout=120, env=_env(tmp_path / "i"))
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    xml = _document_xml(out.read_bytes())
    assert not [f for f in _fields(xml) if "INCLUDEPICTURE" in f] and "&lt;w:r&gt;" in xml


def test_panel_consultation_draft_of_a_body_starting_with_markup(lite_world, lite_app):
    from sqlalchemy import select

    from oa_liaison_plugin.models import Consultation, Document, db
    with lite_app.app_context():
        con = db.session.get(Consultation, lite_world["own_consultation"])
        doc = db.session.get(Document, con.document_id)
        doc.body = "<w:r>\n" + INJECTED + "\n正文。"
        db.session.commit()
        assert db.session.scalar(select(Consultation.id).where(Consultation.id == con.id))
    client = session_client(lite_app, "jyj", lite_world)
    url = f"/drafts/consultation/{lite_world['own_consultation']}"
    page = client.get(url)
    assert page.status_code == 200
    form = {"unit": "南部县教育局", "committee": "<w:r>", "title": "<w:r>", "summary": "<w:r>\n" + INJECTED,
            "due": "2017-04-10", "doc_number": "南教函〔2017〕18号", "date": "2017-03-27", "contact": "李华",
            "phone": "0817-5512345"}
    resp = client.post(url, data=form)
    assert resp.status_code == 200 and resp.mimetype.endswith("wordprocessingml.document"), resp.status_code
    xml = _document_xml(resp.data)
    assert not [f for f in _fields(xml) if "INCLUDEPICTURE" in f] and "&lt;w:r&gt;" in xml


# ------------------------------------------------------------------------------ 8. deep JSON

DEEP = "[" * 200_000 + "]" * 200_000


def test_deep_json_is_a_clear_error_for_draft_and_table_load(tmp_path):
    src = tmp_path / "deep.json"
    src.write_text(DEEP, "utf-8")
    for args in (["draft", "reply", "--input", str(src), "--out", str(tmp_path / "o.docx")],
                 ["table", "load", str(src)]):
        done = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120, env=_env(tmp_path / "i"))
        assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr[-2000:]
        assert "嵌套层数过深" in done.stderr


def test_deep_json_upload_to_table_import_is_a_form_error(lite_world, lite_app):
    import io
    admin = session_client(lite_app, "admin1", lite_world)
    for payload in (DEEP, "[" * 100 + "]" * 100):
        resp = admin.post("/table/import", data={"file": (io.BytesIO(payload.encode()), "t.json")},
                          content_type="multipart/form-data")
        assert resp.status_code == 400 and "嵌套层数过深" in resp.get_data(as_text=True)


# -------------------------------------------------------- 7. name patterns: catastrophic regexes


@pytest.mark.parametrize("pattern", [r"^(a|a)+$", r"^(a+)+$", r"(x+x+)+y"])
def test_catastrophic_name_patterns_are_refused_in_the_panel(lite_world, lite_app, pattern):
    admin = session_client(lite_app, "admin1", lite_world)
    resp = admin.post("/table/patterns/new", data={"name": "坏模式", "committee": "教科文卫体委员会",
                                                   "regex": pattern})
    text = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "灾难性回溯" in text, text[-1500:]


def test_catastrophic_name_patterns_are_refused_by_table_load(tmp_path):
    import json

    from oa_liaison_plugin.table import file as table
    data = table.default_table()
    data["patterns"].append({"name": "坏模式", "committee": data["committees"][0]["name"], "regex": r"^(a|a)+$"})
    with pytest.raises(table.TableError) as err:
        table.validate(data)
    assert "patterns[2].regex" in str(err.value) and "灾难性回溯" in str(err.value)
    src = tmp_path / "t.json"
    src.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    done = subprocess.run([CLI, "table", "load", str(src)], capture_output=True, text=True, timeout=120,
                          env=_env(tmp_path / "i"))
    assert done.returncode == 2 and "灾难性回溯" in done.stderr, done.stderr[-1500:]


def test_shipped_name_patterns_still_pass_the_check():
    from oa_liaison_plugin.table import file as table
    assert len(table.validate(table.default_table()).patterns) == 2


# --------------------------------------------- 14. invisible names, NUL in rule names, no-store downloads


@pytest.mark.parametrize("name", ["\u200b", "\u200b\u200c\u2060", "\ufeff ", "\u0301"])
def test_a_unit_named_only_with_invisible_characters_is_refused(lite_world, lite_app, name):
    admin = session_client(lite_app, "admin1", lite_world)
    resp = admin.post("/table/units/new", data={"name": name, "committee": "教科文卫体委员会"})
    assert resp.status_code == 400 and "不可见字符" in resp.get_data(as_text=True)
    from oa_liaison_plugin.table import file as table
    with lite_app.app_context():
        assert name not in {u["name"] for u in table.export("nanbu")["units"]}


def test_a_draft_signer_of_zero_width_characters_is_refused():
    from oa_liaison_plugin.documents.drafts import DraftError, render_reply
    data = {"unit": "南部县教育局", "committee": "县政协教科卫体委员会", "kind": "提案", "title": "关于加强农村寄宿制学校建设的建议",
            "number": "12", "received": "2017-01-05", "category": "A", "signer": "\u200b\u200b", "contact": "李华",
            "phone": "0817-5512345", "doc_number": "南教函〔2017〕5号", "date": "2017-03-20"}
    with pytest.raises(DraftError) as err:
        render_reply(data)
    assert err.value.field == "signer" and "不可见字符" in err.value.message


def test_a_rule_name_with_a_nul_is_refused(lite_world, lite_app):
    admin = session_client(lite_app, "admin1", lite_world)
    for name in ("学校\x00安全", "\u200b"):
        resp = admin.post("/rules/new", data={"name": name, "action": "important",
                                              "match": "any", "fields_": ["title"], "terms": "学校安全",
                                              "enabled": "y"})
        assert resp.status_code == 400, resp.status_code
    from oa_liaison_plugin.errors import InputError
    from oa_liaison_plugin.decision.rules import validate_rule
    with pytest.raises(InputError):
        validate_rule({"id": "x", "name": "a\x00b", "action": "important", "terms": ["学校"]})


def test_downloads_are_not_kept_in_caches(lite_world, lite_app):
    admin = session_client(lite_app, "admin1", lite_world)
    resp = admin.get("/table/export")
    assert resp.status_code == 200 and resp.headers["Content-Disposition"].startswith("attachment")
    assert resp.headers["Cache-Control"] == "no-store"
    clerk = session_client(lite_app, "jyj", lite_world)
    resp = clerk.post(f"/drafts/consultation/{lite_world['own_consultation']}", data=dict(
        unit="南部县教育局", committee="县政协教科文卫体委员会", title="布局调整", summary="概要。", due="2017-04-10",
        doc_number="南教函〔2017〕18号", date="2017-03-27", contact="李华", phone="0817-5512345"))
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"


# ---------------------------------------------------------------------- 11. a bad --instance path


def test_a_bad_instance_path_is_a_clear_message(tmp_path):
    afile = tmp_path / "a-file"
    afile.write_text("x")
    for where in ("/proc/nonexistent/x", str(afile / "sub")):
        done = subprocess.run([CLI, "--instance", where, "resolve", "南部县教育局"], capture_output=True, text=True,
                              timeout=120, env=_env(tmp_path / "unused"))
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-1500:]
        assert "无法使用实例目录" in done.stderr


# ------------------------------------------ 9, 10. backfill DIR: odd entries and unreadable files


def _docx() -> bytes:
    return docx(title="关于印发实施方案的通知", main_recipients=["县级各部门"], body_paragraphs=["正文。"])


def _run(tmp_path, *args):
    try:
        return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120, env=_env(tmp_path / "i"))
    except subprocess.TimeoutExpired:
        pytest.fail(f"{args} blocked")


@pytest.mark.parametrize("apply", [False, True])
def test_backfill_skips_what_is_not_a_regular_file_and_counts_unreadable_files(tmp_path, apply):
    import json
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.docx").write_bytes(_docx())
    (docs / "folder.docx").mkdir()
    (docs / "broken.docx").symlink_to(docs / "nowhere.docx")
    os.mkfifo(docs / "fifo.docx")
    for i in range(3):
        (docs / f"bad{i}.docx").write_bytes(b"PK\x03\x04 not really %d" % i)
    done = _run(tmp_path, "backfill", str(docs), "--json", *(["--apply"] if apply else []))
    assert done.returncode == 4 and "Traceback" not in done.stderr, done.stderr[-2000:]
    out = json.loads(done.stdout)
    assert out["documents"] == 4 and out["unreadable"] == 3
    assert {Path(x["file"]).name for x in out["skipped"]} == {"folder.docx", "broken.docx", "fifo.docx"}
    assert all(x["reason"] for x in out["skipped"])
    bad = [f for f in out["files"] if "read_error" in f]
    assert sorted(Path(f["file"]).name for f in bad) == ["bad0.docx", "bad1.docx", "bad2.docx"]
    for name in ("folder.docx", "broken.docx", "fifo.docx", "bad0.docx"):
        assert name in done.stderr


def test_route_on_an_unreadable_file_exits_with_the_unreadable_status(tmp_path):
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"not a zip")
    done = _run(tmp_path, "route", "--file", str(bad), "--json")
    assert done.returncode == 4 and "无法读取" in done.stderr and "Traceback" not in done.stderr
    fifo = tmp_path / "fifo.docx"
    os.mkfifo(fifo)
    done = _run(tmp_path, "route", "--file", str(fifo), "--json")
    assert done.returncode == 4 and "不是普通文件" in done.stderr and "Traceback" not in done.stderr
    good = tmp_path / "good.docx"
    good.write_bytes(_docx())
    assert _run(tmp_path, "route", "--file", str(good), "--json").returncode == 0


# ------------------------------------------------------------------ 12. user names outside ASCII


def test_a_non_ascii_user_name_logs_in_whatever_its_case(lite_world, lite_app):
    from oa_liaison_plugin.models import db
    from oa_liaison_plugin.errors import InputError
    from oa_liaison_plugin.web.users.accounts import create_user
    liaison = lite_app.extensions["oa_liaison"]
    with lite_app.app_context():
        create_user(liaison, username="Élodie", password=PASSWORD, role="auditor")
        db.session.commit()
        with pytest.raises(InputError):
            create_user(liaison, username="éLODIE", password=PASSWORD, role="auditor")
        db.session.rollback()
    for typed in ("Élodie", "élodie", "ÉLODIE", "E\u0301lodie"):
        resp = lite_app.test_client().post("/login", data={"username": typed, "password": PASSWORD})
        assert resp.status_code == 302, typed


def test_migration_0004_folds_existing_names_and_keeps_colliding_ones_apart(db_url):
    from alembic import command
    from sqlalchemy import create_engine, text

    from oa_liaison_plugin.schema import alembic_config
    engine = create_engine(db_url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0003")
        conn.execute(text("INSERT INTO liaison_jurisdiction "
                          "(code, name, prefixes, table_version, rules_version, updated_at) "
                          "VALUES ('nanbu', '南部县', '[]', 1, 1, CURRENT_TIMESTAMP)"))
        for i, name in enumerate(("Élodie", "élodie", "Admin")):
            conn.execute(text("INSERT INTO liaison_user (username, password_hash, role, jurisdiction_id, active, "
                              "session_token, prefs, created_at) VALUES (:n, 'x', 'admin', "
                              "(SELECT id FROM liaison_jurisdiction), :t, :s, '{}', CURRENT_TIMESTAMP)"),
                         {"n": name, "t": True, "s": f"t{i}"})
        command.upgrade(alembic_config(conn), "head")
        rows = dict(conn.execute(text("SELECT username, login_name FROM liaison_user")).all())
    engine.dispose()
    assert rows["Élodie"] == "élodie" and rows["Admin"] == "admin" and rows["élodie"].startswith("élodie#")
