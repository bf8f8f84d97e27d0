"""Issue 25's findings as county clerks met them: reminder titles, punctuation, a rating's opinion, the reply loop."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from oa_liaison_plugin import reminders
from oa_liaison_plugin.errors import InputError
from oa_liaison_plugin.models import Submission, db

from test_reply_tasks import Inbox
from test_web_decisions import body, lite_world  # noqa: F401  (lite_world: the fixture)
from test_web_support import session_client

D = dt.date.fromisoformat
SUB = {"committee": "教科文卫体委员会", "unit": "县教育局", "kind": "提案", "title": "关于校车安全的建议",
       "received": "2017-03-10"}   # due 2017-06-12 (06-10 is a Saturday)


def _submission_lines(liaison, day):
    return [line for line in reminders.run(liaison, D(day)) if line["kind"] == "submission"]


# ------------------------------------------------------------------------------ reminder titles


@pytest.mark.parametrize("day,title,words", [
    ("2017-06-08", "4天后到期", "还有 4 天"),       # inside the 15-day offset's window, 4 days before
    ("2017-05-29", "14天后到期", "还有 14 天"),     # the 15-day offset, found a day late
    ("2017-06-12", "今天到期", "今天到期"),          # the due date itself, inside the 3-day window
])
def test_a_reminder_is_titled_by_the_days_really_left(lite_app, day, title, words):
    liaison = lite_app.extensions["oa_liaison"]
    liaison.config["MEETING_REMINDERS"] = []
    inbox = Inbox()
    liaison.pm.register(inbox)
    liaison.submission_received({**SUB, "id": "a"})
    [line] = _submission_lines(liaison, day)
    assert line["title"].startswith(f"{title}：") and line["days_left"] == (D("2017-06-12") - D(day)).days
    [(_, subject, text)] = [n for n in inbox.messages if not n[1].startswith("待答复")]
    assert subject == line["title"] and words in text and "天后到期：" not in text


def test_an_overdue_reminder_says_how_long_overdue(lite_app):
    liaison = lite_app.extensions["oa_liaison"]
    liaison.submission_received({**SUB, "id": "a"})
    [line] = _submission_lines(liaison, "2017-06-15")
    assert line["title"].startswith("已超期 3 天：") and line["offset_days"] == 0 and line["days_left"] == -3


# ------------------------------------------------------------------------------ punctuation


def _answered(liaison, host_id="a"):
    liaison.submission_received({**SUB, "id": host_id})
    from oa_liaison_plugin.replies import tasks
    with liaison.context():
        s = db.session.scalar(select(Submission).where(Submission.host_id == host_id))
        tasks.send_reply(liaison, s, "南教函〔2017〕8号", "2017-05-01", "jyj", today=D("2017-05-02"))
        db.session.commit()


@pytest.mark.parametrize("comment", ["请补充。", "请补充", "请补充!", "请补充！"])
def test_an_opinion_ending_in_a_stop_gets_no_second_one(lite_app, comment):
    from oa_liaison_plugin.audit import Actor
    from oa_liaison_plugin.operations import replies
    liaison = lite_app.extensions["oa_liaison"]
    inbox = Inbox()
    liaison.pm.register(inbox)
    _answered(liaison)
    with liaison.work(Actor("jkwwt")) as uow:
        s = db.session.scalar(select(Submission).where(Submission.host_id == "a"))
        replies.rate(uow, s, "教科文卫体委员会", "不满意", comment, "jkwwt", today=D("2017-05-05"))
    [(_, _, text)] = [n for n in inbox.messages if n[1].startswith("答复评价")]
    assert "请补充" in text
    for doubled in ("。。", "!。", "！。"):
        assert doubled not in text


# ------------------------------------------------------------------------------ a rating's opinion


@pytest.mark.parametrize("rating", ["不满意", "基本满意"])
@pytest.mark.parametrize("comment", [None, "", "   "])
def test_a_rating_short_of_satisfied_needs_an_opinion(lite_app, rating, comment):
    from oa_liaison_plugin.audit import Actor
    from oa_liaison_plugin.operations import replies
    liaison = lite_app.extensions["oa_liaison"]
    _answered(liaison)
    with pytest.raises(InputError) as refused:
        with liaison.work(Actor("jkwwt")) as uow:
            s = db.session.scalar(select(Submission).where(Submission.host_id == "a"))
            replies.rate(uow, s, "教科文卫体委员会", rating, comment, "jkwwt", today=D("2017-05-05"))
    assert refused.value.field == "comment" and "请写明意见" in refused.value.message
    with liaison.context():
        s = db.session.scalar(select(Submission).where(Submission.host_id == "a"))
        assert (s.state, s.round) == ("sent", 1)     # nothing changed
    with liaison.work(Actor("jkwwt")) as uow:     # 满意 needs none
        s = db.session.scalar(select(Submission).where(Submission.host_id == "a"))
        replies.rate(uow, s, "教科文卫体委员会", "满意", comment, "jkwwt", today=D("2017-05-05"))


def test_the_command_line_refuses_a_bare_dissatisfied_rating(tmp_path):
    from test_cli import run
    sub = tmp_path / "sub.json"
    sub.write_text(json.dumps({**SUB, "id": "p-1"}, ensure_ascii=False), "utf-8")
    assert run(tmp_path / "i", "submissions", "add", "--input", str(sub)).returncode == 0
    assert run(tmp_path / "i", "submissions", "reply", "p-1", "--doc-number", "南教函〔2017〕8号",
               "--date", "2017-05-01").returncode == 0
    p = run(tmp_path / "i", "submissions", "rate", "p-1", "--committee", "教科文卫体委员会", "--rating", "不满意",
            "--json")
    assert p.returncode == 2 and json.loads(p.stdout)["field"] == "comment"
    assert "请写明意见" in p.stderr and "Traceback" not in p.stderr
    p = run(tmp_path / "i", "submissions", "rate", "p-1", "--committee", "教科文卫体委员会", "--rating", "不满意",
            "--comment", "未说明经费来源。", "--json")
    assert p.returncode == 0 and json.loads(p.stdout)["state"] == "reopened"


def test_the_panel_refuses_a_bare_dissatisfied_rating_and_shows_the_reply(lite_world, lite_app):
    from test_web_replies import lite_app_today
    sid = lite_world["own_submission"]
    unit, committee = session_client(lite_app, "jyj", lite_world), session_client(lite_app, "jkwwt", lite_world)
    import io

    from test_web_support import signed_reply_docx
    assert unit.post(f"/submissions/{sid}/replied", data={
        "doc_number": "南教函〔2017〕8号", "date": lite_app_today(),
        "file": (io.BytesIO(signed_reply_docx()), "复函.docx")}, content_type="multipart/form-data").status_code == 302
    page = body(committee.get(f"/submissions/{sid}/rate"))
    # The reply itself beside the form: its number, its date and the signed letter to open.
    assert "南教函〔2017〕8号" in page and f"/submissions/{sid}/replies/1/file" in page
    # A hand-made POST (no browser, no form checks) meets the same operation.
    for rating in ("不满意", "基本满意"):
        refused = committee.post(f"/submissions/{sid}/rate", data={"rating": rating, "comment": " "})
        assert refused.status_code == 400 and "请写明意见" in body(refused)
    with lite_app.app_context():
        assert db.session.get(Submission, sid).state == "sent"
    assert committee.post(f"/submissions/{sid}/rate", data={"rating": "基本满意", "comment": "时间表不具体"}
                          ).status_code == 302


# ------------------------------------------------------------------------------ the drafts' content


@pytest.mark.parametrize("title", [
    "关于进一步做好农村留守儿童教育关爱工作的建议",
    "关于解决县城学校大班额和农村留守儿童教育问题的提案",
    "关于加强农村留守儿童和困境儿童关爱保护体系建设的调研报告",
    "关于优化营商环境促进民营企业和中小企业高质量发展的建议",
])
def test_a_reply_title_never_breaks_inside_a_word(title):
    from oa_liaison_plugin.documents.drafts import reply_title
    from oa_liaison_plugin.documents.titles import WORDS, title_lines
    heading = reply_title(title)
    lines = title_lines(heading)
    assert "".join(lines) == heading and len(lines) > 1
    words = [line.split()[0] for line in WORDS.read_text("utf-8").splitlines() if line.strip()]
    ends = {sum(map(len, lines[:i])) for i in range(1, len(lines))}
    for word in words:
        start = heading.find(word)
        while start >= 0:
            assert not any(start < end < start + len(word) for end in ends), (word, lines)
            start = heading.find(word, start + 1)


def _leaders_letter(lite_app, **kw):
    import io

    import docx

    from oa_liaison_plugin.meetings.filing import leaders_report
    from test_meetings import people
    liaison = lite_app.extensions["oa_liaison"]
    with lite_app.app_context():
        jur = people(liaison)
        blob, summary = leaders_report(jur, date=D("2017-12-31"), doc_number="南政协办函〔2017〕3号", **kw)
    return docx.Document(io.BytesIO(blob)), summary


def test_the_filing_letter_goes_to_two_offices_with_the_units_attached(lite_app):
    d, summary = _leaders_letter(lite_app)
    texts = [p.text for p in d.paragraphs]
    assert "县委办公室、县政府办公室：" in texts and not any("县政协办公室：" in t for t in texts)
    date = texts.index("2017年12月31日")
    body = "".join(texts[texts.index("县委办公室、县政府办公室：") + 1:date])
    # No unit named in the body: its 118 names are attached tables, after the signature.
    assert len(summary["missing"]) > 100 and not any(name in body for name in summary["missing"])
    assert "附件：1.对口联系工作分管领导名单" in texts[:date] and "2.未确定分管领导的部门（单位）名单" in texts[:date]
    assert texts[date + 1:].count("附件1") == 1 and "附件2" in texts[date + 1:]
    listed = [[c.text for c in row.cells] for row in d.tables[1].rows]
    assert listed[0] == ["序号", "部门（单位）"] and len(listed) == len(summary["missing"]) + 1
    assert [row[0] for row in listed[1:4]] == ["1", "2", "3"]


def test_a_letter_never_names_its_sender_among_its_addressees(lite_app):
    d, _ = _leaders_letter(lite_app, issuer="南部县委办公室")
    assert "县政府办公室：" in [p.text for p in d.paragraphs]
    from oa_liaison_plugin.documents.letter import addressees
    assert addressees("南部县政协办公室", ["县委办公室", "县政府办公室", "县政协办公室"]) == ["县委办公室", "县政府办公室"]


# ------------------------------------------------------------------------------ messages (消息)


def _unread(page: str) -> str | None:
    import re
    m = re.search(r'class="count" aria-label="未读 (\S+) 条"', page)
    return m.group(1) if m else None


def test_each_clerk_reads_the_messages_to_their_own_unit_or_committee(lite_world, lite_app):
    liaison = lite_app.extensions["oa_liaison"]
    liaison.config["MEETING_REMINDERS"] = []
    jyj, zrzy = session_client(lite_app, "jyj", lite_world), session_client(lite_app, "zrzy", lite_world)
    jkwwt, cjhz = session_client(lite_app, "jkwwt", lite_world), session_client(lite_app, "cjhz", lite_world)
    # A reminder pass: 县教育局's 提案 (due 2017-06-12) is 4 days off; 县自然资源和规划局's is not due yet.
    [line] = [x for x in reminders.run(liaison, D("2017-06-08")) if x["kind"] == "submission"]
    assert line["recipient"]["unit"] == "县教育局"
    page = body(jyj.get("/messages"))
    assert "4天后到期：教科文卫体委员会提案《关于加强农村寄宿制学校建设的建议》" in page and "还有 4 天" in page
    assert "待答复：" in page and "待会办：" in page        # the arrivals, its own and the one it co-handles
    assert "城区停车难" not in page                           # another unit's
    assert "4天后到期" not in body(zrzy.get("/messages")) and "城区停车难" in body(zrzy.get("/messages"))
    unread = int(_unread(body(jyj.get("/"))))
    assert unread >= 3

    # The unit answers: the committee is told, on its own 消息 page, and no other committee is.
    with lite_app.app_context():
        s = db.session.get(Submission, lite_world["own_submission"])
        from oa_liaison_plugin.audit import Actor
        from oa_liaison_plugin.operations import replies
        with liaison.work(Actor("jyj")) as uow:
            replies.send_reply(uow, s, "南教函〔2017〕8号", "2017-05-20", "jyj", today=D("2017-06-08"))
    assert "已答复：提案《关于加强农村寄宿制学校建设的建议》" in body(jkwwt.get("/messages?unread=1"))
    assert "已答复：提案" not in body(cjhz.get("/messages"))

    # Read one, then all: the header's count follows, each clerk's own; the audit log has it.
    from oa_liaison_plugin.models import Message
    with lite_app.app_context():
        first = db.session.scalar(select(Message.id).where(Message.subject.startswith("4天后到期")))
    assert jyj.post("/messages/read", data={"id": str(first)}).status_code == 302
    assert int(_unread(body(jyj.get("/")))) == unread - 1
    assert "4天后到期" not in body(jyj.get("/messages?unread=1"))
    assert zrzy.post("/messages/read", data={"id": str(first)}).status_code == 302   # not its message: nothing
    assert jyj.post("/messages/read", data={"all": "1"}).status_code == 302
    assert _unread(body(jyj.get("/"))) is None and _unread(body(jkwwt.get("/"))) is not None
    from test_web_decisions import _audit
    entries = _audit(lite_app, "message.read")
    assert [e.username for e in entries] == ["jyj", "jyj"] and entries[0].after == {"messages": [first]}


# ------------------------------------------------------------------------------ the reply loop


def test_the_unit_reads_the_submissions_text(lite_world, lite_app):
    liaison = lite_app.extensions["oa_liaison"]
    text = "一、基本情况\n我县农村寄宿制学校宿舍不足，部分学生走读距离超过5公里。\n二、建议\n新建宿舍楼三栋。"
    out = liaison.submission_received({"id": "sub-text", "committee": "教科文卫体委员会", "unit": "南部县教育局",
                                       "cohandlers": ["县财政局"], "kind": "调研报告", "title": "关于农村寄宿条件的调研报告",
                                       "received": "2017-05-02", "body": text})
    assert out["state"] == "received"
    with lite_app.app_context():
        sid = db.session.scalar(select(Submission.id).where(Submission.host_id == "sub-text"))
    for who in ("jyj", "jkwwt", "admin1"):
        page = body(session_client(lite_app, who, lite_world).get(f"/submissions/{sid}"))
        assert "来件正文" in page and "部分学生走读距离超过5公里。" in page and "新建宿舍楼三栋。" in page
    # Registered on paper with its text: the same.
    admin = session_client(lite_app, "admin1", lite_world)
    done = admin.post("/submissions/new", data={"committee": "教科文卫体委员会", "unit": "县教育局", "kind": "社情民意",
                                                 "title": "关于校门口交通拥堵的社情民意", "received": "2017-05-03",
                                                 "body": "上下学时段校门口车辆拥堵。"})
    assert done.status_code == 302
    assert "上下学时段校门口车辆拥堵。" in body(session_client(lite_app, "jyj", lite_world).get(done.location))
    too_long = liaison.submission_received({"id": "sub-long", "committee": "教科文卫体委员会", "unit": "县教育局",
                                            "kind": "提案", "title": "长", "body": "字" * 200_001})
    assert too_long["status"] == "error" and too_long["field"] == "body" and "过长" in too_long["error"]


def test_the_second_draft_quotes_the_committees_opinion(lite_world, lite_app):
    import io

    import docx
    sid = lite_world["own_submission"]
    unit, committee = session_client(lite_app, "jyj", lite_world), session_client(lite_app, "jkwwt", lite_world)
    from test_web_replies import lite_app_today
    assert unit.post(f"/submissions/{sid}/replied", data={"doc_number": "南教函〔2017〕8号", "date": "2017-05-20"}
                     ).status_code == 302
    assert committee.post(f"/submissions/{sid}/rate", data={"rating": "不满意", "comment": "未说明宿舍建设的资金来源"}
                          ).status_code == 302
    form = body(unit.get(f"/drafts/reply/{sid}"))
    assert "未说明宿舍建设的资金来源" in form and "南教函〔2017〕8号" in form
    draft = unit.post(f"/drafts/reply/{sid}", data={
        "unit": "南部县教育局", "committee": "县政协教科文卫体委员会", "kind": "提案", "title": "关于加强农村寄宿制学校建设的建议",
        "number": "第12号", "received": "2017-03-10", "category": "B", "signer": "王明", "contact": "李华",
        "phone": "0817-5522334", "doc_number": "南教函〔2017〕15号", "date": lite_app_today(),
        "previous": "南教函〔2017〕8号", "previous_date": "2017-05-20", "rating": "不满意",
        "opinion": "未说明宿舍建设的资金来源"})
    assert draft.status_code == 200, body(draft)
    text = "".join(p.text for p in docx.Document(io.BytesIO(draft.data)).paragraphs)
    assert ("我局于2017年5月20日以南教函〔2017〕8号答复后，你委评价为“不满意”，意见是：“未说明宿舍建设的资金来源。”"
            "我局高度重视，对照意见重新研究办理，现再次答复如下：") in text
    assert "。。" not in text


def test_a_committee_sees_whether_its_units_read_its_report(lite_world, lite_app):
    from oa_liaison_plugin.models import Copy, Document, Unit
    host = lite_world["host"]
    host.issue(issuer="县政协教科文卫体委员会", title="关于全县农村寄宿制学校建设情况的调研报告",
               doc_number="南政协教函〔2017〕2号", issued_on="2017-06-20")
    with lite_app.app_context():
        doc = db.session.scalar(select(Document).where(Document.doc_number == "南政协教函〔2017〕2号"))
        assert doc.status == "routed"
        education = db.session.scalar(select(Unit.id).where(Unit.name == "县教育局"))
        copy_id = db.session.scalar(select(Copy.id).where(Copy.document_id == doc.id, Copy.unit_id == education))
        doc_id, copies = doc.id, db.session.scalar(select(func.count(Copy.id)).where(Copy.document_id == doc.id))
    committee = session_client(lite_app, "jkwwt", lite_world)
    listed = body(committee.get("/documents"))
    assert "关于全县农村寄宿制学校建设情况的调研报告" in listed and "义务教育均衡发展" not in listed
    page = committee.get(f"/documents/{doc_id}")
    page = body(page)
    assert page[page.index("抄送与已读回执"):page.index("判断记录")].count("未读") == copies
    read = session_client(lite_app, "jyj", lite_world).post(f"/inbox/{copy_id}/read")
    assert read.status_code == 302, body(read)
    with lite_app.app_context():
        assert db.session.get(Copy, copy_id).read_at is not None, (copy_id, read.location)
    page = body(committee.get(f"/documents/{doc_id}"))
    receipts = page[page.index("抄送与已读回执"):page.index("判断记录")]
    assert "已读 " in receipts and receipts.count("未读") == copies - 1, receipts
    # Another committee, and a committee on a unit's document: not found.
    assert session_client(lite_app, "cjhz", lite_world).get(f"/documents/{doc_id}").status_code == 404
    assert committee.get(f"/documents/{lite_world['own_document']}").status_code == 404
    messages = body(committee.get("/messages"))   # the receipt reaches the committee's clerks too
    assert "已读回执：《关于全县农村寄宿制学校建设情况的调研报告》" in messages and "县教育局已于" in messages
