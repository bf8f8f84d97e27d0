"""Hardening, second round (issue 22): slow hosts, special files, NUL, huge JSON and the last tracebacks."""
from __future__ import annotations

import datetime as dt
import http.client
import os
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from http_host import CallbackHost, Served, cloud_event, post_event, signed, wait_for
from oa_liaison_plugin.http import callbacks, hosts, inbox
from oa_liaison_plugin.http.fetch import FetchError, fetch
from oa_liaison_plugin.models import Document, InboxEvent, db
from slow_host import TrickleHost
from helpers import EXE as CLI, cli, docx, serve
from helpers import cli_env as env_for


@pytest.fixture
def trickle():
    t = TrickleHost()
    yield t
    t.close()


# ------------------------------------------------------------------ 1. one total deadline, never on request threads


def test_a_file_host_trickling_headers_is_cut_at_the_total_deadline():
    slow = TrickleHost(lines=100)   # 20 s of headers, each line well inside the deadline
    try:
        with pytest.raises(FetchError, match="超时"):
            fetch(f"{slow.origin}/doc.docx", [slow.origin], 1_000_000, 1.0)
        wait_for(lambda: slow.cut == 1)
        assert slow.finished == 0
    finally:
        slow.close()


def test_a_callback_host_trickling_headers_is_cut_at_the_total_deadline(lite_app):
    slow = TrickleHost(lines=100)
    lite_app.config["CALLBACK_TIMEOUT_SECONDS"] = 1.0
    try:
        with lite_app.app_context():
            hosts.add(lite_app.config, "oa1", "nanbu", callback_url=f"{slow.origin}/cb")
            db.session.commit()
            with pytest.raises(callbacks.CallbackError, match="超时"):
                callbacks.post(lite_app.config, hosts.get("oa1"), "m-1",
                               callbacks.cloudevent("liaison.notification", "m-1", "/x", {}, dt.datetime(2026, 1, 1)))
        wait_for(lambda: slow.cut == 1)
        assert slow.finished == 0
    finally:
        slow.close()


def test_outbound_calls_share_one_deadline_thread_and_each_is_cut_at_its_own(monkeypatch):
    """Every outbound call's total deadline is kept by one thread of the process, not by a timer thread a call
    (about 0.25 ms of CPU a copy's callback): twenty quick calls start no thread each. A call with a short
    deadline made while a longer one waits is cut at its own, not the other's; the longer one ends normally."""
    from oa_liaison_plugin.http.outbound import DeadlineExceeded, call
    quick, slow, hanging = TrickleHost(lines=0), TrickleHost(lines=15), TrickleHost(lines=10_000)
    me, started = threading.current_thread(), []
    start = threading.Thread.start

    def counted(thread):
        if threading.current_thread() is me:
            started.append(thread.name)
        start(thread)
    monkeypatch.setattr(threading.Thread, "start", counted)
    try:
        for n in range(20):
            assert call("POST", f"{quick.origin}/cb", deadline=5.0, max_bytes=100, body=b"{}").body == b"done"
        assert len(started) <= 1, started
        answers: list = []
        longer = threading.Thread(target=lambda: answers.append(
            call("GET", f"{slow.origin}/f", deadline=60.0, max_bytes=100).body))
        longer.start()
        wait_for(lambda: slow.accepted == 1)
        with pytest.raises(DeadlineExceeded):
            call("GET", f"{hanging.origin}/f", deadline=0.5, max_bytes=100)
        assert slow.finished == 0 and slow.cut == 0   # cut while the longer call still waits
        longer.join()
        assert answers == [b"done"] and slow.cut == 0
        wait_for(lambda: hanging.cut == 1)
    finally:
        for host in (quick, slow, hanging):
            host.close()


def _second_jurisdiction(app, code="other"):
    from oa_liaison_plugin.table import file as table
    data = table.default_table()
    data["jurisdiction"] = {**data["jurisdiction"], "code": code, "name": "另一县"}
    with app.app_context():
        table.load(data)
        app.extensions["oa_liaison"].ensure_rules()
        db.session.commit()


