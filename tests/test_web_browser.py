"""The panel in a real browser (Playwright driving Debian's chromium): the main flows, with screenshots."""
from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path

import pytest

from test_web_support import PASSWORD, build_world

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
SHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "web"

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="/usr/bin/chromium is not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The panel on 127.0.0.1 (a free port) in a background thread, with a small county's data."""
    from werkzeug.serving import make_server

    from conftest import make_app
    tmp = tmp_path_factory.mktemp("browser")
    app = make_app(f"sqlite:///{tmp / 'browser.sqlite3'}", tmp / "instance")
    world = build_world(app)
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}", app, world
    srv.shutdown()
    thread.join(5)
    from oa_liaison_plugin.models import db
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900},
                                  accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    # Long pages (80 rules) are shot as the first screen: what a clerk sees on opening them.
    full = page.evaluate("document.documentElement.scrollHeight") <= 1800
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


def test_admin_edits_a_rule_tries_a_document_and_maps_an_issuer(server, page, tmp_path):
    base, app, _ = server
    page.goto(f"{base}/rules")
    assert page.url.startswith(f"{base}/login")
    shot(page, "01-login")
    log_in(page, base, "admin1")
    shot(page, "02-home-admin")

    page.goto(f"{base}/rules")
    shot(page, "03-rules")
    page.locator("#rule-imp-plan-scheme").get_by_role("link", name="修改").click()
    terms = page.get_by_label("词语（每行一个）")
    terms.fill(terms.input_value() + "\n工作方案")
    shot(page, "04-rule-form")
    page.get_by_role("button", name="保存规则").click()
    page.get_by_text("已保存，下一份文件起生效").wait_for()
    assert "工作方案" in page.locator("#rule-imp-plan-scheme").inner_text()

    # a bad rule: the InputError is shown on the form, nothing saved
    page.goto(f"{base}/rules/new")
    page.locator("#name").fill("坏的正则")
    page.locator("#action").select_option("exclude")
    page.locator("#match").select_option("regex")
    page.locator("#pattern").fill("(a+)+$")
    page.get_by_role("button", name="保存规则").click()
    page.locator(".error").first.wait_for()
    assert "超时" in page.content() or "灾难性回溯" in page.content()

    from oa_liaison_plugin.documents.samples import make_issued_docx
    docx = tmp_path / "方案.docx"
    docx.write_bytes(make_issued_docx(issuer="南部县卫生健康局", doc_number="南卫健发〔2017〕5号",
                                      title="关于印发《南部县基层医疗卫生服务能力提升工作方案》的通知",
                                      main_recipients=["各乡镇卫生院"], body_paragraphs=["现将工作方案印发给你们。"],
                                      date=dt.date(2017, 6, 1)))
    page.goto(f"{base}/tester")
    page.get_by_label("已印发的文件（OFD、PDF、.docx、.doc、.wps、.odt、.rtf，可不传）").set_input_files(str(docx))
    page.get_by_role("button", name="试算").click()
    result = page.locator("#result")
    result.wait_for()
    assert "会抄送" in result.inner_text() and "教科文卫体委员会" in result.inner_text()
    assert "工作方案" in result.inner_text()  # the term just added is among the reasons
    shot(page, "05-tester")

    page.goto(f"{base}/unmatched")
    shot(page, "06-unmatched")
    group = page.locator(".panel", has_text="南部县新华书店")
    group.get_by_placeholder("输入单位名称").fill("县文联")
    group.get_by_role("button", name="映射并分送").click()
    page.get_by_role("button", name="确认映射并分送").click()
    page.get_by_text("已把“南部县新华书店”登记为“县文联”的别名").wait_for()
    assert "1 份暂存的文件已按对口关系分送" in page.content()
    assert "没有待映射的发文单位" in page.content()

    for path, name in (("/table", "07-table"), ("/deliveries", "08-deliveries"),
                       ("/documents", "09-documents-admin"), ("/audit", "10-audit"), ("/users", "11-users")):
        page.goto(base + path)
        shot(page, name)
    page.goto(f"{base}/audit")
    assert "映射发文单位" in page.content() and "修改规则" in page.content()


