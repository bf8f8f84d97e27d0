"""Panel pages of form (6).

Record a meeting, minutes from it, signed minutes, invitations, leaders, compliance, review.
"""
from __future__ import annotations

import hashlib
import io
import re

import docx
import pytest
from sqlalchemy import func, select

from test_web_support import build_world, session_client


@pytest.fixture(scope="module")
def panel(tmp_path_factory):
    from conftest import make_app
    tmp = tmp_path_factory.mktemp("meetings")
    app = make_app(f"sqlite:///{tmp / 'p.sqlite3'}", tmp / "instance", WTF_CSRF_ENABLED=False)
    world = build_world(app)
    yield app, world
    from oa_liaison_plugin.models import db
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def page(resp) -> str:
    return resp.get_data(as_text=True)


def meeting_of(app, model, ident: int) -> int:
    """The meeting an invitation or a topic belongs to."""
    from oa_liaison_plugin.models import db
    with app.app_context():
        return db.session.get(model, ident).meeting_id


def test_a_committee_records_a_meeting_and_gets_minutes_from_it(panel):
    from oa_liaison_plugin.models import Meeting, db
    app, world = panel
    clerk = session_client(app, "jkwwt", world)
    form_page = page(clerk.get("/meetings/new"))
    keys = {label: key for key, label in re.findall(
        r'<input[^>]+value="((?:leader|member)-\d+)"[^>]*>\s*<label[^>]*>([^<]+)</label>', form_page)}
    assert any("王明" in label for label in keys), form_page[:3000]
    wang = next(k for label, k in keys.items() if "王明" in label)
    data = {"held_on": "2017-09-20", "place": "县教育局会议室", "chair": "陈刚", "attendees": [wang],
            "absent-0-name": "孙悟空", "absent-0-reason": "出差", "observers": "", "topics": "秋季开学安全",
            "decisions": "联合督查校车安全", "agreed_topics-0-kind": "调研", "agreed_topics-0-title": "校园安全",
            "agreed_topics-0-unit": "县教育局"}
    with app.app_context():
        before = db.session.scalar(select(func.count(Meeting.id)))
    bad = clerk.post("/meetings/new", data=data)
    assert bad.status_code == 400 and "“孙悟空”不在教科文卫体委员会对口单位的分管领导和本委员会委员名单中" in page(bad)
    with app.app_context():
        assert db.session.scalar(select(func.count(Meeting.id))) == before   # nothing saved
    ok = clerk.post("/meetings/new", data={**data, "absent-0-remove": "y"})   # the row 删去
    assert ok.status_code == 302
    detail = page(clerk.get(ok.headers["Location"]))
    assert "县教育局会议室" in detail and "校园安全" in detail and "按记录生成纪要" in detail
    meeting_id = int(ok.headers["Location"].rstrip("/").split("/")[-1])
    resp = clerk.get(f"/meetings/{meeting_id}/minutes.docx")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(resp.data)).paragraphs)
    assert "县教育局局长王明" in text and "联合督查校车安全" in text and "第2期" in text


def test_signed_minutes_upload_keeps_the_hash(panel):
    app, world = panel
    clerk = session_client(app, "jkwwt", world)
    pdf = b"%PDF-1.7 signed and sealed"
    url = f"/meetings/{world['own_meeting']}"
    resp = clerk.post(f"{url}/signed", data={"file": (io.BytesIO(pdf), "纪要-盖章.pdf")},
                      content_type="multipart/form-data")
    assert resp.status_code == 302
    from oa_liaison_plugin.models import Meeting, db
    with app.app_context():   # the hash is kept with the meeting, not shown to people
        assert db.session.get(Meeting, world["own_meeting"]).minutes_sha256 == hashlib.sha256(pdf).hexdigest()
    assert hashlib.sha256(pdf).hexdigest() not in page(clerk.get(url))
    assert clerk.get(f"{url}/signed/file").data == pdf
    clerk.post(f"{url}/signed", data={"file": (io.BytesIO(b"hello"), "x.txt")}, content_type="multipart/form-data")
    assert "PDF 或 .docx" in page(clerk.get(url))


def test_the_unit_confirms_or_declines_proposed_invitees(panel):
    from oa_liaison_plugin.models import Invitation, db
    app, world = panel
    unit = session_client(app, "jyj", world)
    meeting_id = meeting_of(app, Invitation, world["own_invitation"])
    detail = page(unit.get(f"/meetings/{meeting_id}"))
    assert "陈刚" in detail and "确认邀请" in detail
    assert unit.post(f"/meetings/invitations/{world['own_invitation']}", data={"value": "confirmed"}).status_code == 302
    assert unit.post(f"/meetings/invitations/{world['other_invitation']}",
                     data={"value": "confirmed"}).status_code == 404
    with app.app_context():
        assert db.session.get(Invitation, world["own_invitation"]).status == "confirmed"
        assert db.session.get(Invitation, world["other_invitation"]).status == "proposed"


