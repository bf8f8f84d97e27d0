"""Invitations (三(一)(三)): who a meeting should invite, proposed to the unit, which confirms or declines."""
from __future__ import annotations

import datetime as dt
import functools
import re

from sqlalchemy import select

from ..errors import InputError
from ..models import (Committee, CommitteeMember, Counterpart, Invitation, Jurisdiction, LiaisonLeader, Meeting, Unit,
                      db)
from ..table.units import with_sub_units
from . import committee_title, settings

KINDS = {"committee_leader": "对口委员会负责人", "cppcc_member": "本单位政协委员", "unit_leader": "对口单位负责人"}
STATUS = {"proposed": "待确认", "confirmed": "已确认邀请", "declined": "不邀请"}


@functools.lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern]:
    data = settings()
    return {k: re.compile(data[k]) for k in ("county_wide", "inspection", "important_committee_meeting")}


def calls_for_invitation(kind: str, title: str, important: bool = False) -> bool:
    """A unit's county-wide or special meeting or an inspection (三(一)(三)); a committee's important meeting."""
    p = _patterns()
    if kind == "committee":
        return important or bool(p["important_committee_meeting"].search(title))
    return kind == "liaison" or bool(p["county_wide"].search(title) or p["inspection"].search(title))


def _committee_people(jurisdiction_id: int, committee_names: list[str], unit_id: int) -> list[dict]:
    coms = db.session.execute(select(Committee.id, Committee.name).where(
        Committee.jurisdiction_id == jurisdiction_id, Committee.name.in_(committee_names))).all()
    out, jur = [], db.session.get(Jurisdiction, jurisdiction_id)
    for cid, cname in coms:
        leaders = db.session.scalars(select(CommitteeMember).where(CommitteeMember.committee_id == cid,
                                                                   CommitteeMember.leader.is_(True))
                                     .order_by(CommitteeMember.id)).all()
        org = committee_title(jur, cname)
        out += [{"kind": "committee_leader", "name": m.name, "post": m.post, "organisation": org,
                 "committee_id": cid, "unit_id": unit_id} for m in leaders] or [
            {"kind": "committee_leader", "name": "负责人", "post": None, "organisation": org, "committee_id": cid,
             "unit_id": unit_id}]
    own = db.session.execute(select(CommitteeMember, Committee.name).join(Committee).where(
        CommitteeMember.unit_id.in_(with_sub_units(jurisdiction_id, [unit_id]))).order_by(CommitteeMember.id)).all()
    out += [{"kind": "cppcc_member", "name": m.name, "post": f"政协委员（{cname}{m.post}）", "organisation": "",
             "committee_id": m.committee_id, "unit_id": unit_id} for m, cname in own]
    return out


def _unit_leaders(committee_id: int) -> list[dict]:
    rows = db.session.execute(
        select(Unit.id, Unit.name, LiaisonLeader.name, LiaisonLeader.post)
        .join(Counterpart, Counterpart.unit_id == Unit.id)
        .outerjoin(LiaisonLeader, (LiaisonLeader.unit_id == Unit.id) & LiaisonLeader.until.is_(None))
        .where(Counterpart.committee_id == committee_id).order_by(Unit.position, Unit.id)).all()
    return [{"kind": "unit_leader", "name": name or "负责人", "post": post, "organisation": uname,
             "committee_id": committee_id, "unit_id": uid} for uid, uname, name, post in rows]


def propose(meeting: Meeting, committees: list[str]) -> list[Invitation]:
    """Propose invitees for ``meeting`` (kept when proposed again: a confirmed one stays confirmed)."""
    if meeting.kind == "committee":
        people = _unit_leaders(meeting.committee_id) if meeting.committee_id else []
    else:
        people = _committee_people(meeting.jurisdiction_id, committees, meeting.unit_id) if meeting.unit_id else []
    have = {(i.kind, i.name, i.organisation): i for i in db.session.scalars(
        select(Invitation).where(Invitation.meeting_id == meeting.id))}
    out = []
    for p in people:
        row = have.get((p["kind"], p["name"], p["organisation"]))
        if row is None:
            row = Invitation(meeting_id=meeting.id, **p)
            db.session.add(row)
        out.append(row)
    db.session.flush()
    return out


def answer(invitation: Invitation, status: str, at: dt.datetime) -> Invitation:
    """The unit confirms or declines a proposed invitee (it may change its mind before the meeting)."""
    if status not in ("confirmed", "declined"):
        raise InputError("status", f"应为 confirmed（确认邀请）或 declined（不邀请），实际为 {status!r}")
    invitation.status, invitation.answered_at = status, at
    db.session.flush()
    return invitation
