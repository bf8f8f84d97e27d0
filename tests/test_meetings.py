"""Form (6): meeting records and minutes, leaders, invitations, agreed topics, compliance and reminders."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json

import docx
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from oa_liaison_plugin.cli import main
from oa_liaison_plugin.errors import InputError
from oa_liaison_plugin.models import (AgreedTopic, Blob, Invitation, LiaisonLeader, Meeting, MeetingPerson,
                                      ReminderSent, db)

TODAY = dt.date(2017, 12, 31)
RECORD = {
    "id": "jkw-2017-1", "committee": "县政协教科文卫体委员会", "held_on": "2017-03-15", "place": "县政协三楼会议室",
    "chair": "陈刚", "attendees": ["陈刚", "王明", {"name": "刘芳"}], "absent": [{"name": "李华", "reason": "外出学习"}],
    "observers": [{"name": "周敏", "post": "科长", "organisation": "县委办"}],
    "topics": ["县教育局通报义务教育均衡发展工作安排"], "decisions": ["6月联合开展基层医疗卫生机构视察"],
    "agreed_topics": [{"title": "农村寄宿制学校建设", "kind": "协商", "unit": "县教育局"},
                      {"title": "基层医疗卫生服务能力", "kind": "调研", "unit": "县卫健局"}],
}


def people(liaison):
    """Two units' liaison leaders and three committee members (one works at the 教育局)."""
    from oa_liaison_plugin.meetings.people import add_member, set_leader
    jur = liaison.jurisdiction()
    for unit, name, post in (("县教育局", "王明", "局长"), ("县卫健局", "刘芳", "副局长")):
        set_leader(liaison, jur, {"unit": unit, "name": name, "post": post, "phone": "0817-5512345",
                                  "since": "2017-01-01"}, TODAY)
    for name, post, unit in (("陈刚", "主任", None), ("张军", "副主任", None), ("李华", "委员", "县教育局")):
        add_member(liaison, jur, {"committee": "教科文卫体委员会", "name": name, "post": post, "unit": unit})
    db.session.commit()
    return jur


def record(liaison, data=RECORD, today=TODAY):
    from oa_liaison_plugin.meetings.record import record_meeting
    m = record_meeting(liaison, liaison.jurisdiction(), data, today)
    db.session.commit()
    return m


def texts(blob: bytes) -> str:
    d = docx.Document(io.BytesIO(blob))
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in d.paragraphs] + cells)


def test_minutes_are_generated_from_the_record(app, liaison):
    from oa_liaison_plugin.documents.drafts import render_minutes
    from oa_liaison_plugin.meetings.record import minutes_data
    with app.app_context():
        people(liaison)
        m = record(liaison)
        assert [(p.role, p.name) for p in m.people] == [("attendee", "陈刚"), ("attendee", "王明"), ("attendee", "刘芳"),
                                                        ("absent", "李华"), ("observer", "周敏")]
        assert db.session.scalar(select(func.count(AgreedTopic.id))) == 2
        text = texts(render_minutes(minutes_data(m, "县政协教科文卫体委员会")))
    assert "2017年3月15日，县政协教科文卫体委员会在县政协三楼会议室召开对口单位负责人联系会，会议由陈刚主持" in text
    assert "县教育局局长王明" in text and "李华（外出学习）" in text and "县委办科长周敏" in text
    assert "1.6月联合开展基层医疗卫生机构视察" in text
    assert "确定2017年调研课题：基层医疗卫生服务能力（牵头单位：县卫健局）" in text
    assert "请逐项写明议定事项" not in text   # the decisions came from the record, nothing left to type


