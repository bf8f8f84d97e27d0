"""Liaison meetings, their signed minutes, invitations, agreed topics, liaison leaders and committee members."""
from __future__ import annotations

import datetime as dt

from ..meetings import invitations, people, record as rec, topics
from ..models import AgreedTopic, Invitation, Meeting


def record_meeting(uow, jur, data: dict, today: dt.date, *, version=None, before: dict | None = None) -> Meeting:
    """Save a liaison meeting's record, new or (``before``: the record as it stood) edited; InputError names the
    field at fault, versions.Stale a form loaded before another save."""
    m = rec.record_meeting(uow.liaison, jur, data, today, version=version)
    target = f"meeting-{m.id}" if before is not None else f"committee-{m.committee_id}"
    uow.audit("meeting.record", target, before, data, jurisdiction_id=jur.id)
    return m


def sign(uow, meeting: Meeting, data: bytes, name: str) -> str:
    """Keep the signed minutes with their SHA-256 (returned)."""
    before = {"sha256": meeting.minutes_sha256}
    digest = rec.attach_signed_minutes(uow.liaison, meeting, data, name)
    uow.audit("meeting.signed", f"meeting-{meeting.id}", before, {"file": name, "sha256": digest},
              jurisdiction_id=meeting.jurisdiction_id)
    return digest


def answer_invitation(uow, invitation: Invitation, status: str, at: dt.datetime) -> Invitation:
    """The unit confirms or declines a proposed invitee."""
    before = {"status": invitation.status}
    invitations.answer(invitation, status, at)
    uow.audit("invitation.answer", f"invitation-{invitation.id}", before,
              {"status": status, "name": invitation.name, "organisation": invitation.organisation},
              jurisdiction_id=invitation.meeting.jurisdiction_id)
    return invitation


def advance_topic(uow, topic: AgreedTopic, state: str, on: dt.date, **outcome) -> AgreedTopic:
    """Move an agreed topic forward, optionally linking the consultation or report it produced."""
    before = {"state": topic.state}
    topics.advance(topic, state, on, **outcome)
    uow.audit("topic.advance", f"topic-{topic.id}", before, {"state": state, "title": topic.title, **outcome},
              jurisdiction_id=topic.jurisdiction_id)
    return topic


def set_leader(uow, jur, data: dict, today: dt.date):
    """Name (or change) a unit's liaison leader; the previous one stays in the history."""
    leader = people.set_leader(uow.liaison, jur, data, today)
    previous = people.history(leader.unit_id)
    before = next(({"name": x.name, "post": x.post, "phone": x.phone} for x in previous
                   if x.id != leader.id and x.until == leader.since), None)
    uow.audit("leader.set", f"unit-{leader.unit_id}", before,
              {"unit": leader.unit.name, "name": leader.name, "post": leader.post, "phone": leader.phone,
               "since": leader.since.isoformat()}, jurisdiction_id=jur.id)
    return leader


def add_member(uow, jur, data: dict):
    """Add (or update) a committee member."""
    member = people.add_member(uow.liaison, jur, data)
    uow.audit("committee.member", f"committee-{member.committee_id}", None,
              {"name": member.name, "post": member.post, "unit": data.get("unit"), "leader": member.leader},
              jurisdiction_id=jur.id)
    return member
