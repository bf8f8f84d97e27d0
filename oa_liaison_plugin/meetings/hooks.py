"""Built-in meeting_scheduled: liaison meetings, and invitees proposed for county-wide meetings (三(一)(三))."""
from __future__ import annotations


from sqlalchemy import select

from ..audit import HOST
from ..delivery import record_error
from ..events import MEETING_COLUMNS, check_lengths
from ..errors import InputError
from ..inputs import parse
from ..inputs.events import MeetingScheduled
from . import committee as find_committee, unit as find_unit
from .invitations import calls_for_invitation, propose
from ..models import Meeting, db
from ..plugins import hookimpl
from ..versions import bump
from ..work import recipient

KINDS = ("liaison", "work", "committee")


@hookimpl
def meeting_scheduled(liaison, meeting):
    with liaison.context():
        mid = str(meeting.get("id"))[:128] if isinstance(meeting, dict) else None
        try:
            with liaison.work(HOST) as uow:
                return schedule(uow, meeting)
        except Exception as exc:
            record_error("meeting_scheduled", "bad_event", str(exc), subject=mid)
            return {"meeting_id": mid, "invite": [], "error": str(exc)}


def check(liaison, meeting) -> None:
    """Refuse a meeting whose kind, unit, committee or date is not known (InputError naming the field)."""
    kind = meeting.get("kind") or "work"
    if kind not in KINDS:
        raise InputError("kind", f"应为 {'、'.join(KINDS)} 之一，实际为 {str(kind)[:64]!r}")
    jur = liaison.jurisdiction(meeting.get("jurisdiction"))
    if kind != "committee":
        find_unit(liaison, jur, meeting.get("unit"))
    if kind == "committee" or meeting.get("committee"):
        find_committee(liaison, jur, meeting.get("committee"))


def schedule(uow, meeting) -> dict:
    """Record a host's meeting and propose its invitees; the units that invite are told (the hook's answer)."""
    liaison = uow.liaison
    given = parse(MeetingScheduled, meeting)   # the model meeting.scheduled is checked with over HTTP
    check_lengths(meeting, MEETING_COLUMNS)
    kind, held_on, title = given.kind, given.held_on, given.title.strip()
    jur = liaison.jurisdiction(given.jurisdiction)
    unit = liaison.resolver(jur.code).unit_named(str(given.unit or ""))
    com = find_committee(liaison, jur, given.committee) if given.committee else None
    invite = []
    if kind == "committee":
        invite = [com.name] if calls_for_invitation(kind, title, bool(meeting.get("important"))) else []
    elif unit.resolved and calls_for_invitation(kind, title):
        invite = list(unit.committees or [unit.committee])
    if kind == "liaison" and com is None and invite:
        com = find_committee(liaison, jur, invite[0])
    row = db.session.scalar(select(Meeting).where(Meeting.jurisdiction_id == jur.id,
                                                  Meeting.host_id == given.id))
    com_id = com.id if com else None
    if row is not None and (row.unit_id, row.kind, row.title, row.held_on, row.committee_id) \
            == (unit.unit_id, kind, title, held_on, com_id):
        # The host's meeting id is its identity: sent again (a retry under a new event id), it changes nothing
        # and tells no one again.
        proposed = propose(row, invite) if invite else []
        return {"meeting_id": row.host_id, "invite": invite, "unit_known": unit.resolved,
                "invitees": [_invitee(i) for i in proposed]}
    if row is None:
        row = Meeting(jurisdiction_id=jur.id, host_id=given.id)
        db.session.add(row)
    else:
        bump(row)   # rescheduled by the host: a record form loaded before is stale
    row.unit_id, row.kind, row.title, row.held_on, row.invitees = unit.unit_id, kind, title, held_on, invite
    row.committee_id = com_id
    db.session.flush()
    proposed = propose(row, invite) if invite else []
    invitees = [_invitee(i) for i in proposed]
    uow.audit("meeting.scheduled", f"meeting-{row.id}", None,
              {"meeting_id": row.host_id, "kind": kind, "title": title, "invite": invite}, jurisdiction_id=jur.id)
    _notify(uow, jur, row, kind, unit, invite, proposed)
    return {"meeting_id": row.host_id, "invite": invite, "unit_known": unit.resolved, "invitees": invitees}


def _invitee(i) -> dict:
    """A proposed invitee as the hook answers it."""
    return {"kind": i.kind, "name": i.name, "post": i.post, "organisation": i.organisation, "status": i.status}


def _notify(uow, jur, row: Meeting, kind: str, unit, invite: list[str], proposed) -> None:
    when = f"“{row.title}”（{row.held_on.isoformat()}）"
    if kind == "committee":
        for name in dict.fromkeys(i.organisation for i in proposed):
            uow.notify(recipient(jur, "unit", name), "政协专门委员会邀请参加会议",
                       f"{invite[0]}拟邀请贵单位负责人参加{when}，请在对口联系平台确认（南委办〔2017〕1号 三(一)）。",
                       about=row.host_id)
    elif invite:
        names = "、".join(f"{i.organisation}{i.name}" for i in proposed if i.kind == "committee_leader") \
            or "、".join(invite)
        members = "、".join(i.name for i in proposed if i.kind == "cppcc_member")
        uow.notify(recipient(jur, "unit", unit.unit), "请邀请政协对口专门委员会负责人",
                   f"{when}应邀请{'、'.join(invite)}负责人参加（南委办〔2017〕1号 三(一)(三)）：{names}"
                   + (f"；本单位的县政协委员：{members}" if members else "") + "。请在对口联系平台确认或说明不邀请。",
                   about=row.host_id)
