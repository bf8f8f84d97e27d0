"""The unit of work: one commit for a change, its audit entries and its notifications; notices carry their county."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from oa_liaison_plugin import hookimpl
from oa_liaison_plugin.models import Copy, Consultation, Document, HttpHost, Notification, db
from oa_liaison_plugin.web.models import AuditEntry
from test_web_support import session_client

MAJOR = "关于全县教育事业发展规划（征求意见稿）的重大事项"


class Told:
    """A site plugin that records every notification it is told."""

    def __init__(self):
        self.seen = []

    @hookimpl
    def notify(self, recipient, subject, body):
        self.seen.append((recipient, subject))


@pytest.fixture
def county_app(tmp_path):
    """Two counties (nanbu and other), each with its own callback host; no delivery during the test."""
    from conftest import make_app
    from oa_liaison_plugin.http import hosts
    from oa_liaison_plugin.table import file as table
    from oa_liaison_plugin.web.users.accounts import create_user
    app = make_app(f"sqlite:///{tmp_path / 'two.sqlite3'}", tmp_path / "instance", WTF_CSRF_ENABLED=False,
                   DELIVER_INLINE=False)
    liaison = app.extensions["oa_liaison"]
    data = table.default_table()
    data["jurisdiction"] = {**data["jurisdiction"], "code": "other", "name": "另一县"}
    with app.app_context():
        table.load(data)
        liaison.ensure_rules()
        for name, code in (("oa-nanbu", "nanbu"), ("oa-other", "other")):
            hosts.add(app.config, name, code, callback_url=f"http://127.0.0.1:9/{name}")
        for user, role, scope in (("jkw-other", "committee", {"committee": "教科文卫体委员会"}),
                                  ("admin-other", "admin", {})):
            create_user(liaison, username=user, password="a-long-password-2017", role=role, jurisdiction="other",
                        **scope)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _queued(app) -> list[tuple[str, dict, str]]:
    """The built-in outbox: (callback host, recipient, subject) of every queued notification."""
    with app.app_context():
        rows = db.session.execute(select(HttpHost.name, Notification.payload).join(
            HttpHost, HttpHost.id == Notification.host_id).order_by(Notification.id)).all()
        # not the liaison.consultation callbacks, which name no recipient
        return [(name, p["recipient"], p["subject"]) for name, p in rows if "recipient" in p]


def _other_document(app):
    liaison = app.extensions["oa_liaison"]
    summary = liaison.document_issued({"id": "o-1", "jurisdiction": "other", "issuer": "南部县教育局", "title": MAJOR,
                                       "flags": {"major": True}})
    assert summary["status"] == "routed", summary
    with app.app_context():
        doc = db.session.scalar(select(Document).where(Document.host_id == "o-1"))
        c = db.session.scalar(select(Consultation).where(Consultation.document_id == doc.id))
        copy = db.session.scalar(select(Copy).where(Copy.document_id == doc.id))
        return c.id, copy.id


def test_a_consultation_answer_and_a_read_receipt_go_to_their_own_countys_host(county_app):
    consultation_id, copy_id = _other_document(county_app)
    clerk = session_client(county_app, "jkw-other", None)
    before = len(_queued(county_app))
    answered = clerk.post(f"/consultations/{consultation_id}/opinion", data={"opinion": "同意。", "position": "同意"})
    assert answered.status_code == 302
    assert clerk.post(f"/inbox/{copy_id}/read").status_code == 302
    told = _queued(county_app)[before:]
    assert [(host, to.get("jurisdiction"), subject[:4]) for host, to, subject in told] == [
        ("oa-other", "other", "征求意见"), ("oa-other", "other", "已读回执")]


def test_a_meeting_invitation_goes_to_its_own_countys_host(county_app):
    liaison = county_app.extensions["oa_liaison"]
    before = len(_queued(county_app))
    out = liaison.meeting_scheduled({"id": "m-1", "jurisdiction": "other", "unit": "南部县教育局",
                                     "title": "全县教育工作会议", "held_on": "2017-04-01"})
    assert out["invite"], out
    told = _queued(county_app)[before:]
    assert told and all(host == "oa-other" and to["jurisdiction"] == "other" for host, to, _ in told), told


def test_nothing_is_told_or_audited_when_the_work_rolls_back(county_app):
    from oa_liaison_plugin.audit import Actor
    liaison = county_app.extensions["oa_liaison"]
    told = Told()
    liaison.pm.register(told)
    to = {"role": "unit", "unit": "县教育局", "jurisdiction": "other"}
    with county_app.app_context():
        audits = db.session.scalar(select(func.count(AuditEntry.id)))
    before = len(_queued(county_app))
    with pytest.raises(RuntimeError), liaison.work(Actor("test")) as uow:
        uow.audit("test.change", "x")
        uow.notify(to, "主题", "正文")
        raise RuntimeError("the change failed")
    assert told.seen == [] and len(_queued(county_app)) == before
    with county_app.app_context():
        assert db.session.scalar(select(func.count(AuditEntry.id))) == audits

    with liaison.work(Actor("test")) as uow:
        uow.audit("test.change", "x")
        uow.notify(to, "主题", "正文")
        assert told.seen == []            # not before the commit
    assert told.seen == [(to, "主题")]    # after it, once
    assert _queued(county_app)[before:] == [("oa-other", to, "主题")]   # queued once, in the same transaction
    with county_app.app_context():
        [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "test.change")).all()
        assert entry.username == "test"


def test_a_notice_without_its_jurisdiction_is_refused(county_app):
    from oa_liaison_plugin.audit import Actor
    liaison = county_app.extensions["oa_liaison"]
    with pytest.raises(ValueError), liaison.work(Actor("test")) as uow:
        uow.notify({"role": "unit", "unit": "县教育局"}, "主题", "正文")


def test_a_host_removed_in_the_panel_is_refused_at_once_and_leaves_no_cached_secret(county_app):
    from http_host import cloud_event, signed
    from oa_liaison_plugin.http import hosts
    county_app.config["API_HOSTS_CACHE_SECONDS"] = 3600   # a cache that would outlive the test
    with county_app.app_context():
        _, secret = hosts.add(county_app.config, "oa-gone", "other")
        db.session.commit()
    api = county_app.test_client()

    def post(event_id):
        body = cloud_event("document.issued", {"id": event_id, "issuer": "南部县教育局"}, event_id=event_id)
        return api.post("/api/v1/events", data=body, headers=signed(secret, f"msg-{event_id}", body))

    assert post("g-1").status_code == 202
    with county_app.app_context():
        assert "oa-gone" in [s.name for s in hosts.signers(county_app.config)]   # cached now
    admin = session_client(county_app, "admin-other", None)
    assert admin.post("/hosts/oa-gone/remove", data={"confirmed": "1"}).status_code == 302
    with county_app.app_context():
        assert "oa-gone" not in [s.name for s in hosts.signers(county_app.config)]   # the cache went with it
        [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "host.delete")).all()
        assert (entry.username, entry.target) == ("admin-other", "oa-gone")
    assert post("g-2").status_code == 401


def test_each_countys_reminders_reach_its_own_host_only(county_app):
    import datetime as dt

    from oa_liaison_plugin import reminders
    liaison = county_app.extensions["oa_liaison"]
    for code in ("nanbu", "other"):
        liaison.submission_received({"id": f"s-{code}", "jurisdiction": code, "committee": "教科文卫体委员会",
                                     "unit": "县教育局", "kind": "提案", "title": "关于校车安全的建议",
                                     "received": "2017-03-10"})
    before = len(_queued(county_app))
    # 1 July: no county has held a liaison meeting (compliance), and each task is due within 15 days (replies)
    sent = reminders.run(liaison, dt.date(2017, 7, 1))
    assert {line["kind"] for line in sent} >= {"meeting_compliance", "submission"}
    told = _queued(county_app)[before:]
    assert len(told) == len(sent)
    by_host = {}
    for host, to, _ in told:
        by_host.setdefault(host, set()).add(to["jurisdiction"])
    assert by_host == {"oa-nanbu": {"nanbu"}, "oa-other": {"other"}}
    kind_of = {line["title"]: line["kind"] for line in sent}
    kinds = {(host, kind_of[subject]) for host, _, subject in told}
    assert {("oa-nanbu", "meeting_compliance"), ("oa-other", "meeting_compliance"),
            ("oa-nanbu", "submission"), ("oa-other", "submission")} <= kinds


class Killed:
    """A site plugin whose notify dies as a killed process would (not an Exception: nothing catches it)."""

    @hookimpl
    def notify(self, recipient, subject, body):
        raise KeyboardInterrupt


def test_a_reminder_is_queued_for_the_host_with_its_claim_even_if_the_process_dies_before_notify(county_app):
    import datetime as dt

    from oa_liaison_plugin import reminders
    from oa_liaison_plugin.models import Message, ReminderSent
    liaison = county_app.extensions["oa_liaison"]
    liaison.config["MEETING_REMINDERS"] = []
    for code in ("nanbu", "other"):
        liaison.submission_received({"id": f"s-{code}", "jurisdiction": code, "committee": "教科文卫体委员会",
                                     "unit": "县教育局", "kind": "提案", "title": "关于校车安全的建议",
                                     "received": "2017-03-10"})
    before = len(_queued(county_app))
    liaison.pm.register(Killed())
    with pytest.raises(KeyboardInterrupt):
        reminders.run(liaison, dt.date(2017, 5, 28))   # 15 days before the due date: one reminder a county
    # The first county's claim, its clerks' message and its host's notification committed together.
    told = _queued(county_app)[before:]
    assert [(host, to["jurisdiction"], to["unit"]) for host, to, _ in told] == [("oa-nanbu", "nanbu", "县教育局")]
    with county_app.app_context():
        [claim] = db.session.scalars(select(ReminderSent)).all()
        assert claim.notified_at is None            # the notify calls were not made: visible, not lost silently
        [kept] = db.session.scalars(select(Message).where(Message.kind == "reminder")).all()
        assert kept.unit_id is not None and kept.subject == told[0][2]
    liaison.pm.unregister(name=next(n for n, p in liaison.pm.list_name_plugin() if isinstance(p, Killed)))
    sent = reminders.run(liaison, dt.date(2017, 5, 28))   # the restart: the second county's only, nothing twice
    assert [line["recipient"]["jurisdiction"] for line in sent] == ["other"]
    assert [to["jurisdiction"] for _, to, _ in _queued(county_app)[before:]] == ["nanbu", "other"]


def test_a_committee_filter_or_inbox_shows_only_the_users_countys_copies(county_app):
    from oa_liaison_plugin.models import Committee
    liaison = county_app.extensions["oa_liaison"]
    for code in ("nanbu", "other"):
        summary = liaison.document_issued({"id": f"d-{code}", "jurisdiction": code, "issuer": "南部县教育局",
                                           "title": f"{MAJOR}（{code}县）", "flags": {"major": True}})
        assert summary["status"] == "routed", summary
    with county_app.app_context():
        ids = dict(db.session.execute(select(Committee.jurisdiction_id, Committee.id).where(
            Committee.name == "教科文卫体委员会")).all())
        nanbu, other = (ids[liaison.jurisdiction(code).id] for code in ("nanbu", "other"))
    admin = session_client(county_app, "admin-other", None)
    page = admin.get(f"/deliveries?committee={other}").get_data(as_text=True)
    assert "（other县）" in page and "（nanbu县）" not in page
    page = admin.get(f"/deliveries?committee={nanbu}").get_data(as_text=True)   # another county's committee
    assert "（nanbu县）" not in page and "（other县）" not in page
    inbox = session_client(county_app, "jkw-other", None).get("/inbox").get_data(as_text=True)
    assert "（other县）" in inbox and "（nanbu县）" not in inbox