@pytest.mark.parametrize("change, field, words", [
    ({"committee": "县政协外事委员会"}, "committee", "未知专门委员会“县政协外事委员会”"),
    ({"attendees": ["陈刚", "孙悟空"]}, "attendees[1]", "“孙悟空”不在教科文卫体委员会对口单位的分管领导和本委员会委员名单中"),
    ({"absent": [{"name": "李华"}]}, "absent[0].reason", "请假原因"),
    ({"held_on": "2018-01-02"}, "held_on", "晚于今天"),
    ({"held_on": "2017-02-30"}, "held_on", "YYYY-MM-DD"),
    ({"attendees": []}, "attendees", "至少要有一名出席人员"),
    ({"agreed_topics": [{"title": "课题", "unit": "县外星局"}]}, "agreed_topics[0].unit", "未知单位"),
    ({"agreed_topics": [{"kind": "调研", "unit": "县教育局"}]}, "agreed_topics[0].title", "课题名称"),
    ({"observers": [{"post": "科长"}]}, "observers[0].name", "列席人员姓名"),
    ({"attendees": "陈刚"}, "attendees", "应为列表"),
    ({"place": "会" * 300}, "place", "会议地点过长"),
])
def test_a_bad_record_names_its_field_and_saves_nothing(lite_app, change, field, words):
    liaison = lite_app.extensions["oa_liaison"]
    with lite_app.app_context():
        people(liaison)
        with pytest.raises(InputError) as err:
            record(liaison, {**RECORD, **change})
        db.session.rollback()
        assert err.value.field == field and words in str(err.value)
        assert db.session.scalar(select(func.count(Meeting.id))) == 0
        assert db.session.scalar(select(func.count(MeetingPerson.id))) == 0


def test_signed_minutes_are_kept_with_their_hash(lite_app):
    from oa_liaison_plugin.meetings.record import attach_signed_minutes
    liaison = lite_app.extensions["oa_liaison"]
    pdf = b"%PDF-1.4\n% signed minutes\n"
    with lite_app.app_context():
        people(liaison)
        m = record(liaison)
        digest = attach_signed_minutes(liaison, m, pdf, "纪要（签发）.pdf")
        db.session.commit()
        assert digest == hashlib.sha256(pdf).hexdigest() == m.minutes_sha256
        assert db.session.get(Blob, digest).data == pdf and m.minutes_name == "纪要（签发）.pdf"
        with pytest.raises(InputError, match="PDF 或 .docx"):
            attach_signed_minutes(liaison, m, b"just text", "x.txt")


def test_leader_history_units_without_one_and_the_filing_report(lite_app):
    from oa_liaison_plugin.meetings.filing import leaders_report
    from oa_liaison_plugin.meetings.people import history, leaders_by_unit, set_leader
    liaison = lite_app.extensions["oa_liaison"]
    with lite_app.app_context():
        jur = people(liaison)
        new = set_leader(liaison, jur, {"unit": "南部县教育局", "name": "赵强", "post": "副局长", "phone": "13800001111",
                                        "since": "2017-06-01"}, TODAY)
        db.session.commit()
        old, = [x for x in history(new.unit_id) if x.name == "王明"]
        assert old.until == dt.date(2017, 6, 1) and [x.name for x in history(new.unit_id)] == ["赵强", "王明"]
        rows = leaders_by_unit(jur.id)
        missing = [u.name for u, lead in rows if lead is None]
        assert "县教育局" not in missing and "县财政局" in missing and len(missing) == len(rows) - 2
        with pytest.raises(InputError, match="phone"):
            set_leader(liaison, jur, {"unit": "县财政局", "name": "钱多", "post": "局长", "phone": "无"}, TODAY)
        blob, summary = leaders_report(jur, date=TODAY, doc_number="南政协办函〔2017〕3号")
    assert summary["named"] == 2 and "县财政局" in summary["missing"]
    d = docx.Document(io.BytesIO(blob))
    assert any(p.text == "县委办公室、县政府办公室：" for p in d.paragraphs)
    table = [[c.text for c in row.cells] for row in d.tables[0].rows]
    assert table[0] == ["序号", "部门（单位）", "分管领导", "职务", "联系电话"]
    assert ["1", "南部县教育局", "赵强", "副局长", "13800001111"] in table and len(table) == 3
    assert "南政协办函〔2017〕3号" in texts(blob)


