"""People a meeting draws on: each unit's liaison leader (五(二), with history) and each committee's members."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, select

from ..errors import InputError
from ..models import CommitteeMember, Counterpart, LiaisonLeader, Unit, db, max_length
from ..documents.drafts import CHECKS
from . import committee as find_committee, date_of, settings, text, unit as find_unit


def liaison_units(jurisdiction_id: int):
    """The units that liaise with a committee (top-level units of section 四), in table order."""
    return (select(Unit).where(Unit.jurisdiction_id == jurisdiction_id, Unit.parent_id.is_(None),
                               Unit.id.in_(select(Counterpart.unit_id))).order_by(Unit.position, Unit.id))


def leaders_by_unit(jurisdiction_id: int) -> list[tuple[Unit, LiaisonLeader | None]]:
    """Each liaising unit with its current liaison leader (None: the unit has named none)."""
    q = liaison_units(jurisdiction_id).add_columns(LiaisonLeader).outerjoin(
        LiaisonLeader, and_(LiaisonLeader.unit_id == Unit.id, LiaisonLeader.until.is_(None)))
    return [(u, leader) for u, leader in db.session.execute(q)]


def history(unit_id: int) -> list[LiaisonLeader]:
    return list(db.session.scalars(select(LiaisonLeader).where(LiaisonLeader.unit_id == unit_id)
                                   .order_by(LiaisonLeader.since.desc(), LiaisonLeader.id.desc())))


def set_leader(liaison, jur, data: dict, today: dt.date) -> LiaisonLeader:
    """Name a unit's liaison leader (``unit``, ``name``, ``post``, ``phone``, ``since``); the previous one ends."""
    unit = find_unit(liaison, jur, data.get("unit"))
    name = text(data, "name", "姓名", max_length(LiaisonLeader.name))
    post = text(data, "post", "职务", max_length(LiaisonLeader.post))
    phone = text(data, "phone", "联系电话", max_length(LiaisonLeader.phone))
    try:
        CHECKS["phone"]("phone", phone, {})
    except ValueError:
        raise InputError("phone", f"应为电话号码，如 0817-5512345，实际为 {phone!r}") from None
    since = data.get("since") or today
    if not isinstance(since, dt.date):
        since = date_of(since, "since")
    same = db.session.scalar(select(LiaisonLeader).where(
        LiaisonLeader.unit_id == unit.id, LiaisonLeader.name == name, LiaisonLeader.post == post,
        LiaisonLeader.phone == phone, LiaisonLeader.since == since))
    if same is not None:   # the same naming again (a re-sent list, a second demo run): nothing changes
        return same
    current = db.session.scalar(select(LiaisonLeader).where(LiaisonLeader.unit_id == unit.id,
                                                            LiaisonLeader.until.is_(None)))
    if current is not None:
        if (current.name, current.post, current.phone) == (name, post, phone):
            return current
        if since < current.since:
            raise InputError("since", f"不能早于现任分管领导{current.name}的起始日期 {current.since.isoformat()}")
        current.until = since
    leader = LiaisonLeader(unit_id=unit.id, name=name, post=post, phone=phone, since=since)
    db.session.add(leader)
    db.session.flush()
    return leader


def add_member(liaison, jur, data: dict) -> CommitteeMember:
    """Add (or update) a committee member: ``committee``, ``name``, ``post``, optional ``unit`` where they work."""
    com = find_committee(liaison, jur, data.get("committee"))
    name = text(data, "name", "姓名", max_length(CommitteeMember.name))
    post = text(data, "post", "职务", max_length(CommitteeMember.post))
    unit = find_unit(liaison, jur, data["unit"]) if data.get("unit") else None
    member = db.session.scalar(select(CommitteeMember).where(CommitteeMember.committee_id == com.id,
                                                             CommitteeMember.name == name))
    if member is None:
        member = CommitteeMember(committee_id=com.id, name=name)
        db.session.add(member)
    member.post, member.unit_id = post, unit.id if unit else None
    member.leader = any(post.endswith(p) or post == p for p in settings()["committee_leader_posts"])
    db.session.flush()
    return member


def members(committee_id: int, *, leaders_only: bool = False) -> list[CommitteeMember]:
    q = select(CommitteeMember).where(CommitteeMember.committee_id == committee_id)
    if leaders_only:
        q = q.where(CommitteeMember.leader.is_(True))
    return list(db.session.scalars(q.order_by(CommitteeMember.leader.desc(), CommitteeMember.id)))