def test_a_stalled_callback_host_delays_no_other_jurisdictions_events(lite_app, trickle):
    lite_app.config.update(CALLBACK_TIMEOUT_SECONDS=8)
    _second_jurisdiction(lite_app)
    with lite_app.app_context():
        _, slow_secret = hosts.add(lite_app.config, "slow", "nanbu", callback_url=f"{trickle.origin}/cb")
        _, quick_secret = hosts.add(lite_app.config, "quick", "other")
        db.session.commit()
    quick = CallbackHost(quick_secret)
    with lite_app.app_context():
        hosts.get("quick").callback_url = quick.url
        db.session.commit()
    served = Served(lite_app)
    try:
        import base64
        file_b64 = base64.b64encode(docx()).decode()
        for n in range(4):   # more than the lane's threads: every one of them waits on the stalled host
            code, _ = post_event(served.port, slow_secret, "document.issued", {"id": f"S-{n}", "file_base64": file_b64},
                                 event_id=f"s-{n}")
            assert code == 202
        wait_for(lambda: trickle.accepted >= int(lite_app.config["API_PROCESS_THREADS"]))
        code, _ = post_event(served.port, quick_secret, "document.issued", {"id": "Q-1", "file_base64": file_b64},
                             event_id="q-1")
        assert code == 202
        wait_for(lambda: quick.acked)
        # the other jurisdiction's copy went out while the stalled host still held every call made to it
        assert trickle.finished == 0 and trickle.cut == 0
    finally:
        trickle.close()
        with lite_app.app_context():   # the stalled calls end (failed, to be retried) before the app goes
            wait_for(lambda: db.session.scalar(select(func.count()).select_from(InboxEvent).where(
                InboxEvent.status == "done")) == 5 or db.session.rollback())
            db.session.remove()
        served.close()
        quick.close()


def test_an_event_whose_fetch_is_slow_keeps_its_lease_and_is_processed_once(lite_app, trickle):
    lite_app.config.update(FILE_FETCH_TIMEOUT_SECONDS=1.5, DELIVERY_LEASE_SECONDS=0.2, API_PROCESS_INLINE=False)
    liaison = lite_app.extensions["oa_liaison"]
    with lite_app.app_context():
        _, secret = hosts.add(lite_app.config, "oa1", "nanbu", allow_origins=(trickle.origin,))
        db.session.commit()
    served = Served(lite_app)
    try:
        code, _ = post_event(served.port, secret, "document.issued", {"id": "F-1", "file_url": f"{trickle.origin}/f"},
                             event_id="f-1")
        assert code == 202
        first = {}
        worker = threading.Thread(target=lambda: first.update(inbox.process_due(liaison)))
        worker.start()
        wait_for(lambda: trickle.accepted == 1)
        overtaken = 0
        while worker.is_alive():   # a second worker tries all along; the lease must keep it out
            overtaken += inbox.process_due(liaison)["events"]
        worker.join()
        assert first == {"events": 1, "events_failed": 0} and overtaken == 0
        assert trickle.accepted == 1
        with lite_app.app_context():
            # a fresh read: this thread's earlier passes may hold an SQLite snapshot from before the worker's commit
            db.session.rollback()
            doc = db.session.scalar(select(Document).where(Document.host_id == "F-1"))
            assert doc.status == "held" and "超时" in doc.hold_reason
            db.session.remove()
    finally:
        served.close()


def _serve(instance: Path, **env):
    return serve(env_for(instance, **env), "--threads", "2")