def test_clerks_download_a_draft_and_mark_a_copy_read(server, page):
    base, app, world = server
    log_in(page, base, "jyj")
    shot(page, "12-home-unit")
    page.goto(f"{base}/submissions")
    shot(page, "13-submissions-unit")
    page.get_by_role("link", name="答复函草稿").first.click()
    page.get_by_label("答复类别").select_option("A")
    page.get_by_label("签发人").fill("王明")
    page.get_by_label("联系人").fill("李华")
    page.get_by_label("联系电话").fill("0817-5512345")
    page.get_by_label("发文字号").fill("南教函〔2017〕5号")
    shot(page, "14-draft-reply")
    with page.expect_download() as info:
        page.get_by_role("button", name="下载草稿（.docx）").click()
    download = info.value
    assert download.suggested_filename.endswith(".docx")
    assert Path(download.path()).read_bytes()[:2] == b"PK"

    page.get_by_role("button", name="退出").click()

    log_in(page, base, "jkwwt")
    page.goto(f"{base}/inbox")
    shot(page, "15-inbox-committee")
    row = page.locator("tr", has_text="义务教育均衡发展")
    row.get_by_role("button", name="标记已读").click()
    page.get_by_text("已标记为已读，已通知发文单位").wait_for()
    assert page.locator("tr", has_text="义务教育均衡发展").get_by_text("已读").count() == 1
    page.goto(f"{base}/meetings")
    shot(page, "16-meetings-committee")
    page.get_by_role("button", name="退出").click()

    log_in(page, base, "jyj")
    page.goto(f"{base}/documents")
    receipt = page.locator("tr", has_text="义务教育均衡发展")
    assert "已读" in receipt.inner_text()
    shot(page, "17-documents-unit-read-receipt")
    messages = [m for m in world["host"].messages() if m.subject.startswith("已读回执")]
    assert messages and messages[0].recipient == {"role": "unit", "unit": "县教育局", "jurisdiction": "nanbu"}


def test_error_pages_are_chinese(server, page):
    base, _, _ = server
    log_in(page, base, "jyj")
    page.goto(f"{base}/rules")
    assert "无权访问" in page.content()
    shot(page, "18-error-403")
    page.goto(f"{base}/documents/999999")
    assert "页面不存在" in page.content()


def test_opinion_reply_and_a_held_document_decided_in_the_browser(server, page):
    base, app, world = server
    log_in(page, base, "jkwwt")
    page.goto(f"{base}/consultations")
    page.get_by_role("link", name="填写意见").first.click()
    page.get_by_label("委员会意见").fill("一、布局调整应兼顾偏远村小学生就近入学。\n二、建议先在两个乡镇试点。")
    shot(page, "20-opinion-form-committee")
    page.get_by_role("button", name="提交意见").click()
    page.get_by_text("并已通知发文单位").wait_for()
    page.get_by_role("button", name="退出").click()

    log_in(page, base, "jyj")
    page.goto(f"{base}/consultations")
    assert "建议先在两个乡镇试点" in page.content()
    shot(page, "21-consultations-unit-opinion")
    page.goto(f"{base}/submissions")
    page.get_by_role("link", name="标记已答复").first.click()
    page.get_by_label("复函的发文字号").fill("南教函[2017]5号")
    page.get_by_label("复函日期").fill("2017-05-01")
    shot(page, "22-submission-replied-form")
    page.get_by_role("button", name="确认已答复").click()
    page.get_by_text("已标记为已答复").wait_for()
    assert "复函 南教函〔2017〕5号" in page.content()
    shot(page, "23-submissions-unit-replied")
    page.get_by_role("button", name="退出").click()

    log_in(page, base, "admin1")
    page.goto(f"{base}/documents/{world['held_document']}")   # 机密: never sent, only handed over offline
    assert page.locator("input[type=checkbox]:checked").count() == 0
    assert page.get_by_role("button", name="下一步：确认分送").count() == 0
    page.get_by_label("教科文卫体委员会").check()
    page.get_by_label("传递日期").fill("2017-03-20")
    page.get_by_label("经办人（机要交通或机要员）").fill("县委机要局 王某")
    page.get_by_label("说明").fill("经县保密办审查同意，纸质件经机要交通送达")
    shot(page, "24-held-document-admin")
    page.get_by_role("button", name="登记（本系统不传送文件）").click()
    page.get_by_text("本系统未传送文件").first.wait_for()
    assert "已线下机要传递" in page.content()
    shot(page, "25-held-document-handed-over")


def test_the_committee_rates_an_answer_and_the_admin_sees_the_on_time_chart(server, page):
    base, app, world = server
    from oa_liaison_plugin.models import Submission, db
    from oa_liaison_plugin.replies import tasks
    with app.app_context():   # answered (in the browser by the test above, else here)
        s = db.session.get(Submission, world["own_submission"])
        if s.status == "open":
            tasks.send_reply(app.extensions["oa_liaison"], s, "南教函〔2017〕5号", "2017-05-01", "jyj")
            db.session.commit()
    log_in(page, base, "jkwwt")
    page.goto(f"{base}/submissions/{world['own_submission']}")
    shot(page, "24-submission-committee-answered")
    page.get_by_role("link", name="评价答复").click()
    page.get_by_label("评价").select_option("不满意")
    page.get_by_label("意见（选基本满意或不满意时必填）").fill("未说明寄宿制学校的建设时间表。")
    page.get_by_role("button", name="提交评价").click()
    page.get_by_text("答复单位将重新办理").wait_for()
    assert "第2次办理" in page.content()
    shot(page, "25-submission-rated-reopened")
    page.get_by_role("button", name="退出").click()

    log_in(page, base, "admin1")
    page.goto(f"{base}/submissions/on-time?year=2017")
    chart = page.locator("svg.chart")
    assert chart.is_visible() and chart.locator("rect.bar").count() >= 1
    shot(page, "26-submissions-on-time-chart")


