"""Reply tasks in the panel: the unit answers with its signed file, the committee rates, 不满意 reopens, the chart."""
from __future__ import annotations

import io

from test_web_decisions import body, lite_world  # noqa: F401  (lite_world: the fixture)
from test_web_support import session_client, signed_reply_docx


def test_answer_rate_reopen_and_answer_again_in_the_panel(lite_world, lite_app):
    from oa_liaison_plugin.models import Submission, db
    sid = lite_world["own_submission"]
    unit, committee = session_client(lite_app, "jyj", lite_world), session_client(lite_app, "jkwwt", lite_world)
    draft = unit.post(f"/drafts/reply/{sid}", data={
        "unit": "南部县教育局", "committee": "县政协教科文卫体委员会", "kind": "提案", "title": "关于加强农村寄宿制学校建设的建议",
        "number": "第12号", "received": "2017-03-10", "category": "A", "signer": "王明", "contact": "李华",
        "phone": "0817-5522334", "doc_number": "南教函〔2017〕8号", "date": "2017-05-20"})
    assert draft.status_code == 200 and draft.mimetype.endswith("wordprocessingml.document")
    with lite_app.app_context():
        assert db.session.get(Submission, sid).state == "drafting"

    bad = unit.post(f"/submissions/{sid}/replied", data={
        "doc_number": "南教函〔2017〕8号", "date": "2017-05-20", "file": (io.BytesIO(b"MZ..."), "reply.pdf")},
        content_type="multipart/form-data")
    assert bad.status_code == 400 and "内容不是 .pdf 文件" in body(bad)
    signed = signed_reply_docx()
    ok = unit.post(f"/submissions/{sid}/replied", data={
        "doc_number": "南教函〔2017〕8号", "date": "2017-05-20", "file": (io.BytesIO(signed), "复函.docx")},
        content_type="multipart/form-data")
    assert ok.status_code == 302
    page = body(committee.get(f"/submissions/{sid}"))
    assert "南教函〔2017〕8号" in page and "评价答复" in page and "按期" in page
    got = committee.get(f"/submissions/{sid}/replies/1/file")
    assert got.status_code == 200 and got.data == signed
    import docx
    assert "答复" in docx.Document(io.BytesIO(got.data)).paragraphs[0].text

    assert session_client(lite_app, "cjhz", lite_world).post(     # another committee: not its submission
        f"/submissions/{sid}/rate", data={"rating": "满意"}).status_code == 404
    assert committee.post(f"/submissions/{sid}/rate", data={"rating": "很好"}).status_code == 400
    assert committee.post(f"/submissions/{sid}/rate", data={"rating": "不满意", "comment": "未说明经费来源"}
                          ).status_code == 302
    with lite_app.app_context():
        s = db.session.get(Submission, sid)
        assert (s.state, s.status, s.round) == ("reopened", "open", 2)
    page = body(unit.get(f"/submissions/{sid}"))
    assert "第2次办理" in page and "未说明经费来源" in page and "标记已答复" in page
    assert unit.post(f"/submissions/{sid}/replied", data={"doc_number": "南教函〔2017〕12号",
                                                          "date": lite_app_today()}).status_code == 302
    assert committee.post(f"/submissions/{sid}/rate", data={"rating": "满意"}).status_code == 302
    page = body(committee.get(f"/submissions/{sid}"))
    assert page.count("南教函〔2017〕") == 2 and "不满意" in page and "满意" in page


def lite_app_today() -> str:
    from oa_liaison_plugin.config import DEFAULTS, county_today
    return county_today(DEFAULTS).isoformat()


def test_the_co_handler_sends_its_opinion_and_the_main_unit_sees_it_when_drafting(lite_world, lite_app):
    cid = lite_world["cohandled_submission"]
    unit = session_client(lite_app, "jyj", lite_world)     # 县教育局 co-handles 县财政局's task
    assert "关于县城学校扩容经费保障的建议" in body(unit.get("/submissions?co=1"))
    assert unit.post(f"/submissions/{cid}/opinion", data={"opinion": ""}).status_code == 400
    assert unit.post(f"/submissions/{cid}/opinion", data={"opinion": "建议把扩容经费列入年度预算。"}).status_code == 302
    assert unit.post(f"/submissions/{cid}/opinion", data={"opinion": "再送一次"}).status_code == 302   # once only
    admin = session_client(lite_app, "admin1", lite_world)
    draft_page = body(admin.get(f"/drafts/reply/{cid}"))
    assert "建议把扩容经费列入年度预算。" in draft_page and "再送一次" not in draft_page


def test_a_paper_submission_is_registered_or_refused_by_field(lite_world, lite_app):
    admin = session_client(lite_app, "admin1", lite_world)
    bad = admin.post("/submissions/new", data={"committee": "提案委员会", "unit": "南部县火星局", "kind": "提案",
                                               "title": "关于X的建议", "received": "2017-05-02"})
    assert bad.status_code == 400 and "未知单位“南部县火星局”" in body(bad)
    bad = admin.post("/submissions/new", data={"committee": "提案委员会", "unit": "县教育局", "kind": "提案",
                                               "title": "关于X的建议", "received": "2017-02-30"})
    assert bad.status_code == 400
    ok = admin.post("/submissions/new", data={"committee": "提案委员会", "unit": "县教育局", "kind": "提案",
                                              "title": "关于X的建议", "received": "2017-07-01", "cohandlers": "县财政局"})
    assert ok.status_code == 302
    page = body(admin.get(ok.headers["Location"]))
    assert "2017-10-09" in page and "县财政局" in page      # 国庆 moved the deadline; the co-handler is listed


def test_extension_shows_the_new_due_date_beside_the_original(lite_world, lite_app):
    sid = lite_world["own_submission"]
    admin = session_client(lite_app, "admin1", lite_world)
    assert admin.post(f"/submissions/{sid}/extend", data={"due": "2017-05-01", "reason": "x"}).status_code == 400
    assert admin.post(f"/submissions/{sid}/extend", data={"due": "2017-07-12", "reason": "需调研"}).status_code == 302
    page = body(admin.get(f"/submissions/{sid}"))
    assert "2017-07-12" in page and "原期限 2017-06-12" in page and "需调研" in page


def test_on_time_chart_is_drawn_without_script(lite_world, lite_app):
    from oa_liaison_plugin.models import Submission, db
    from oa_liaison_plugin.replies import tasks
    liaison = lite_app.extensions["oa_liaison"]
    with lite_app.app_context():
        s = db.session.get(Submission, lite_world["own_submission"])
        tasks.send_reply(liaison, s, "南教函〔2017〕8号", "2017-05-20", "jyj")
        db.session.commit()
    resp = session_client(lite_app, "admin1", lite_world).get("/submissions/on-time?year=2017")
    page = body(resp)
    assert "script-src 'none'" in resp.headers["Content-Security-Policy"] and "<script" not in page
    assert "<svg" in page and "县教育局" in page and "100%（1/1）" in page
    assert "0%（0/1）" in page     # 县财政局's task is past its deadline, unanswered