def test_leaders_page_lists_units_without_one_and_keeps_history(panel):
    from oa_liaison_plugin.models import LiaisonLeader, db
    app, world = panel
    admin = session_client(app, "admin1", world)
    listing = page(admin.get("/leaders"))
    assert "未确定分管领导的单位" in listing and "县财政局" in listing and "王明" in listing
    unit = session_client(app, "jyj", world)
    bad = unit.post(f"/leaders/{world['own_unit']}", data={"name": "赵强", "post": "副局长", "phone": "无电话",
                                                           "since": "2017-06-01"})
    assert bad.status_code == 400 and "电话号码" in page(bad)
    ok = unit.post(f"/leaders/{world['own_unit']}", data={"name": "赵强", "post": "副局长", "phone": "0817-5510000",
                                                          "since": "2017-06-01"})
    assert ok.status_code == 302
    with app.app_context():
        rows = db.session.scalars(select(LiaisonLeader).where(LiaisonLeader.unit_id == world["own_unit"])).all()
        assert {(r.name, r.until is None) for r in rows} == {("王明", False), ("赵强", True)}
    report = admin.get("/leaders/report.docx")
    d = docx.Document(io.BytesIO(report.data))
    assert any("赵强" in c.text for row in d.tables[0].rows for c in row.cells)


def test_compliance_and_review_pages_show_who_is_behind_with_charts_and_no_script(panel):
    app, world = panel
    admin = session_client(app, "admin1", world)
    comp = page(admin.get("/meetings/compliance?year=2017"))
    assert "2017 年联系会达标情况" in comp and "未达到，还差" in comp
    future = admin.get("/meetings/compliance?year=2999")
    assert future.status_code == 200 and "尚未到来" in page(future)
    resp = admin.get("/review?year=2017")
    html = page(resp)
    assert "script-src 'none'" in resp.headers["Content-Security-Policy"]
    assert "<script" not in html and html.count("<svg") == 3 and "最低 2 次" in html
    assert "联系会未达标" in html and "教科文卫体委员会" in html
    report = admin.get("/review/report.docx?year=2017")
    assert report.status_code == 200 and report.mimetype.endswith("wordprocessingml.document")
    assert session_client(app, "jyj", world).get("/review").status_code == 403


def test_a_topic_is_done_with_a_link_to_the_report_it_produced(panel):
    from oa_liaison_plugin.models import AgreedTopic, db
    app, world = panel
    clerk = session_client(app, "jkwwt", world)
    meeting_id = meeting_of(app, AgreedTopic, world["own_topic"])
    detail = page(clerk.get(f"/meetings/{meeting_id}"))
    assert f'value="submission-{world["own_submission"]}"' in detail   # its own committee's report is offered
    assert f'value="submission-{world["other_submission"]}"' not in detail
    url = f"/meetings/topics/{world['own_topic']}"
    clerk.post(url, data={"value": "done", "link": f"submission-{world['other_submission']}"})
    with app.app_context():
        assert db.session.get(AgreedTopic, world["own_topic"]).state == "planned"   # refused: not this committee's
    assert "不是本委员会的" in page(clerk.get(f"/meetings/{meeting_id}"))
    clerk.post(url, data={"value": "done", "link": f"submission-{world['own_submission']}"})
    with app.app_context():
        t = db.session.get(AgreedTopic, world["own_topic"])
        assert (t.state, t.submission_id) == ("done", world["own_submission"]) and t.done_on is not None
    assert f"来件 #{world['own_submission']}" in page(clerk.get(f"/meetings/{meeting_id}"))


def test_the_start_page_points_at_what_is_missing(panel):
    app, world = panel
    admin = page(session_client(app, "admin1", world).get("/"))
    assert "个委员会联系会未达标" in admin and "个单位未确定分管领导" in admin
    committee = page(session_client(app, "jkwwt", world).get("/"))
    assert "次联系会" in committee
    unit = page(session_client(app, "jyj", world).get("/"))
    assert "位应邀请人员待确认" in unit