def _call(port, method, path, body=b"", headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def test_previews_of_a_trickling_file_host_leave_the_server_answering(tmp_path, trickle):
    import json
    instance = tmp_path / "instance"
    added = cli(instance, "hosts", "add", "oa1", "--jurisdiction", "nanbu", "--allow-origin", trickle.origin, "--json")
    assert added.returncode == 0, added.stderr
    secret = json.loads(added.stdout)["secret"]
    proc, port = _serve(instance, OA_LIAISON_FILE_FETCH_TIMEOUT_SECONDS="2")
    try:
        answers = []

        def preview(n):
            body = cloud_event("document.issued", {"id": f"P-{n}", "file_url": f"{trickle.origin}/p{n}"},
                               event_id=f"pv-{n}")
            answers.append(_call(port, "POST", "/api/v1/preview", body, signed(secret, f"pv-{n}", body)))

        clients = [threading.Thread(target=preview, args=(n,)) for n in range(8)]
        for c in clients:
            c.start()
        wait_for(lambda: trickle.accepted >= 1)
        status, _ = _call(port, "GET", "/login")   # served while previews wait on the slow host
        assert status == 200
        for c in clients:
            c.join()
        got = [(code, json.loads(raw)) for code, raw in answers]
        assert {code for code, _ in got} <= {422, 503}, got
        slow = [a for code, a in got if code == 422]
        assert slow and all(a["error"] == "file_fetch_failed" and "超时" in a["message"] for a in slow)
        assert all(a["error"] == "busy" for code, a in got if code == 503)
        wait_for(lambda: trickle.cut == len(slow))
    finally:
        proc.terminate()
        proc.wait(20)


# ------------------------------------------------------------------ 2. --out writes only regular files

REPLY = {"unit": "南部县教育局", "committee": "县政协教科卫体委员会", "kind": "提案",
         "title": "关于加强农村寄宿制学校建设的建议", "number": "12", "received": "2017-01-05",
         "category": "A", "signer": "王明", "contact": "李华", "phone": "0817-5512345", "doc_number": "南教函[2017]05号",
         "date": "2017-03-20"}


def _out_command(tmp_path: Path, name: str):
    import json
    if name == "draft":
        (tmp_path / "reply.json").write_text(json.dumps(REPLY, ensure_ascii=False), "utf-8")
        return lambda out: ["draft", "reply", "--input", str(tmp_path / "reply.json"), "--out", out]
    return {"table": lambda out: ["table", "export", "--out", out],
            "report": lambda out: ["report", "year", "2017", "--out", out],
            "leaders": lambda out: ["leaders", "report", "--out", out]}[name]


OUT_COMMANDS = ["table", "report", "leaders", "draft"]


def _special(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"special-{kind}"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":   # a copy of /dev/full's node: replacing it is what --out /dev/full did
        if os.geteuid() != 0:
            pytest.skip("making a device node needs root")
        import stat
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    return path


@pytest.mark.parametrize("command", OUT_COMMANDS)
@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_out_refuses_a_special_file_and_leaves_it(tmp_path, command, kind):
    import stat
    target = _special(tmp_path, kind)
    before = os.lstat(target)
    done = cli(tmp_path / "instance", *_out_command(tmp_path, command)(str(target)))
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "不是普通文件" in done.stderr and "Traceback" not in done.stderr
    after = os.lstat(target)
    assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode) and after.st_ino == before.st_ino


@pytest.mark.parametrize("command", OUT_COMMANDS)
def test_out_through_a_symlink_writes_its_target_and_keeps_the_link(tmp_path, command):
    real = tmp_path / "real.out"
    real.write_bytes(b"old")
    link = tmp_path / "link.out"
    link.symlink_to(real)
    done = cli(tmp_path / "instance", *_out_command(tmp_path, command)(str(link)))
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() != b"old" and len(real.read_bytes()) > 100


@pytest.mark.parametrize("command", OUT_COMMANDS)
@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_a_new_output_file_gets_the_umask_mode(tmp_path, command, umask):
    out = tmp_path / "new.out"
    done = subprocess.run([CLI, *_out_command(tmp_path, command)(str(out))], capture_output=True, text=True,
                          env=env_for(tmp_path / "instance"), timeout=120, preexec_fn=lambda: os.umask(umask))
    assert done.returncode == 0, done.stderr
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize("command", OUT_COMMANDS)
def test_out_dash_is_standard_output(tmp_path, command):
    done = subprocess.run([CLI, *_out_command(tmp_path, command)("-")], capture_output=True,
                          env=env_for(tmp_path / "instance"), timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"PK" if command != "table" else b"{")
    assert not (Path.cwd() / "-").exists()


# ------------------------------------------------------------------ 3. NUL and other control characters

DOC = {"id": "D-1", "issuer": "南部县教育局", "title": "关于学校安全的通知", "doc_number": "南教发〔2017〕1号",
       "body": "正文", "doc_type": "通知", "main_recipients": ["各乡镇人民政府"], "secrecy": "无"}
SUB = {"id": "S-1", "committee": "提案委员会", "unit": "南部县教育局", "kind": "提案", "title": "关于学校安全的提案",
       "number": "12", "received": "2026-11-01"}
MEET = {"id": "M-1", "unit": "南部县教育局", "title": "全县教育工作会议", "held_on": "2026-12-10", "place": "县会议中心"}
EVENTS = {"document.issued": DOC, "submission.received": SUB, "meeting.scheduled": MEET}
# Every text field of every event: the CloudEvent's own attributes and each data field.
TEXT_FIELDS = [(t, f) for t in EVENTS for f in ("id", "source")] + \
              [(t, f"data.{k}") for t, data in EVENTS.items() for k, v in data.items() if isinstance(v, str)] + \
              [("document.issued", "data.main_recipients[0]")]


def _poisoned(type_: str, field: str, char: str) -> bytes:
    import json
    event = {"specversion": "1.0", "id": "ev-1", "source": "https://oa.example.cn/gw", "type": type_,
             "datacontenttype": "application/json", "data": dict(EVENTS[type_])}
    if field.startswith("data.main_recipients"):
        event["data"]["main_recipients"] = [f"各乡镇{char}人民政府"]
    elif field.startswith("data."):
        event["data"][field[5:]] = f"{event['data'][field[5:]]}{char}x" if char else event["data"][field[5:]]
    elif char:
        event[field] = f"{event[field]}{char}x"
    return json.dumps(event, ensure_ascii=False).encode()


@pytest.fixture
def api(app):
    s = Served(app)
    with app.app_context():
        _, secret = hosts.add(app.config, "oa1", "nanbu")
        db.session.commit()
    yield s.port, secret
    s.close()


@pytest.mark.parametrize("type_,field", TEXT_FIELDS)
def test_a_nul_in_any_text_field_of_an_event_is_refused_naming_it(app, api, type_, field):
    import json
    from http_host import request as http_request
    port, secret = api
    for char in ("\x00", "\x01"):
        body = _poisoned(type_, field, char)
        code, answer = http_request(port, "/api/v1/events", body, signed(secret, f"m-{field}-{ord(char)}", body))
        assert code == 400 and answer["field"] == field and "控制字符" in answer["message"], answer
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(InboxEvent)) == 0
        db.session.remove()
    ok = json.loads(_poisoned(type_, field, ""))   # the same event without it is accepted
    body = json.dumps(ok, ensure_ascii=False).encode()
    assert http_request(port, "/api/v1/events", body, signed(secret, "m-ok", body))[0] == 202


