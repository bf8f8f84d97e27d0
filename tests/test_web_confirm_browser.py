"""In a real browser (whose CSP blocks confirm()): every destructive or outward action asks on a page of its own
first, and a new rule or user starts from the safe choice."""
from __future__ import annotations

from sqlalchemy import func, select

from test_web_browser import browser, log_in, page, server  # noqa: F401 (fixtures)


def _count(app, model, *where) -> int:
    from oa_liaison_plugin.models import db
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_deleting_a_unit_or_a_host_and_mapping_an_issuer_ask_first(server, page):  # noqa: F811
    from oa_liaison_plugin.models import Document, HttpHost, Unit
    base, app, _ = server
    log_in(page, base, "admin1")
    from oa_liaison_plugin.models import db
    with app.app_context():
        unit_id = db.session.scalar(select(Unit.id).where(Unit.name == "县文联"))
    page.goto(f"{base}/table/units/{unit_id}/edit")
    page.get_by_role("button", name="删除“县文联”").click()
    page.get_by_text("即将从对口联系表删除“县文联”").wait_for()
    assert _count(app, Unit, Unit.name == "县文联") == 1   # asked, nothing done
    page.get_by_role("link", name="取消").click()
    assert _count(app, Unit, Unit.name == "县文联") == 1

    page.goto(f"{base}/hosts/new")
    page.locator("#name").fill("oa-test")
    page.get_by_role("button", name="接入并生成密钥").click()
    page.get_by_text("whsec_").first.wait_for()
    page.goto(f"{base}/hosts")
    page.locator("tr", has_text="oa-test").get_by_role("button", name="删除").click()
    page.get_by_text("即将删除接入主机“oa-test”").wait_for()
    assert _count(app, HttpHost, HttpHost.name == "oa-test") == 1
    page.get_by_role("button", name="确认删除“oa-test”").click()
    page.get_by_text("已删除接入主机“oa-test”").wait_for()
    assert _count(app, HttpHost, HttpHost.name == "oa-test") == 0

    page.goto(f"{base}/unmatched")
    group = page.locator(".panel", has_text="南部县新华书店")
    group.get_by_placeholder("输入单位名称").fill("县文联")
    group.get_by_role("button", name="映射并分送").click()
    page.get_by_text("1 份暂存的文件随即按“县文联”的对口关系抄送出去").wait_for()
    assert _count(app, Document, Document.status == "unmatched", Document.issuer == "南部县新华书店") == 1
    page.get_by_role("button", name="确认映射并分送").click()
    page.get_by_text("1 份暂存的文件已按对口关系分送").wait_for()


def test_a_new_rule_and_a_new_user_start_from_the_safe_choice(server, page):  # noqa: F811
    base, app, _ = server
    log_in(page, base, "admin1")
    page.goto(f"{base}/rules/new")
    assert page.locator("#action").input_value() == ""
    page.locator("#name").fill("未选处理方式")
    page.get_by_label("词语（每行一个）").fill("测试")
    page.get_by_role("button", name="保存规则").click()
    page.locator(".error", has_text="请选择命中后如何处理").wait_for()
    page.goto(f"{base}/users/new")
    assert page.locator("#role").input_value() == "committee"
    assert page.locator("#role option:checked").inner_text() == "委员会联络员"


def test_a_manual_copy_asks_on_a_page_before_anything_is_sent(server, page):  # noqa: F811
    from oa_liaison_plugin.models import Copy, Document, db
    base, app, world = server
    world["host"].issue(issuer="南部县教育局", title="关于校园周边环境整治的通知（浏览器）", note="此件不公开",
                        issued_on="2017-05-20", flags={"important": True})
    with app.app_context():
        doc_id = db.session.scalar(select(Document.id).where(Document.title == "关于校园周边环境整治的通知（浏览器）"))
    log_in(page, base, "admin1")
    page.goto(f"{base}/documents/{doc_id}")
    page.get_by_label("教科文卫体委员会").check()
    page.get_by_label("分送理由").fill("附注限制的是对外公开，委员会内部可传阅")
    page.get_by_role("button", name="下一步：确认分送").click()
    page.get_by_text("抄送后不能撤回").wait_for()
    assert _count(app, Copy, Copy.document_id == doc_id) == 0   # asked, nothing sent
    page.get_by_role("button", name="确认分送").click()
    page.get_by_text("已人工决定分送教科文卫体委员会").wait_for()
    assert _count(app, Copy, Copy.document_id == doc_id) == 1


def test_a_reminder_now_asks_on_a_page_before_it_is_sent(server, page):  # noqa: F811
    from oa_liaison_plugin.models import Message, ReminderSent
    base, app, _ = server
    log_in(page, base, "jkwwt")                       # the committee, for its own submission
    page.goto(f"{base}/submissions?overdue=1")
    row = page.locator("tr", has_text="关于加强农村寄宿制学校建设的建议")
    row.get_by_role("button", name="立即提醒").click()
    page.get_by_text("即将向县教育局发送答复提醒").wait_for()
    assert page.locator("input[type=checkbox]:checked").count() == 0
    assert _count(app, ReminderSent) == 0 and _count(app, Message, Message.kind == "reminder") == 0   # asked only
    page.get_by_role("button", name="确认发送提醒").click()
    page.get_by_text("已提醒县教育局").wait_for()
    assert "overdue=1" in page.url                       # back to the list it came from
    assert _count(app, Message, Message.kind == "reminder") == 1
    page.locator("tr", has_text="关于加强农村寄宿制学校建设的建议").get_by_role("button", name="立即提醒").click()
    page.get_by_role("button", name="确认发送提醒").click()
    page.get_by_text("已经提醒过县教育局").wait_for()   # the same day again: refused, saying so
    assert _count(app, Message, Message.kind == "reminder") == 1