def test_invitations_proposed_confirmed_and_a_committee_meeting_invites_units(app, liaison, host):
    from oa_liaison_plugin.meetings.invitations import answer
    with app.app_context():
        people(liaison)
    r = liaison.meeting_scheduled({"id": "w-1", "unit": "南部县教育局", "title": "全县教育工作会议", "held_on": "2017-04-01"})
    assert r["invite"] == ["教科文卫体委员会"] and r["unit_known"] is True
    assert [(i["kind"], i["name"]) for i in r["invitees"]] == [
        ("committee_leader", "陈刚"), ("committee_leader", "张军"), ("cppcc_member", "李华")]
    assert any("陈刚" in m.body and "李华" in m.body for m in host.messages())
    quiet = liaison.meeting_scheduled({"id": "w-2", "unit": "县教育局", "title": "局机关内部学习会", "held_on": "2017-04-02"})
    assert quiet["invite"] == [] and quiet["invitees"] == []
    c = liaison.meeting_scheduled({"id": "c-1", "kind": "committee", "committee": "教科文卫体委员会",
                                   "title": "教科文卫体委员会全体会议", "held_on": "2017-05-01"})
    assert ("unit_leader", "王明", "县教育局") in {(i["kind"], i["name"], i["organisation"]) for i in c["invitees"]}
    bad = liaison.meeting_scheduled({"id": "c-2", "kind": "committee", "committee": "外事委员会", "title": "全体会议",
                                     "held_on": "2017-05-01"})
    assert "未知专门委员会" in bad["error"] and bad["invite"] == []
    with app.app_context():
        inv = db.session.scalar(select(Invitation).where(Invitation.name == "陈刚"))
        answer(inv, "confirmed", dt.datetime(2017, 3, 30))
        db.session.commit()
        again = liaison.meeting_scheduled({"id": "w-1", "unit": "南部县教育局", "title": "全县教育工作会议",
                                           "held_on": "2017-04-01"})
        assert {i["name"]: i["status"] for i in again["invitees"]}["陈刚"] == "confirmed"   # a re-send keeps answers
        with pytest.raises(InputError):
            answer(inv, "maybe", dt.datetime(2017, 3, 30))


def test_agreed_topics_move_forward_and_link_what_came_of_them(lite_app):
    from oa_liaison_plugin.meetings.topics import advance
    from oa_liaison_plugin.models import Submission
    liaison = lite_app.extensions["oa_liaison"]
    liaison.submission_received({"id": "s-1", "committee": "教科文卫体委员会", "unit": "县教育局", "kind": "调研报告",
                                 "title": "关于农村寄宿制学校建设的调研报告", "received": "2017-09-01"})
    liaison.submission_received({"id": "s-2", "committee": "提案委员会", "unit": "县教育局", "kind": "提案",
                                 "title": "别的委员会的提案", "received": "2017-09-01"})
    with lite_app.app_context():
        people(liaison)
        record(liaison)
        topic = db.session.scalar(select(AgreedTopic).where(AgreedTopic.title == "农村寄宿制学校建设"))
        assert topic.state == "planned" and topic.unit.name == "县教育局" and topic.year == 2017
        ours, theirs = (db.session.scalar(select(Submission.id).where(Submission.host_id == h)) for h in ("s-1", "s-2"))
        with pytest.raises(InputError, match="不是本委员会的"):
            advance(topic, "done", dt.date(2017, 9, 5), submission_id=theirs)
        advance(topic, "in_progress", dt.date(2017, 4, 1))
        advance(topic, "done", dt.date(2017, 9, 5), submission_id=ours)
        assert (topic.started_on, topic.done_on, topic.submission_id) == (dt.date(2017, 4, 1), dt.date(2017, 9, 5),
                                                                          ours)
        with pytest.raises(InputError, match="不能改回"):
            advance(topic, "planned", dt.date(2017, 9, 6))


