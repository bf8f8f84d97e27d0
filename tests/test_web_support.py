"""Shared helpers of the web panel tests: a small county with documents, copies and users of every role."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

PASSWORD = "correct-horse-9"
# username -> (role, unit or committee); the second unit and committee are "someone else's".
USERS = {
    "admin1": ("admin", None),
    "jyj": ("unit", "南部县教育局"),
    "jkwwt": ("committee", "教科文卫体委员会"),
    "audit1": ("auditor", None),
    "zrzy": ("unit", "南部县自然资源和规划局"),
    "cjhz": ("committee", "城乡建设与环境资源保护委员会"),
}


@dataclass
class World:
    """Ids of the objects the tests reach for: each role's own, and another's."""
    ids: dict = field(default_factory=dict)

    def __getitem__(self, key):
        return self.ids[key]


def build_world(app) -> World:
    """Issue documents through the reference host, add submissions, meetings and users."""
    from sqlalchemy import select

    from oa_liaison_plugin.documents.samples import make_issued_docx
    from oa_liaison_plugin.models import (AgreedTopic, Committee, Consultation, Copy, Document, Invitation, Meeting,
                                          Submission, Unit, UnitPattern, db)
    from oa_liaison_plugin.reference_host import ReferenceHost
    from oa_liaison_plugin.web.models import User
    from oa_liaison_plugin.web.users.accounts import create_user

    liaison = app.extensions["oa_liaison"]
    host = ReferenceHost(liaison, fail_deliveries=1)
    w = World()
    docx = make_issued_docx(issuer="南部县教育局", doc_number="南教发〔2017〕12号",
                            title="关于印发《南部县义务教育均衡发展实施方案》的通知",
                            main_recipients=["各乡镇人民政府", "县级各部门"],
                            body_paragraphs=["为推进全县义务教育均衡发展，现将实施方案印发给你们。"],
                            date=dt.date(2017, 3, 6))
    host.issue(issuer="南部县教育局", file=docx)
    host.issue(issuer="南部县自然资源和规划局", title="关于南部县城市总体规划修编的意见", doc_number="南自然资发〔2017〕3号",
               body="城市总体规划修编事关全县长远发展，属重大事项。", flags={"major": True}, issued_on="2017-05-02")
    host.issue(issuer="南部县教育局", title="关于全县中小学布局调整的意见", doc_number="南教发〔2017〕20号",
               body="中小学布局调整属重大事项，现征求意见。", flags={"major": True}, issued_on="2017-06-01")
    host.issue(issuer="南部县新华书店", title="关于推进全民阅读进社区的实施方案", doc_number="南新华〔2017〕2号",
               flags={"important": True}, issued_on="2017-04-23")
    host.issue(issuer="南部县公安局", title="关于开展重大案件专项整治的实施方案", secrecy="机密", issued_on="2017-04-10")
    from oa_liaison_plugin.delivery import deliver_due
    deliver_due(liaison)  # the delivery worker's pass: the first document's failed copy is retried
    liaison.submission_received({"id": "sub-1", "committee": "县政协教科文卫体委员会", "unit": "南部县教育局",
                                 "kind": "提案", "title": "关于加强农村寄宿制学校建设的建议", "number": "第12号",
                                 "received": "2017-03-10"})
    liaison.submission_received({"id": "sub-2", "committee": "城乡建设与环境资源保护委员会", "unit": "南部县自然资源和规划局",
                                 "kind": "调研报告", "title": "关于城区停车难问题的调研报告", "received": "2017-08-15"})
    liaison.submission_received({"id": "sub-3", "committee": "城市经济委员会", "unit": "南部县财政局",
                                 "cohandlers": ["南部县教育局"], "kind": "建言献策",
                                 "title": "关于县城学校扩容经费保障的建议", "received": "2017-04-05"})
    liaison.meeting_scheduled({"id": "m-1", "unit": "南部县教育局", "kind": "liaison",
                               "title": "2017年第一次对口单位负责人联系会", "held_on": "2017-03-15"})
    liaison.meeting_scheduled({"id": "m-2", "unit": "南部县自然资源和规划局", "kind": "liaison",
                               "title": "2017年城建环资对口联系会", "held_on": "2017-04-15"})
    with app.app_context():
        for name, (role, scope) in USERS.items():
            create_user(liaison, username=name, password=PASSWORD, role=role,
                        unit=scope if role == "unit" else None,
                        committee=scope if role == "committee" else None)
        db.session.commit()
        _liaison_people_and_meetings(liaison)
        com = {c.name: c.id for c in db.session.scalars(select(Committee))}
        unit = {u.name: u.id for u in db.session.scalars(select(Unit))}
        docs = {d.issuer: d for d in db.session.scalars(select(Document).order_by(Document.id.desc()))}
        major = db.session.scalar(select(Document).where(Document.doc_number == "南教发〔2017〕20号"))
        w.ids.update(
            own_document=docs["南部县教育局"].id, other_document=docs["南部县自然资源和规划局"].id,
            unmatched_document=docs["南部县新华书店"].id, held_document=docs["南部县公安局"].id,
            own_copy=db.session.scalar(select(Copy.id).where(Copy.document_id == docs["南部县教育局"].id,
                                                             Copy.committee_id == com["教科文卫体委员会"])),
            other_copy=db.session.scalar(select(Copy.id).where(Copy.committee_id == com["城乡建设与环境资源保护委员会"])),
            own_submission=db.session.scalar(select(Submission.id).where(Submission.host_id == "sub-1")),
            other_submission=db.session.scalar(select(Submission.id).where(Submission.host_id == "sub-2")),
            cohandled_submission=db.session.scalar(select(Submission.id).where(Submission.host_id == "sub-3")),
            own_consultation=db.session.scalar(select(Consultation.id).where(
                Consultation.document_id == major.id)),
            other_consultation=db.session.scalar(select(Consultation.id).where(
                Consultation.document_id == docs["南部县自然资源和规划局"].id)),
            own_meeting=db.session.scalar(select(Meeting.id).where(Meeting.host_id == "m-1")),
            other_meeting=db.session.scalar(select(Meeting.id).where(Meeting.host_id == "m-2")),
            own_unit=unit["县教育局"], parent_unit=unit["县政府办"], committee=com["教科文卫体委员会"],
            other_unit=unit["县自然资源和规划局"],
            own_invitation=_id(Invitation, Invitation.name == "陈刚"),
            other_invitation=_id(Invitation, Invitation.name == "赵敏"),
            own_topic=_id(AgreedTopic, AgreedTopic.title == "农村寄宿制学校建设"),
            other_topic=_id(AgreedTopic, AgreedTopic.title == "城区停车设施规划"),
            pattern=db.session.scalar(select(UnitPattern.name).order_by(UnitPattern.position)),
            auditor=db.session.scalar(select(User.id).where(User.username == "audit1")),
            users={u.username: u.get_id() for u in db.session.scalars(select(User))},
        )
    w.ids["host"] = host
    return w


def _id(model, condition):
    from sqlalchemy import select

    from oa_liaison_plugin.models import db
    return db.session.scalar(select(model.id).where(condition))


def _liaison_people_and_meetings(liaison):
    """Liaison leaders and members of two committees, both liaison meetings recorded (with an agreed topic each),
    signed minutes for m-1, and a county-wide meeting of each unit with its proposed invitees (form 6)."""
    from oa_liaison_plugin.meetings.people import add_member, set_leader
    from oa_liaison_plugin.meetings.record import attach_signed_minutes, record_meeting
    from oa_liaison_plugin.models import db
    jur, today = liaison.jurisdiction(), dt.date(2017, 12, 31)
    for unit, name in (("县教育局", "王明"), ("县自然资源和规划局", "孙磊")):
        set_leader(liaison, jur, {"unit": unit, "name": name, "post": "局长", "phone": "0817-5512345",
                                  "since": "2017-01-01"}, today)
    add_member(liaison, jur, {"committee": "教科文卫体委员会", "name": "陈刚", "post": "主任"})
    add_member(liaison, jur, {"committee": "城乡建设与环境资源保护委员会", "name": "赵敏", "post": "主任"})
    m1 = record_meeting(liaison, jur, {"id": "m-1", "committee": "教科文卫体委员会", "held_on": "2017-03-15",
                                       "place": "县政协三楼会议室", "chair": "陈刚", "attendees": ["陈刚", "王明"],
                                       "agreed_topics": [{"title": "农村寄宿制学校建设", "unit": "县教育局"}]}, today)
    record_meeting(liaison, jur, {"id": "m-2", "committee": "城乡建设与环境资源保护委员会", "held_on": "2017-04-15",
                                  "place": "县自然资源和规划局会议室", "chair": "赵敏", "attendees": ["赵敏", "孙磊"],
                                  "agreed_topics": [{"title": "城区停车设施规划", "unit": "县自然资源和规划局"}]}, today)
    attach_signed_minutes(liaison, m1, b"%PDF-1.4 signed minutes", "纪要（签发）.pdf")
    db.session.commit()
    liaison.meeting_scheduled({"id": "w-1", "unit": "南部县教育局", "title": "全县教育工作会议", "held_on": "2017-04-01"})
    liaison.meeting_scheduled({"id": "w-2", "unit": "南部县自然资源和规划局", "title": "全县国土执法检查部署会",
                               "held_on": "2017-04-02"})


def session_client(app, username: str | None, world: World):
    """A test client already logged in as ``username`` (the session set directly: no password hashing)."""
    client = app.test_client()
    if username:
        from sqlalchemy import select

        from oa_liaison_plugin.models import db
        from oa_liaison_plugin.web.models import User
        with app.app_context():  # the current session id: a logout in an earlier test changed it
            user_id = db.session.scalar(select(User).where(User.username == username)).get_id()
        with client.session_transaction() as sess:
            sess["_user_id"] = user_id
            sess["_fresh"] = True
    return client


def login(client, username: str, password: str = PASSWORD):
    """Log in through the form (fetching its CSRF token first when CSRF is on)."""
    page = client.get("/login")
    data = {"username": username, "password": password}
    m = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    if m:
        data["csrf_token"] = m.group(1)
    return client.post("/login", data=data)


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return m.group(1) if m else ""


def signed_reply_docx() -> bytes:
    """A reply letter as a unit would upload it after signing (a real .docx, opened again by the tests)."""
    import io

    import docx
    d = docx.Document()
    d.add_paragraph("南部县教育局关于加强农村寄宿制学校建设建议的答复")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()
