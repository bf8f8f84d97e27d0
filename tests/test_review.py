"""The yearly review (五(三)): SQL aggregates checked against counting the rows in Python, the .docx and JSON."""
from __future__ import annotations

import datetime as dt
import io
import json

import docx
from sqlalchemy import select

from oa_liaison_plugin.models import (AgreedTopic, Committee, Consultation, Copy, Document, Invitation, Meeting, Reply,
                                      Submission, Unit, db)

from test_meetings import people, record, run


def county_year(app, liaison):
    """Documents of 2016 and 2017 (one from a sub-unit), a consultation answered, submissions, meetings, topics."""
    from oa_liaison_plugin.meetings.invitations import answer
    from oa_liaison_plugin.meetings.topics import advance
    from oa_liaison_plugin.audit import Actor
    from oa_liaison_plugin.operations import consultations
    from oa_liaison_plugin.reference_host import ReferenceHost
    from oa_liaison_plugin.replies.tasks import rate, send_reply
    host = ReferenceHost(liaison)
    for i, (issuer, day, flags) in enumerate([
            ("南部县教育局", "2017-03-06", {"important": True}), ("南部县教育局", "2017-06-01", {"major": True}),
            ("南部县教育局", "2016-12-30", {"important": True}), ("红十字会", "2017-05-05", {"important": True}),
            ("南部县财政局", "2017-08-08", {"major": True}), ("南部县财政局", "2017-09-09", {})]):
        host.issue(issuer=issuer, title=f"关于第{i}项工作的通知", doc_number=f"南文〔{day[:4]}〕{i + 1}号",
                   body="……", flags=flags, issued_on=day)
    for hid, committee, unit, received in (("s-1", "教科文卫体委员会", "县教育局", "2017-03-10"),
                                           ("s-2", "教科文卫体委员会", "县教育局", "2017-04-10"),
                                           ("s-3", "城市经济委员会", "县财政局", "2017-05-10"),
                                           ("s-4", "城市经济委员会", "县财政局", "2016-05-10")):
        liaison.submission_received({"id": hid, "committee": committee, "unit": unit, "kind": "提案",
                                     "title": f"提案{hid}", "received": received})
    with app.app_context():
        people(liaison)
        liaison.meeting_scheduled({"id": "w-1", "unit": "南部县教育局", "title": "全县教育工作会议",
                                   "held_on": "2017-04-01"})
        record(liaison)
        record(liaison, _second_meeting())
        sub = {s.host_id: s for s in db.session.scalars(select(Submission))}
        # s-1 answered by its deadline and rated 不满意 (reopened), answered again and rated 满意;
        # s-3 answered after its deadline, rated 基本满意.
        send_reply(liaison, sub["s-1"], "南教函〔2017〕3号", "2017-05-01", "test")
        rate(liaison, sub["s-1"], "教科文卫体委员会", "不满意", "请补充", "test", today=dt.date(2017, 5, 5))
        send_reply(liaison, sub["s-1"], "南教函〔2017〕9号", "2017-05-20", "test")
        rate(liaison, sub["s-1"], "教科文卫体委员会", "满意", None, "test")
        send_reply(liaison, sub["s-3"], "南财函〔2017〕4号", "2017-12-01", "test")
        rate(liaison, sub["s-3"], "城市经济委员会", "基本满意", "答复偏晚", "test")
        cons = db.session.scalars(select(Consultation).order_by(Consultation.id)).first()
        with liaison.work(Actor("test")) as uow:
            consultations.answer(uow, cons, "同意", dt.datetime(2017, 6, 10))
        inv = db.session.scalar(select(Invitation).where(Invitation.name == "陈刚"))
        answer(inv, "confirmed", dt.datetime(2017, 3, 30))
        topic = db.session.scalar(select(AgreedTopic).where(AgreedTopic.title == "农村寄宿制学校建设"))
        advance(topic, "done", dt.date(2017, 10, 1))
        db.session.commit()