@pytest.mark.parametrize("field", ["data.file_base64", "data.body"])
@pytest.mark.parametrize("at", [0, 30_000, -1])
def test_a_control_character_anywhere_in_a_long_text_is_refused_naming_it(app, api, field, at):
    """A long text (a file's base64, a document's body) is checked as fast as a short one, and as strictly."""
    import base64
    import json
    from http_host import request as http_request
    port, secret = api
    long = base64.b64encode(docx()).decode().ljust(40_000, "A") if field == "data.file_base64" else "正文\n" * 20_000
    poisoned = long[:at] + "\x1f" + long[at:] if at >= 0 else long + "\x7f"
    event = {"specversion": "1.0", "id": "ev-long", "source": "https://oa.example.cn/gw", "type": "document.issued",
             "datacontenttype": "application/json", "data": {**DOC, field[5:]: poisoned}}
    body = json.dumps(event, ensure_ascii=False).encode()
    code, answer = http_request(port, "/api/v1/events", body, signed(secret, f"m-long-{at}", body))
    assert code == 400 and answer["field"] == field and "控制字符" in answer["message"], answer
    assert ("U+001F" if at >= 0 else "U+007F") in answer["message"]


def test_long_texts_without_control_characters_pass_the_check():
    """Tabs, line breaks, Chinese, emoji, NEL and a lone surrogate pass the check (as short texts do), however long."""
    from oa_liaison_plugin.jsonfile import control_character, loads
    for text in ("\t正文\r\n😀" * 500, "A" * 100_000, "\ud800" * 300, "\x85\u2028" * 300):
        assert control_character(text) is None
    assert control_character("A" * 100_000 + "\x00") == "U+0000"
    assert control_character("\ud800" * 300 + "\x08") == "U+0008"
    with pytest.raises(Exception, match="控制字符 U\\+000B"):
        loads(('{"a": ["' + "中" * 5000 + '\\u000b"]}').encode())