def test_compliance_and_reminders_each_sent_once(app, liaison, host):
    from oa_liaison_plugin import reminders
    from oa_liaison_plugin.meetings.compliance import compliance
    with app.app_context():
        people(liaison)
        record(liaison)
        jur = liaison.jurisdiction()
        result = compliance(liaison, jur, 2017, TODAY)
        held = {c["name"]: (c["held"], c["behind"]) for c in result["committees"]}
        assert result["minimum"] == 2 and held["教科文卫体委员会"] == (1, True) and held["提案委员会"] == (0, True)
    assert reminders.run(liaison, dt.date(2017, 6, 29)) == []
    june = reminders.run(liaison, dt.date(2017, 7, 1))
    assert {r["committee"] for r in june} == set(held) - {"教科文卫体委员会"}
    assert {r["offset"] for r in june} == {"none-by-06-30"}
    assert reminders.run(liaison, dt.date(2017, 7, 2)) == []          # each sent once
    october = reminders.run(liaison, dt.date(2017, 11, 1))
    assert {(r["committee"], r["offset"]) for r in october} >= {("教科文卫体委员会", "fewer-than-2-by-10-31"),
                                                               ("提案委员会", "fewer-than-2-by-10-31")}
    assert reminders.run(liaison, dt.date(2017, 11, 2)) == []
    sent = [m for m in host.messages() if m.subject.startswith("教科文卫体委员会2017年")]
    assert len(sent) == 1 and "仅召开对口单位负责人联系会 1 次" in sent[0].body
    with app.app_context():
        assert db.session.scalar(select(func.count(ReminderSent.id))) == len(june) + len(october)


def test_reminder_dates_and_minimum_are_configuration(lite_app):
    from oa_liaison_plugin import reminders
    from oa_liaison_plugin.reference_host import ReferenceHost
    liaison = lite_app.extensions["oa_liaison"]
    host = ReferenceHost(liaison)
    liaison.config.update(MEETINGS_MINIMUM=3, MEETING_REMINDERS=[["03-31", 1]])
    out = reminders.run(liaison, dt.date(2017, 4, 1))
    assert len(out) == 7 and {r["offset"] for r in out} == {"none-by-03-31"}
    assert "至少召开 3 次" in host.messages()[-1].body


def run(app, *args):
    env = {"OA_LIAISON_INSTANCE_PATH": app.instance_path, "OA_LIAISON_DATABASE_URL": app.config["DATABASE_URL"]}
    return CliRunner().invoke(main, list(args), env=env)