def test_absentees_and_topics_are_rows_added_and_removed_without_script(panel):
    from oa_liaison_plugin.models import AgreedTopic, Meeting, db
    app, world = panel
    clerk = session_client(app, "jkwwt", world)
    url = f"/meetings/{world['own_meeting']}/record"
    form = page(clerk.get(url))
    assert 'name="absent"' not in form and 'name="agreed_topics"' not in form and "<script" not in form
    assert 'name="agreed_topics-0-title" type="text" value="农村寄宿制学校建设"' in form   # the saved one
    assert 'name="agreed_topics-1-title"' in form and 'name="absent-0-name"' in form       # a blank row each
    posted = {"held_on": "2017-03-15", "place": "县政协三楼会议室", "chair": "陈刚",
              "attendees": re.findall(r'<input checked[^>]*value="((?:leader|member)-\d+)"', form),
              "version": re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1),
              "agreed_topics-0-kind": "协商", "agreed_topics-0-title": "农村寄宿制学校建设",
              "agreed_topics-0-unit": "县教育局", "agreed_topics-1-kind": "调研",
              "agreed_topics-1-title": "乡村教师队伍建设", "agreed_topics-1-unit": "县教育局",
              "absent-0-name": "陈刚", "absent-0-reason": "外出", "absent-0-remove": "y"}
    more = clerk.post(url, data={**posted, "more": "再加一行"})
    assert more.status_code == 200
    again = page(more)
    assert 'value="乡村教师队伍建设"' in again and 'name="agreed_topics-2-title"' in again   # kept, one row more
    assert 'value="陈刚"' not in again.split("请假人员")[1].split("</table>")[0]                # 删去: gone
    with app.app_context():
        assert db.session.scalar(select(func.count(AgreedTopic.id)).where(
            AgreedTopic.meeting_id == world["own_meeting"])) == 1                           # nothing saved yet
    saved = clerk.post(url, data={k: v for k, v in posted.items() if not k.startswith("absent")})
    assert saved.status_code == 302, page(saved)
    with app.app_context():
        titles = set(db.session.scalars(select(AgreedTopic.title).where(
            AgreedTopic.meeting_id == world["own_meeting"])))
        assert titles == {"农村寄宿制学校建设", "乡村教师队伍建设"}
        assert db.session.get(Meeting, world["own_meeting"]).version == int(posted["version"]) + 1
    bad = clerk.post(url, data={**posted, "absent-0-remove": "", "absent-0-name": "孙悟空",
                                "version": str(int(posted["version"]) + 1)})
    assert bad.status_code == 400 and "“孙悟空”不在" in page(bad)


def test_observers_are_rows_added_and_removed_without_script(panel):
    from oa_liaison_plugin.models import Meeting, MeetingPerson, db
    app, world = panel
    clerk = session_client(app, "jkwwt", world)
    url = f"/meetings/{world['own_meeting']}/record"
    form = page(clerk.get(url))
    assert '<textarea' not in form.split("列席人员", 1)[1].split("</fieldset>")[0]     # no textarea any more
    assert 'name="observers-0-name"' in form and 'name="observers-0-organisation"' in form
    posted = {"held_on": "2017-03-15", "place": "县政协三楼会议室", "chair": "陈刚",
              "attendees": re.findall(r'<input checked[^>]*value="((?:leader|member)-\d+)"', form),
              "version": re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1),
              "agreed_topics-0-kind": "协商", "agreed_topics-0-title": "农村寄宿制学校建设",
              "agreed_topics-0-unit": "县教育局",
              "observers-0-organisation": "县委办公室", "observers-0-post": "科长", "observers-0-name": "周敏",
              "observers-1-organisation": "县财政局", "observers-1-post": "股长", "observers-1-name": "钱多",
              "observers-1-remove": "y"}
    more = page(clerk.post(url, data={**posted, "more": "再加一行"}))
    rows = more.split("列席人员", 1)[1].split("</table>")[0]
    assert 'value="周敏"' in rows and 'value="钱多"' not in rows and 'name="observers-1-name"' in rows
    assert "<script" not in more
    with app.app_context():
        assert not db.session.scalars(select(MeetingPerson).where(
            MeetingPerson.meeting_id == world["own_meeting"], MeetingPerson.role == "observer")).all()
    saved = clerk.post(url, data=posted)
    assert saved.status_code == 302, page(saved)
    with app.app_context():
        observers = [(p.organisation, p.post, p.name) for p in db.session.scalars(select(MeetingPerson).where(
            MeetingPerson.meeting_id == world["own_meeting"], MeetingPerson.role == "observer"))]
        assert observers == [("县委办公室", "科长", "周敏")]
        version = db.session.get(Meeting, world["own_meeting"]).version
    assert version == int(posted["version"]) + 1
    shown = page(clerk.get(url))
    assert re.search(r'name="observers-0-name"[^>]*value="周敏"', shown) and 'name="observers-1-name"' in shown
    stale = clerk.post(url, data={**posted, "observers-0-name": "吴用"})   # the version it was loaded at is old
    assert stale.status_code == 409
    with app.app_context():
        assert [p.name for p in db.session.scalars(select(MeetingPerson).where(
            MeetingPerson.meeting_id == world["own_meeting"], MeetingPerson.role == "observer"))] == ["周敏"]