def test_a_nul_in_a_preview_is_refused_naming_the_field(app, api):
    from http_host import request as http_request
    port, secret = api
    body = _poisoned("document.issued", "data.title", "\x00")
    code, answer = http_request(port, "/api/v1/preview", body, signed(secret, "m-p", body))
    assert code == 400 and answer["field"] == "data.title"


def test_a_nul_in_submissions_add_is_refused_naming_the_field(db_url, tmp_path):
    import json
    given = tmp_path / "sub.json"
    given.write_text(json.dumps({**SUB, "title": "提案\u0000标题"}, ensure_ascii=False), "utf-8")
    done = cli(tmp_path / "instance", "submissions", "add", "--input", str(given), "--json",
               OA_LIAISON_DATABASE_URL=db_url)
    assert done.returncode == 2 and "Traceback" not in done.stderr and "INSERT" not in done.stderr + done.stdout
    assert "title" in done.stderr and "控制字符" in done.stderr


@pytest.mark.parametrize("field,value", [("username", "boss\x00"), ("password", "pw\x00")])
def test_a_nul_in_a_panel_form_is_a_400_naming_the_field(app, field, value):
    client = app.test_client()
    data = {"username": "boss", "password": "pw", field: value}
    resp = client.post("/login", data=data)
    assert resp.status_code == 400
    assert field in resp.get_data(as_text=True) and "控制字符" in resp.get_data(as_text=True)
    assert client.get("/login?next=/%00").status_code == 400


# ------------------------------------------------------------------ 5. one JSON loader: depth, digits, size

HUGE = "1" * 5000


def test_a_huge_integer_in_an_event_is_a_400(app, api):
    from http_host import request as http_request
    port, secret = api
    body = _poisoned("document.issued", "data.title", "").replace(b'"ev-1"', b'"ev-1", "n": ' + HUGE.encode())
    code, answer = http_request(port, "/api/v1/events", body, signed(secret, "m-huge", body))
    assert code == 400 and answer["error"] == "bad_json" and "数字过长" in answer["message"]


def _input_commands(tmp_path: Path, given: Path) -> dict:
    return {"event": ["event", "document.issued", "--input", str(given), "--json"],
            "submissions": ["submissions", "add", "--input", str(given), "--json"],
            "meetings": ["meetings", "record", str(given)],
            "table": ["table", "load", str(given)],
            "draft": ["draft", "reply", "--input", str(given), "--out", str(tmp_path / "o.docx")]}


@pytest.mark.parametrize("command", ["event", "submissions", "meetings", "table", "draft"])
@pytest.mark.parametrize("content", ["huge", "deep", "nan"])
def test_json_inputs_with_huge_numbers_or_deep_nesting_are_clear_errors(tmp_path, command, content):
    given = tmp_path / "in.json"
    given.write_text({"huge": '{"id": ' + HUGE + "}", "deep": "[" * 100_000 + "]" * 100_000,
                      "nan": '{"id": NaN}'}[content], "utf-8")
    done = cli(tmp_path / "instance", *_input_commands(tmp_path, given)[command])
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    assert any(w in done.stdout + done.stderr for w in ("数字过长", "嵌套层数过深", "不是有效的 JSON"))