def test_cli_record_compliance_minutes_and_bad_input(lite_app, tmp_path):
    liaison = lite_app.extensions["oa_liaison"]
    with lite_app.app_context():
        people(liaison)
        db.session.remove()
    (tmp_path / "m.json").write_text(json.dumps(RECORD, ensure_ascii=False), "utf-8")
    r = run(lite_app, "meetings", "record", str(tmp_path / "m.json"), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["attendees"] == 3
    r = run(lite_app, "meetings", "compliance", "2017", "--json")
    out = json.loads(r.output)
    assert set(out) == {"year", "minimum", "committees"} and out["year"] == 2017 and out["minimum"] == 2
    assert {"name": "教科文卫体委员会", "held": 1, "behind": True} in out["committees"]
    assert all(set(c) == {"name", "held", "behind"} for c in out["committees"])
    future = run(lite_app, "meetings", "compliance", str(dt.date.today().year + 1), "--json")
    assert future.exit_code == 2 and "尚未到来" in future.output and "Traceback" not in future.output
    r = run(lite_app, "meetings", "minutes", "jkw-2017-1", "--out", str(tmp_path / "min.docx"))
    assert r.exit_code == 0, r.output and "王明" in texts((tmp_path / "min.docx").read_bytes())
    (tmp_path / "bad.json").write_text(json.dumps({**RECORD, "id": "x", "attendees": ["无名氏"]}), "utf-8")
    bad = run(lite_app, "meetings", "record", str(tmp_path / "bad.json"))
    assert bad.exit_code == 2 and "字段 attendees[0]" in bad.output and "Traceback" not in bad.output
    r = run(lite_app, "leaders", "report", "--out", str(tmp_path / "l.docx"), "--json")
    assert r.exit_code == 0 and json.loads(r.output)["named"] == 2
    r = run(lite_app, "remind", "--today", "2017-07-01", "--json")
    lines = json.loads(r.output)["sent"]
    assert r.exit_code == 0 and len(lines) == 6 and all(x["kind"] == "meeting_compliance" for x in lines)
    with lite_app.app_context():
        assert db.session.scalar(select(func.count(LiaisonLeader.id))) == 2


def test_the_worker_sends_due_reminders_once(lite_app):
    from oa_liaison_plugin.http.worker import run as worker
    liaison = lite_app.extensions["oa_liaison"]
    liaison.config.update(MEETING_REMINDERS=[["01-01", 1]],   # due every day of the year: independent of today
                          COMPLIANCE_REMINDERS_AFTER_DAYS=0)   # not a fresh install's first month
    assert worker(liaison, once=True)["reminders"] == 7
    assert worker(liaison, once=True)["reminders"] == 0


def test_a_fresh_install_does_not_greet_every_committee_with_compliance_reminders(lite_app, tmp_path):
    from oa_liaison_plugin.http.worker import run as worker
    from oa_liaison_plugin.installation import installed_on
    from oa_liaison_plugin.clock import county_today
    liaison = lite_app.extensions["oa_liaison"]
    liaison.config.update(MEETING_REMINDERS=[["01-01", 1]])   # due every day of the year
    with lite_app.app_context():
        assert installed_on(liaison.config) == county_today(liaison.config)
    assert liaison.config["COMPLIANCE_REMINDERS_AFTER_DAYS"] == 30
    assert worker(liaison, once=True)["reminders"] == 0           # the install's first month: none
    from oa_liaison_plugin import reminders
    later = county_today(liaison.config) + dt.timedelta(days=30)
    assert len([r for r in reminders.run(liaison, later) if r["kind"] == "meeting_compliance"]) == 7
    r = run(lite_app, "remind", "--today", "2017-07-01", "--json")   # a day before the install: as ever
    assert r.exit_code == 0 and len(json.loads(r.output)["sent"]) == 7


def test_a_committee_meeting_over_the_event_interface_names_its_committee(lite_app, tmp_path):
    liaison = lite_app.extensions["oa_liaison"]
    with lite_app.app_context():
        people(liaison)
        db.session.remove()
    event = {"id": "c-9", "kind": "committee", "committee": "教科文卫体委员会", "title": "教科文卫体委员会专题协商会",
             "held_on": "2017-06-01"}
    (tmp_path / "e.json").write_text(json.dumps(event, ensure_ascii=False), "utf-8")
    r = run(lite_app, "event", "meeting.scheduled", "--input", str(tmp_path / "e.json"), "--json")
    assert r.exit_code == 0, r.output
    result = json.loads(r.output)["result"]
    assert result["invite"] == ["教科文卫体委员会"]
    assert {("unit_leader", "王明"), ("unit_leader", "刘芳")} <= {(i["kind"], i["name"]) for i in result["invitees"]}
    (tmp_path / "bad.json").write_text(json.dumps({**event, "id": "c-10", "committee": ""}), "utf-8")
    bad = run(lite_app, "event", "meeting.scheduled", "--input", str(tmp_path / "bad.json"), "--json")
    assert bad.exit_code == 2 and json.loads(bad.output)["field"] == "data.committee"


def test_a_database_with_meetings_upgrades_to_0009_and_keeps_them(db_url):
    from sqlalchemy import text
    from conftest import upgraded_from

    def seed(conn):
        conn.execute(text("INSERT INTO liaison_meeting (jurisdiction_id, host_id, kind, title, held_on, invitees) "
                          "VALUES (1, 'old-1', 'liaison', '老会议', '2017-03-01', '[]')"))
        return lambda c: c.execute(text("SELECT title, topics, decisions, committee_id FROM liaison_meeting")).one()
    row = upgraded_from(db_url, "0007", seed)
    assert row[0] == "老会议" and row[3] is None
    assert [json.loads(v) if isinstance(v, str) else v for v in row[1:3]] == [[], []]