def _second_meeting():
    return {"id": "jkw-2017-2", "committee": "教科文卫体委员会", "held_on": "2017-09-20", "place": "县教育局会议室",
            "chair": "陈刚", "attendees": ["陈刚", "刘芳"]}


def counted_in_python(year: int) -> dict:
    """The same figures by loading the rows and counting them one by one (the test's independent baseline)."""
    def of_year(doc):
        return (doc.issued_on or doc.received_at.date()).year == year
    top = {u.id: u.parent_id or u.id for u in db.session.scalars(select(Unit))}
    com = {c.id: c.name for c in db.session.scalars(select(Committee))}
    unit_name = {u.id: u.name for u in db.session.scalars(select(Unit))}
    by_c: dict = {n: dict.fromkeys(("copies", "consultations_opened", "consultations_answered", "submissions",
                                    "submissions_answered", "meetings_held", "topics", "topics_done",
                                    "invitations_proposed", "invitations_confirmed"), 0) for n in com.values()}
    by_u: dict = {}
    ratings: dict = {}
    docs = {d.id: d for d in db.session.scalars(select(Document))}
    copied_docs = set()
    for c in db.session.scalars(select(Copy)):
        if c.committee_id and of_year(docs[c.document_id]):
            by_c[com[c.committee_id]]["copies"] += 1
            copied_docs.add(c.document_id)
    for d in copied_docs:
        name = unit_name[top[docs[d].unit_id]]
        by_u.setdefault(name, {}).setdefault("documents_copied", 0)
        by_u[name]["documents_copied"] += 1
    for c in db.session.scalars(select(Consultation)):
        if of_year(docs[c.document_id]):
            by_c[com[c.committee_id]]["consultations_opened"] += 1
            by_c[com[c.committee_id]]["consultations_answered"] += c.status == "answered"
    for s in db.session.scalars(select(Submission)):
        if s.received_on.year == year:
            by_c[com[s.committee_id]]["submissions"] += 1
            by_c[com[s.committee_id]]["submissions_answered"] += s.status == "replied"
            for r in db.session.scalars(select(Reply).where(Reply.submission_id == s.id, Reply.rating.is_not(None))):
                ratings.setdefault(com[s.committee_id], {}).setdefault(r.rating, 0)
                ratings[com[s.committee_id]][r.rating] += 1
    for m in db.session.scalars(select(Meeting)):
        if m.kind == "liaison" and m.held_on.year == year:
            by_c[com[m.committee_id]]["meetings_held"] += 1
    for t in db.session.scalars(select(AgreedTopic)):
        if t.year == year:
            by_c[com[t.committee_id]]["topics"] += 1
            by_c[com[t.committee_id]]["topics_done"] += t.state == "done"
    for i in db.session.scalars(select(Invitation)):
        if i.meeting.held_on.year == year:
            by_c[com[i.committee_id]]["invitations_proposed"] += 1
            by_c[com[i.committee_id]]["invitations_confirmed"] += i.status == "confirmed"
    return {"committees": by_c, "units": by_u, "ratings": ratings}