# ------------------------------------------------------------------ 6. FIFOs and endless input


def _fifo_commands(tmp_path: Path, fifo: Path) -> dict:
    return {**_input_commands(tmp_path, fifo),
            "import-notice": ["import-notice", str(fifo)],
            "meetings-sign": ["meetings", "sign", "M-1", str(fifo)],
            "submissions-reply": ["submissions", "reply", "S-1", "--doc-number", "1", "--date", "2017-01-01",
                                  "--file", str(fifo)]}


@pytest.mark.parametrize("command", ["event", "submissions", "meetings", "table", "draft", "import-notice",
                                     "meetings-sign", "submissions-reply"])
def test_a_fifo_as_input_is_refused_at_once(tmp_path, command):
    fifo = tmp_path / "in.fifo"
    os.mkfifo(fifo)
    try:
        done = subprocess.run([CLI, *_fifo_commands(tmp_path, fifo)[command]], capture_output=True, text=True,
                              env=env_for(tmp_path / "instance"), timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{command} waited on a FIFO")
    assert done.returncode in (1, 2) and "Traceback" not in done.stderr
    assert "不是普通文件" in done.stdout + done.stderr


def test_import_notice_of_an_endless_device_is_refused(tmp_path):
    done = cli(tmp_path / "instance", "import-notice", "/dev/zero", "--json")
    assert done.returncode == 2 and "不是普通文件" in done.stdout + done.stderr and "Traceback" not in done.stderr


# ------------------------------------------------------------------ 7. removal is immediate, rotation shown once


def test_a_host_removed_by_another_process_is_refused_at_once(lite_app, tmp_path):
    from http_host import post_event as post
    lite_app.config["API_HOSTS_CACHE_SECONDS"] = 3600   # only the database may tell the serving process
    with lite_app.app_context():
        _, secret = hosts.add(lite_app.config, "oa1", "nanbu")
        db.session.commit()
    served = Served(lite_app)
    try:
        assert post(served.port, secret, "submission.received", SUB, event_id="e-1")[0] == 202
        done = subprocess.run([CLI, "hosts", "remove", "oa1"], capture_output=True, text=True, timeout=120,
                              env=env_for(lite_app.instance_path,
                                          OA_LIAISON_DATABASE_URL=lite_app.config["SQLALCHEMY_DATABASE_URI"],
                                          OA_LIAISON_HOSTS_KEY_FILE=str(Path(lite_app.instance_path) / "hosts.key")))
        assert done.returncode == 0, done.stderr
        code, answer = post(served.port, secret, "submission.received", {**SUB, "id": "S-2"}, event_id="e-2")
        assert (code, answer["error"]) == (401, "unknown_host")
    finally:
        served.close()


def test_refreshing_the_rotation_page_never_rotates_again(tmp_path):
    from conftest import make_app
    from test_web_support import build_world, session_client
    app = make_app(f"sqlite:///{tmp_path / 'p.sqlite3'}", tmp_path / "instance", WTF_CSRF_ENABLED=False)
    world = build_world(app)
    admin = session_client(app, "admin1", world)
    admin.post("/hosts/new", data={"name": "county-oa"}, follow_redirects=True)
    answer = admin.post("/hosts/county-oa/rotate", data={"confirmed": "1"})
    assert answer.status_code in (302, 303)
    shown = admin.get(answer.headers["Location"]).get_data(as_text=True)
    secret = shown.split('<code class="secret">')[1].split("</code>")[0]
    assert secret.startswith("whsec_")
    again = admin.get(answer.headers["Location"], follow_redirects=True).get_data(as_text=True)   # a refresh
    assert secret not in again and "只显示一次" in again
    with app.app_context():
        assert len(hosts.get("county-oa").secrets) == 2   # the first and the one rotation
        assert hosts.live_secrets(app.config, hosts.get("county-oa"))[0].hex() != ""


# ------------------------------------------------------------------ 6. no tracebacks


@pytest.mark.parametrize("args", [
    ["remind", "--today", "0001-01-01", "--json"],
    ["remind", "--today", "9999-12-31", "--json"],
    ["submissions", "list", "--due-within", "3660", "--today", "9999-12-31", "--json"],
    ["hosts", "rotate", "oa1", "--overlap-hours", "nan"],
    ["worker", "--max-seconds", "nan"],
    ["worker", "--max-seconds", "inf"],
    ["deliver", "--loop"],   # removed: `worker` is the one loop
])
def test_hostile_option_values_are_usage_errors_not_tracebacks(tmp_path, args):
    try:
        done = cli(tmp_path / "instance", *args)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{args} never exited")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]


def test_a_submission_received_in_year_9999_is_refused_naming_the_field(tmp_path):
    import json
    given = tmp_path / "sub.json"
    given.write_text(json.dumps({**SUB, "received": "9999-12-31"}, ensure_ascii=False), "utf-8")
    done = cli(tmp_path / "instance", "event", "submission.received", "--input", str(given), "--json")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert json.loads(done.stdout)["field"] == "data.received"


def test_a_signed_status_request_for_a_huge_event_id_is_a_404(app, api):
    from http_host import request as http_request
    port, secret = api
    path = "/api/v1/events/evt-99999999999999999999"
    code, answer = http_request(port, path, b"", signed(secret, "m-status", b""), method="GET")
    assert (code, answer["error"]) == (404, "not_found")


# ------------------------------------------------------------------ 8. the tracebacks left (second half)


def test_an_unknown_jurisdiction_in_submissions_list_is_a_usage_error(tmp_path):
    import json
    done = cli(tmp_path / "instance", "submissions", "list", "-j", "nosuch", "--json")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert "未知行政区" in done.stderr and json.loads(done.stdout)["field"] == "jurisdiction"


def test_due_within_cannot_reach_past_the_last_date(tmp_path):
    import json
    done = cli(tmp_path / "instance", "submissions", "list", "--due-within", "3660", "--today", "9998-12-31", "--json")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert json.loads(done.stdout) == {"today": "9998-12-31", "submissions": []}


@pytest.mark.parametrize("args,named", [
    (["topics", "set", "99999999999999999999999", "done"], "TOPIC_ID"),
    (["topics", "set", str(2 ** 31), "done"], "TOPIC_ID"),
    (["topics", "set", "1", "done", "--consultation", str(2 ** 63)], "--consultation"),
    (["topics", "set", "1", "done", "--submission", str(2 ** 31)], "--submission"),
])
def test_a_huge_topic_id_is_refused_on_every_database(db_url, tmp_path, args, named):
    done = cli(tmp_path / "instance", *args, OA_LIAISON_DATABASE_URL=db_url)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert "编号" in done.stderr and named in done.stderr


def test_serve_on_a_port_in_use_says_so(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = cli(tmp_path / "instance", "serve", "--port", str(port))
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert "已被占用" in done.stderr and str(port) in done.stderr


@pytest.mark.parametrize("folder", ["/proc/1", "/proc/1/nosuch"])
def test_an_instance_folder_it_cannot_write_is_a_clear_error(tmp_path, folder):
    done = subprocess.run([CLI, "--instance", folder, "submissions", "list"], capture_output=True, text=True,
                          env=env_for(tmp_path / "unused"), timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert "实例目录" in done.stderr and folder in done.stderr


def test_a_callback_url_longer_than_its_column_is_refused_naming_it(db_url, tmp_path):
    import json
    instance = tmp_path / "instance"
    url = "https://oa.example.cn/" + "a" * 5000
    done = cli(instance, "hosts", "add", "oa1", "-j", "nanbu", "--callback-url", url, "--json",
               OA_LIAISON_DATABASE_URL=db_url)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert "callback-url" in done.stderr and "1024" in done.stderr
    listed = cli(instance, "hosts", "list", "--json", OA_LIAISON_DATABASE_URL=db_url)
    assert listed.returncode == 0 and json.loads(listed.stdout) == []
