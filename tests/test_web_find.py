"""Finding, exporting and paging lists: keyword and date search, .xlsx exports opened with openpyxl, totals."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest

from test_web_support import build_world, session_client

openpyxl = pytest.importorskip("openpyxl")


@pytest.fixture
def lite_world(lite_app):
    lite_app.config["WTF_CSRF_ENABLED"] = False
    return build_world(lite_app)


@pytest.fixture
def world(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return build_world(app)


def html(client, url: str) -> str:
    resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    return resp.get_data(as_text=True)


def sheets(client, url: str) -> dict[str, list[tuple]]:
    """An export opened as a spreadsheet: sheet title -> rows (the header first)."""
    resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert ".xlsx" in resp.headers["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(resp.data))
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def only(book: dict) -> list[tuple]:
    (rows,) = book.values()
    return rows


def column(rows: list[tuple], header: str) -> list:
    i = rows[0].index(header)
    return [r[i] for r in rows[1:]]


def test_keyword_search_on_documents_ignores_bracket_and_width(world, app):
    admin = session_client(app, "admin1", world)
    # typed with square brackets and full-width digits; stored as 南教发〔2017〕12号
    page = html(admin, "/documents?q=南教发[２０１７]12号")
    assert "义务教育均衡发展" in page and "城市总体规划" not in page and "布局调整" not in page
    page = html(admin, "/documents?q=自然资源+规划")   # words in title and issuer, both needed
    assert "城市总体规划" in page and "义务教育" not in page
    page = html(admin, "/documents?q=%25")   # a LIKE wildcard is a plain character
    assert "没有符合条件的文件" in page


def test_date_range_on_submissions_and_copies(lite_world, lite_app):
    admin = session_client(lite_app, "admin1", lite_world)
    page = html(admin, "/submissions?from=2017-04-01&to=2017-12-31")
    assert "停车难" in page and "扩容经费" in page and "寄宿制" not in page
    page = html(admin, "/submissions?to=2017-04-05")   # the last day is included
    assert "寄宿制" in page and "扩容经费" in page and "停车难" not in page
    committee = session_client(lite_app, "jkwwt", lite_world)
    assert "义务教育均衡发展" in html(committee, "/inbox?q=均衡")
    assert "没有符合条件的文件" in html(committee, "/inbox?q=均衡&to=2016-12-31")


@pytest.mark.parametrize("query", ["from=2017-13-45", "to=2017/06/20", "from=0001-01-01", "from=二〇一七年"])
def test_a_bad_date_is_explained_in_chinese(lite_world, lite_app, query):
    page = html(session_client(lite_app, "jyj", lite_world), f"/submissions?{query}")
    assert "不是有效的日期，请按 2017-06-20 的格式填写" in page
    assert "寄宿制" in page   # the rest of the list is still shown


def test_reversed_dates_are_explained(lite_world, lite_app):
    page = html(session_client(lite_app, "admin1", lite_world), "/documents?from=2017-06-01&to=2017-01-01")
    assert "起始日期晚于截止日期" in page


def test_document_export_has_chinese_headers_dates_and_the_search(lite_world, lite_app):
    admin = session_client(lite_app, "admin1", lite_world)
    rows = only(sheets(admin, "/documents/export.xlsx"))
    assert rows[0] == ("收到时间", "印发日期", "文号", "标题", "发文单位", "处理结果", "抄送与回执")
    assert len(rows) == 1 + 5
    assert all(isinstance(v, dt.datetime) for v in column(rows, "收到时间"))
    assert dt.datetime(2017, 6, 1) in column(rows, "印发日期")   # a date cell, not text
    searched = only(sheets(admin, "/documents/export.xlsx?q=教育局"))
    assert sorted(column(searched, "文号")) == ["南教发〔2017〕12号", "南教发〔2017〕20号"]
    page = html(admin, "/documents?q=教育局&status=routed")
    assert 'href="/documents/export.xlsx?q=%E6%95%99%E8%82%B2%E5%B1%80&amp;status=routed"' in page


def test_a_unit_clerk_exports_only_what_the_page_shows(lite_world, lite_app):
    clerk = session_client(lite_app, "jyj", lite_world)
    docs = only(sheets(clerk, "/documents/export.xlsx"))
    assert set(column(docs, "发文单位")) == {"县教育局"}
    assert len(docs) - 1 == len(re.findall(r'href="/documents/\d+"', html(clerk, "/documents")))
    tasks = only(sheets(clerk, "/submissions/export.xlsx"))
    titles = column(tasks, "来件")
    assert "关于加强农村寄宿制学校建设的建议" in titles and "关于县城学校扩容经费保障的建议" in titles  # own, co-handled
    assert "关于城区停车难问题的调研报告" not in titles
    assert "关于城区停车难问题的调研报告" not in str(sheets(clerk, "/submissions/export.xlsx?q=停车"))
    meetings = column(only(sheets(clerk, "/meetings/export.xlsx")), "会议")
    assert "全县教育工作会议" in meetings and "全县国土执法检查部署会" not in meetings
    consultations = only(sheets(clerk, "/consultations/export.xlsx"))
    assert set(column(consultations, "发文单位")) <= {"县教育局"}
    assert session_client(lite_app, "jyj", lite_world).get("/review/export.xlsx").status_code == 403


def test_inbox_export_is_the_committees_own(lite_world, lite_app):
    committee = session_client(lite_app, "jkwwt", lite_world)
    rows = only(sheets(committee, "/inbox/export.xlsx"))
    assert rows[0] == ("收到时间", "类别", "文号", "标题", "发文单位", "印发日期", "状态", "阅读时间")
    assert "关于南部县城市总体规划修编的意见" not in column(rows, "标题")
    assert "关于印发《南部县义务教育均衡发展实施方案》的通知" in column(rows, "标题")
    other = only(sheets(session_client(lite_app, "cjhz", lite_world), "/inbox/export.xlsx"))
    assert column(other, "标题") == ["关于南部县城市总体规划修编的意见"]


def test_review_export_has_both_tables(lite_world, lite_app):
    book = sheets(session_client(lite_app, "admin1", lite_world), "/review/export.xlsx?year=2017")
    assert list(book) == ["各专门委员会", "各部门（单位）"]
    committees = book["各专门委员会"]
    assert committees[0][:3] == ("专门委员会", "收到抄送文件", "征求意见") and committees[0][-1] == "不满意"
    row = next(r for r in committees if r[0] == "教科文卫体委员会")
    assert row[committees[0].index("召开联系会")] == 1
    rate = committees[0].index("按期答复率")
    assert row[rate] == 0.0   # its one submission is past due and unanswered: a number, shown as 0.0%
    assert next(r for r in committees if r[0] == "提案委员会")[rate] is None   # nothing due: left blank
    assert "县教育局" in column(book["各部门（单位）"], "单位")


def test_pagination_says_how_many_and_keeps_the_search(lite_world, lite_app, monkeypatch):
    from oa_liaison_plugin.web import paging
    admin = session_client(lite_app, "admin1", lite_world)
    assert "共 5 条，第 1/1 页" in html(admin, "/documents")
    monkeypatch.setattr(paging, "PAGE_SIZE", 2)
    first = html(admin, "/documents?q=2017")
    assert "共 4 条，第 1/2 页" in first
    more = re.search(r'href="(/documents\?[^"]*before=\d+[^"]*)">更早的', first).group(1).replace("&amp;", "&")
    assert "q=2017" in more
    second = html(admin, more)
    assert "共 4 条，第 2/2 页" in second and "更早的" not in second


def test_due_lists_are_sorted_by_days_left(lite_world, lite_app):
    from oa_liaison_plugin.models import Submission, db
    from oa_liaison_plugin.web.labels import local_today
    with lite_app.test_request_context():
        today = local_today()
        due = {s.title: s.due_on for s in db.session.query(Submission)}
    page = html(session_client(lite_app, "admin1", lite_world), "/submissions?overdue=1")
    order = sorted(due, key=due.get)
    assert [page.index(t) for t in order] == sorted(page.index(t) for t in order)
    most = order[0]
    assert f"已超期 {(today - due[most]).days} 天" in page
    assert "共 3 条，第 1/1 页" in page


def test_deliveries_are_searched_and_exported_alike(lite_world, lite_app):
    admin = session_client(lite_app, "admin1", lite_world)
    page = html(admin, "/deliveries?q=总体规划")
    assert "城市总体规划" in page and "义务教育" not in page
    rows = only(sheets(admin, "/deliveries/export.xlsx?q=总体规划"))
    assert column(rows, "标题") == ["关于南部县城市总体规划修编的意见"]
    assert column(rows, "抄送给") == ["城乡建设与环境资源保护委员会"]
    assert only(sheets(admin, "/deliveries/export.xlsx?to=2000-01-01"))[1:] == []


def test_the_counterpart_table_exports_as_a_workbook_with_its_filter(lite_world, lite_app):
    admin = session_client(lite_app, "admin1", lite_world)
    book = sheets(admin, "/table/export.xlsx")
    assert list(book) == ["对口联系表", "名称规则"]
    units = book["对口联系表"]
    assert units[0] == ("对口委员会", "单位", "全称", "别名", "曾用名")
    assert ("教科文卫体委员会", "县教育局") in {r[:2] for r in units[1:]}
    found = sheets(admin, "/table/export.xlsx?q=教育局")["对口联系表"]
    assert 1 < len(found) < len(units) and all("教育局" in " ".join(map(str, r)) for r in found[1:])


def test_leaders_and_audit_export_what_their_pages_show(lite_world, lite_app):
    clerk = only(sheets(session_client(lite_app, "jyj", lite_world), "/leaders/export.xlsx"))
    assert clerk[0] == ("单位", "分管领导", "职务", "联系电话", "起始")
    assert [r[:2] for r in clerk[1:]] == [("县教育局", "王明")]
    assert clerk[1][4] == dt.datetime(2017, 1, 1)
    admin = session_client(lite_app, "admin1", lite_world)
    assert len(only(sheets(admin, "/leaders/export.xlsx"))) > 100   # every unit, with or without a leader
    committee = session_client(lite_app, "jkwwt", lite_world)
    assert committee.post(f"/inbox/{lite_world['own_copy']}/read").status_code == 302
    entries = only(sheets(session_client(lite_app, "audit1", lite_world), "/audit/export.xlsx?user=jkwwt"))
    assert entries[0] == ("时间", "用户", "操作", "对象", "来源地址")
    assert [r[1:3] for r in entries[1:]] == [("jkwwt", "标记已读")]
    assert "南部县义务教育均衡发展实施方案" in entries[1][3]   # the copy named by its document, not copy-N
    assert isinstance(entries[1][0], dt.datetime)
    assert only(sheets(admin, "/audit/export.xlsx?user=nobody"))[1:] == []


def test_a_long_list_is_counted_only_so_far(lite_world, lite_app, monkeypatch):
    """Counting every row of a large list would cost more than the page: beyond COUNT_CAP it says 余条."""
    from oa_liaison_plugin.web import paging
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    monkeypatch.setattr(paging, "PAGE_SIZE", 2)
    admin = session_client(lite_app, "admin1", lite_world)
    first = html(admin, "/documents")
    assert "共 3 余条，第 1 页" in first
    more = re.search(r'href="(/documents\?before=\d+)">更早的', first).group(1)
    assert "共 3 余条，第 2 页" in html(admin, more)


def test_meeting_compliance_exports_the_year_asked(lite_world, lite_app):
    rows = only(sheets(session_client(lite_app, "jkwwt", lite_world), "/meetings/compliance.xlsx?year=2017"))
    assert rows[0] == ("专门委员会", "已召开", "最低要求", "情况")
    assert ("教科文卫体委员会", 1, 2, "未达到，还差 1 次") in rows


def test_rules_and_users_export_in_full(lite_world, lite_app):
    auditor = session_client(lite_app, "audit1", lite_world)
    rules = only(sheets(auditor, "/rules/export.xlsx?action=major"))
    assert rules[0][:4] == ("顺序", "名称", "命中后", "加送委员会")   # no rule id: the program's, not people's
    assert len(rules) > 1 and set(column(rules, "命中后")) == {"重大事项（抄送并征求意见）"}
    assert len(only(sheets(auditor, "/rules/export.xlsx"))) > len(rules)
    users = only(sheets(auditor, "/users/export.xlsx"))
    assert users[0] == ("用户名", "角色", "单位 / 委员会", "状态", "最近登录")
    assert ("jyj", "单位联络员") in {r[:2] for r in users[1:]}
    assert "correct-horse-9" not in str(users)