def test_review_numbers_equal_counting_the_rows(app, liaison):
    from oa_liaison_plugin.review import year_review
    county_year(app, liaison)
    with app.app_context():
        review = year_review(liaison, liaison.jurisdiction(), 2017)
        expected = counted_in_python(2017)
    got = {c["name"]: c for c in review["committees"]}
    for name, figures in expected["committees"].items():
        assert {k: got[name][k] for k in figures} == figures, name
    units = {u["name"]: u for u in review["units"]}
    assert {n: units[n]["documents_copied"] for n in expected["units"]} == {
        n: f["documents_copied"] for n, f in expected["units"].items()}
    jk = got["教科文卫体委员会"]
    assert jk["meetings_held"] == 2 and not jk["behind"] and got["提案委员会"]["behind"]
    assert jk["submissions"] == 2 and jk["submissions_answered"] == 1 and jk["submissions_on_time"] == 1
    assert got["城市经济委员会"]["submissions_answered"] == 1 and got["城市经济委员会"]["submissions_on_time"] == 0
    assert {n: c["ratings"] for n, c in got.items() if c["ratings"]} == expected["ratings"] == {
        "教科文卫体委员会": {"不满意": 1, "满意": 1}, "城市经济委员会": {"基本满意": 1}}
    assert units["县教育局"]["ratings"] == {"不满意": 1, "满意": 1}
    assert jk["invitations_confirmed"] == 1 and jk["topics_done"] == 1
    # the 2016 document does not count; 红十字会 is a sub-unit of the 卫健局 and counts with it
    assert units["县教育局"]["documents_copied"] == 2 and units["县卫健局"]["documents_copied"] == 1
    assert "红十字会" not in units
    assert units["县教育局"]["meetings_held"] == 1 and units["县教育局"]["invitations_confirmed"] == 1
    assert "提案委员会" in review["committees_behind"]


