"""People see their own words: no field names, codes, hashes, rule ids or Python messages on any page, for
any role (in Chromium, the visible text of every page of the menu and one of each kind it links to)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from test_web_browser import CHROMIUM, browser, log_in, page, server  # noqa: F401  (fixtures)
from test_web_layout import _pages, signed_in

ROLES = ("admin1", "jyj", "jkwwt", "audit1")
# What only the program calls things: snake_case and dotted names, long hex (hashes), the jurisdiction's code,
# a rule id (imp-plan-scheme), Python's English.
INTERNAL = re.compile(r"\b[a-z]+_[a-z_]+\b|\b[a-z]+\.[a-z_]+\b|\b[0-9a-f]{16,}\b|SHA-?256|\bnanbu\b|"
                      r"\b(?:imp|npc|maj|exc|hold|com|rule)-[a-z0-9-]+\b|position \d+|Traceback|[Mm]issing \)|"
                      r"\b[a-z]+-\d+\b|"   # a stored row's own name: submission-3, copy-12, meeting-1
                      r"\b[A-Z]+_[A-Z_]+\b")   # a setting's key: REQUIRE_FILE
URL = re.compile(r"https?://\S+")
# The host's own ids, shown labelled (主办系统编号, 回执, a submission's 编号): the OA's words, which its clerks look
# up there — the reference host's documents and inbox items, the test world's submissions and meetings.
HOST_IDS = re.compile(r"\b(?:ref|inbox|sub|m|w)-\d+\b")

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="/usr/bin/chromium is not installed")


@pytest.fixture(scope="module", autouse=True)
def changes(server):
    """An administrator's changes, so that the audit log holds records of each kind the table keeps."""
    from sqlalchemy import select

    from oa_liaison_plugin.audit import Actor
    from oa_liaison_plugin.models import db
    from oa_liaison_plugin.operations import hosts, table
    from oa_liaison_plugin.table import notice
    from oa_liaison_plugin.web.models import User
    from test_web_notice import CHANGED
    _, app, _ = server
    liaison = app.extensions["oa_liaison"]
    with app.app_context():
        actor = Actor.of_user(db.session.scalar(select(User).where(User.username == "admin1")), "127.0.0.1")
        with liaison.work(actor) as uow:
            table.import_notice(uow, notice.parse(CHANGED), "nanbu")
        with liaison.work(actor) as uow:
            table.rollback(uow, "nanbu", to=1)
        with liaison.work(actor) as uow:
            hosts.add(uow, "oa-words", "nanbu", callback_url="https://oa.example.cn/liaison")
        db.session.remove()


def _internal(page, base: str, paths) -> list[tuple[str, str]]:
    found = []
    for path in paths:
        page.goto(base + path)
        text = HOST_IDS.sub("", URL.sub("", page.locator("body").inner_text()))   # an address typed is theirs
        found += [(path, m.group(0)) for m in INTERNAL.finditer(text)]
    return found


@pytest.mark.parametrize("username", ROLES)
def test_no_internal_words_on_any_page(server, browser, username):  # noqa: F811
    base, app, _ = server
    with signed_in(browser, base, username, 1366) as page:
        paths = _pages(page, base)
        if username in ("admin1", "audit1"):   # every kind of audit record, each as its own page
            page.goto(f"{base}/audit")
            paths += sorted({h.split(base)[-1] for h in page.locator("main a[href*='/audit/']").evaluate_all(
                "as => as.map(a => a.href)")} - {"/audit/export.xlsx"})
        assert len(paths) >= 5
        found = _internal(page, base, paths)
        assert found == [], "\n".join(f"{p}: {w}" for p, w in found)


def test_a_bad_regex_is_explained_in_chinese(server, page):  # noqa: F811
    base, _, _ = server
    log_in(page, base, "admin1")
    for url, fill in ((f"{base}/rules/new", {"#name": "坏的正则", "#pattern": "卫生院(院"}),
                      (f"{base}/table/patterns/new", {"#name": "各卫生院", "#regex": "卫生院(院"})):
        page.goto(url)
        if "/rules/" in url:
            page.locator("#action").select_option("exclude")
            page.locator("#match").select_option("regex")
        else:
            page.locator("#committee").select_option(index=1)
        for selector, value in fill.items():
            page.locator(selector).fill(value)
        page.locator("main button[type=submit]").first.click()
        error = page.locator(".error", has_text="正则表达式无效")
        error.wait_for()
        assert "缺少与“(”配对的“)”（写到末尾时）" in error.inner_text()
        assert not INTERNAL.search(page.locator("main").inner_text()), url


def test_a_draft_field_error_names_the_field_as_the_form_does(lite_app):
    from test_web_support import build_world, session_client
    lite_app.config["WTF_CSRF_ENABLED"] = False
    world = build_world(lite_app)
    clerk = session_client(lite_app, "jyj", world)
    url = f"/drafts/reply/{world['own_submission']}"
    form = {"kind": "提案", "title": "关于加强农村寄宿制学校建设的建议", "number": "第12号", "received": "2017-03-10",
            "category": "B", "signer": "王明", "contact": "李华", "phone": "0817-5512345", "unit": "南部县教育局",
            "committee": "县政协教科文卫体委员会", "doc_number": "南教发〔2017〕5号", "date": "2017-05-20"}
    resp = clerk.post(url, data=form)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "“发文字号”格式错误" in html
    assert "doc_number" not in re.sub(r'(id|name|for)="[^"]*"', "", html)


def test_a_reason_quotes_the_document_as_written(lite_app):
    """A regex rule matches the normalised title; the reason quotes the title's own characters (《》, full width)."""
    from test_web_support import build_world, session_client
    lite_app.config["WTF_CSRF_ENABLED"] = False
    world = build_world(lite_app)
    page = session_client(lite_app, "admin1", world).post("/tester", data={
        "issuer": "南部县教育局", "title": "关于印发《南部县校园安全工作方案》的通知"}).get_data(as_text=True)
    assert "方案》的通知" in page and "方案&gt;的通知" not in page and "方案>的通知" not in page