def test_a_meeting_recorded_in_the_browser_minutes_invitees_and_the_review(server, page):
    base, app, world = server
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, base, "jkwwt")
    page.goto(f"{base}/meetings/new")
    page.get_by_label("县教育局 局长 王明").check()
    page.get_by_label("会议地点").fill("县教育局会议室")
    page.get_by_label("主持人（职务 姓名）").fill("陈刚")
    page.get_by_label("议定事项（每行一项）").fill("联合督查校车安全")
    page.get_by_label("课题1类别").select_option("调研")
    page.get_by_label("课题1名称").fill("校园安全")
    page.get_by_label("课题1牵头单位").fill("县教育局")
    shot(page, "18-meeting-record")
    page.get_by_role("button", name="保存记录").click()
    page.get_by_text("纪要可按记录直接生成").wait_for()
    shot(page, "19-meeting-detail")
    with page.expect_download() as info:
        page.get_by_role("link", name="按记录生成纪要（.docx）").click()
    assert Path(info.value.path()).read_bytes()[:2] == b"PK"
    page.get_by_role("button", name="退出").click()

    log_in(page, base, "jyj")
    shot(page, "20-home-unit-invitees")
    page.goto(f"{base}/meetings?kind=work")
    page.get_by_role("link", name="全县教育工作会议").click()
    page.locator("tr", has_text="陈刚").get_by_role("button", name="确认邀请").click()
    page.get_by_text("已确认邀请").first.wait_for()
    shot(page, "21-invitees-unit")
    page.get_by_role("button", name="退出").click()

    log_in(page, base, "admin1")
    page.goto(f"{base}/review?year=2017")
    charts = page.locator("svg.chart")
    assert charts.count() == 3 and charts.first.bounding_box()["height"] > 50
    shot(page, "22-review")
    page.goto(f"{base}/meetings/compliance?year=2017")
    assert page.get_by_text("未达到，还差").count() >= 1
    shot(page, "23-compliance")
    page.goto(f"{base}/leaders")
    shot(page, "24-leaders")
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_two_clerks_edit_one_meeting_record_and_the_later_save_is_a_conflict(server, browser):
    base, _, world = server
    pages = []
    for username in ("jkwwt", "admin1"):   # two people, each in a browser of their own
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        pages.append(context.new_page())
        pages[-1].set_default_timeout(15000)
        log_in(pages[-1], base, username)
        pages[-1].goto(f"{base}/meetings/{world['own_meeting']}")
        pages[-1].get_by_role("link", name="修改会议记录").click()
    clerk, admin = pages
    clerk.get_by_label("会议地点").fill("县政协二楼会议室")
    clerk.get_by_role("button", name="保存记录").click()
    clerk.get_by_text("县政协二楼会议室").wait_for()
    admin.get_by_label("主持人（职务 姓名）").fill("县政协副主席 陈刚")
    admin.get_by_role("button", name="保存记录").click()
    admin.get_by_role("heading", name="已被他人修改").wait_for()
    differs = admin.locator("tr.differs")
    assert differs.count() == 2
    assert "县政协二楼会议室" in differs.nth(0).inner_text() and "县政协副主席 陈刚" in differs.nth(1).inner_text()
    shot(admin, "32-meeting-record-conflict")
    admin.get_by_role("link", name="重新打开表单").click()
    assert admin.get_by_label("会议地点").input_value() == "县政协二楼会议室"
    assert admin.get_by_label("主持人（职务 姓名）").input_value() != "县政协副主席 陈刚"
    for p in pages:
        p.context.close()


def test_a_clerk_reads_the_messages_to_the_unit_from_the_header(server, page):
    base, _app, _world = server
    log_in(page, base, "jyj")
    count = page.locator("header .messages .count")
    assert int(count.inner_text()) >= 1
    count.click()
    page.get_by_role("heading", name="消息").wait_for()
    assert page.locator("tr.unread").count() >= 1 and "待答复：" in page.content()
    shot(page, "40-messages-unread")
    page.get_by_role("button", name="全部标为已读").click()
    page.get_by_text("条消息标为已读").wait_for()
    assert page.locator("header .messages .count").count() == 0 and page.locator("tr.unread").count() == 0