def test_report_year_json_and_docx_carry_the_same_numbers(lite_app, tmp_path):
    liaison = lite_app.extensions["oa_liaison"]
    county_year(lite_app, liaison)
    r = run(lite_app, "report", "year", "2017", "--out", str(tmp_path / "r.docx"), "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["year"] == 2017 and {"committees", "units", "totals", "minimum"} <= set(out)
    jk = next(c for c in out["committees"] if c["name"] == "教科文卫体委员会")
    d = docx.Document(io.BytesIO((tmp_path / "r.docx").read_bytes()))
    rows = {row.cells[0].text: [c.text for c in row.cells] for row in d.tables[0].rows}
    assert rows["教科文卫体委员会"][1] == str(jk["copies"])
    assert rows["教科文卫体委员会"][5] == "2" and rows["提案委员会"][5] == "0（未达标）"
    text = "\n".join(p.text for p in d.paragraphs)
    assert f"抄送文件{out['totals']['copies']}份次" in text and "提案委员会" in text
    future = run(lite_app, "report", "year", str(dt.date.today().year + 1), "--json")
    assert future.exit_code == 2 and "尚未到来" in future.output
    bad = run(lite_app, "report", "year", "二〇一七", "--json")
    assert bad.exit_code == 2 and "四位年份" in bad.output


def test_the_ratings_reach_the_page_and_the_docx(lite_app, tmp_path):
    """满意/基本满意/不满意 of the answers: the review page's 评价 column and the .docx table say the same."""
    liaison = lite_app.extensions["oa_liaison"]
    county_year(lite_app, liaison)
    r = run(lite_app, "report", "year", "2017", "--out", str(tmp_path / "r.docx"), "--json")
    assert r.exit_code == 0, r.output

    rows = [[c.text for c in row.cells] for t in docx.Document(str(tmp_path / "r.docx")).tables
            for row in t.rows]
    head = next(row for row in rows if row[0] == "专门委员会")
    jk = next(row for row in rows if row[0] == "教科文卫体委员会")
    assert jk[head.index("评价")] == "1/0/1"          # 满意 1, 基本满意 0, 不满意 1
    text = "".join(p.text for p in docx.Document(str(tmp_path / "r.docx")).paragraphs)
    assert "满意1件次、基本满意1件次、不满意1件次" in text


def test_consultations_before_and_after_issue_on_time_and_positions_agree_on_page_docx_and_rows(lite_app, tmp_path):
    """Must 5 of #26: per committee and unit, consultations before and after issue (未经事前协商), answered on time,
    positions; the 征求意见 page, the review .docx and counting the rows say the same."""
    import re
    from oa_liaison_plugin.audit import Actor
    from oa_liaison_plugin.operations import consultations
    from oa_liaison_plugin.review import year_review
    from oa_liaison_plugin.review.stats import CONSULTATION_FIGURES
    from oa_liaison_plugin.web.users.accounts import create_user
    from test_web_support import PASSWORD, login
    liaison = lite_app.extensions["oa_liaison"]
    county_year(lite_app, liaison)   # two major matters issued without a draft; one answered 同意 on time
    for hid in ("d-1", "d-2"):
        liaison.draft_for_consultation({"id": hid, "issuer": "南部县自然资源和规划局", "title": f"规划{hid}（征求意见稿）",
                                        "flags": {"major": True}, "issued_on": "2017-04-01"})
    with lite_app.app_context():
        drafts = db.session.scalars(select(Consultation).where(Consultation.stage == "before")
                                    .order_by(Consultation.id)).all()
        late = dt.datetime.combine(drafts[1].due_on + dt.timedelta(days=1), dt.time(3))
        with liaison.work(Actor("test")) as uow:   # on the due date at 23:30 county time: still on time
            consultations.answer(uow, drafts[0], "补充红线", dt.datetime.combine(drafts[0].due_on, dt.time(15, 30)),
                                 "修改意见")
        with liaison.work(Actor("test")) as uow:
            consultations.answer(uow, drafts[1], "不同意选址", late, "不同意")
        create_user(liaison, username="admin9", password=PASSWORD, role="admin", unit=None, committee=None)
        db.session.commit()
        review = year_review(liaison, liaison.jurisdiction(), 2017)
        rows = db.session.scalars(select(Consultation)).all()
        com = {c.id: c.name for c in db.session.scalars(select(Committee))}
        expected: dict = {}
        for c in rows:
            f = expected.setdefault(com[c.committee_id], dict.fromkeys(CONSULTATION_FIGURES, 0))
            f["consultations_before" if c.stage == "before" else "consultations_after"] += 1
            county_day = (c.answered_at + dt.timedelta(hours=8)).date() if c.answered_at else None
            f["consultations_on_time"] += county_day is not None and county_day <= c.due_on
            for key, word in (("positions_agree", "同意"), ("positions_amend", "修改意见"),
                              ("positions_disagree", "不同意")):
                f[key] += c.position == word
    got = {c["name"]: {k: c[k] for k in CONSULTATION_FIGURES}
           for c in review["committees"] if c["consultations_opened"]}
    assert got == expected
    cj = got["城乡建设与环境资源保护委员会"]
    assert cj["consultations_before"] == 2 and cj["consultations_on_time"] == 1 and cj["positions_amend"] == 1
    assert review["totals"]["consultations_after"] == 2 and review["totals"]["positions_disagree"] == 1
    units = {u["name"]: u for u in review["units"]}
    assert units["县自然资源和规划局"]["consultations_before"] == 2

    client = lite_app.test_client()
    login(client, "admin9")
    html = client.get("/consultations?year=2017").get_data(as_text=True)
    table = html[html.index('id="consultation-figures"'):]
    page_rows = {name: [int(v) for v in re.findall(r'data-figure="[a-z_]+">(\d+)<', cells)]
                 for name, cells in re.findall(r'<tr><td data-label="[^"]+">([^<]+)</td>(.*?)</tr>', table)}
    r = run(lite_app, "report", "year", "2017", "--out", str(tmp_path / "r.docx"), "--json")
    assert r.exit_code == 0, r.output
    d = docx.Document(str(tmp_path / "r.docx"))
    consult_table = next(t for t in d.tables if t.rows[0].cells[1].text == "签发前征求意见")
    docx_rows = {row.cells[0].text: [int(c.text) for c in row.cells[1:]] for row in consult_table.rows[1:]}
    for name, figures in got.items():
        assert docx_rows[name] == list(figures.values()), name
        assert page_rows[name][2:] == list(figures.values()), name
    assert docx_rows["县自然资源和规划局"] == [units["县自然资源和规划局"][k] for k in CONSULTATION_FIGURES]
    text = "".join(p.text for p in d.paragraphs)
    assert "签发前征求意见2次、未经事前协商2次" in text
