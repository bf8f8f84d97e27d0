"""A liaison meeting's record (三(六)): date, place, chair, who came, topics, decisions; minutes drawn from it."""
from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Mapping

from sqlalchemy import and_, func, select

from ..errors import InputError
from ..models import (AgreedTopic, Blob, Committee, CommitteeMember, Counterpart, Jurisdiction, LiaisonLeader, Meeting,
                      MeetingPerson, Unit, db, max_length, utcnow)
from ..versions import claim
from . import committee as find_committee, committee_title, date_of, items, text as _text, unit as find_unit

TOPIC_KINDS = {"consultation": "协商", "research": "调研"}
ROLES = {"attendee": "出席", "absent": "请假", "observer": "列席"}


def candidates(jurisdiction_id: int, committee_id: int) -> list[dict]:
    """Who may attend: the current liaison leaders of the committee's counterpart units, then its members."""
    leaders = db.session.execute(
        select(LiaisonLeader, Unit.name).join(Unit, Unit.id == LiaisonLeader.unit_id)
        .join(Counterpart, and_(Counterpart.unit_id == Unit.id, Counterpart.committee_id == committee_id))
        .where(Unit.jurisdiction_id == jurisdiction_id, LiaisonLeader.until.is_(None))
        .order_by(Unit.position, Unit.id)).all()
    com = db.session.get(Committee, committee_id)
    title = committee_title(db.session.get(Jurisdiction, jurisdiction_id), com.name)
    out = [{"key": f"leader-{lead.id}", "name": lead.name, "post": lead.post, "organisation": unit_name,
            "leader_id": lead.id} for lead, unit_name in leaders]
    out += [{"key": f"member-{m.id}", "name": m.name, "post": m.post, "organisation": title,
             "member_id": m.id}
            for m in db.session.scalars(select(CommitteeMember).where(CommitteeMember.committee_id == committee_id)
                                        .order_by(CommitteeMember.leader.desc(), CommitteeMember.id))]
    return out


def _texts(data, name: str) -> list[str]:
    value = data.get(name) or []
    if isinstance(value, str):
        value = [x for x in value.splitlines()]
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise InputError(name, "应为文本列表")
    return [x.strip() for x in value if x.strip()]


def _pick(people, name: str, pool: list[dict], committee: str, *, reason: bool) -> list[dict]:
    """Attendees or absentees: each must be one of ``pool`` (by key or by name); absentees need a reason."""
    by_name: dict[str, list[dict]] = {}
    for c in pool:
        by_name.setdefault(c["name"], []).append(c)
    keys = {c["key"]: c for c in pool}
    out = []
    for where, item in items(people, name, '姓名或 {"name": …, "reason": …}'):
        who = str(item.get("name") or "").strip()
        found = [keys[item["key"]]] if item.get("key") in keys else by_name.get(who, [])
        if item.get("organisation") and len(found) > 1:
            found = [c for c in found if c["organisation"] == item["organisation"]]
        if not found:
            raise InputError(where, f"“{who or item.get('key') or ''}”不在{committee}对口单位的分管领导和本委员会"
                                         "委员名单中（先登记分管领导或委员）")
        if len(found) > 1:
            raise InputError(where, f"“{who}”有 {len(found)} 人同名，请注明 organisation（所在单位）")
        row = dict(found[0])
        if reason:
            row["reason"] = _text(item, "reason", f"{row['name']}的请假原因", max_length(MeetingPerson.reason),
                                  where=where)
        out.append(row)
    return out


def _observers(people) -> list[dict]:
    return [{"name": _text(item, "name", "列席人员姓名", max_length(MeetingPerson.name), where=where),
             "post": _text(item, "post", "职务", max_length(MeetingPerson.post), False, where),
             "organisation": _text(item, "organisation", "单位", max_length(MeetingPerson.organisation), False, where)}
            for where, item in items(people, "observers", '姓名或 {"name": …, "post": …, "organisation": …}')]


def _agreed(liaison, jur, topics) -> list[dict]:
    out = []
    for where, t in items(topics, "agreed_topics", '{"title": …, "kind": "协商"|"调研", "unit": …}'):
        kind = {v: k for k, v in TOPIC_KINDS.items()}.get(t.get("kind"), t.get("kind") or "consultation")
        if kind not in TOPIC_KINDS:
            raise InputError(f"{where}.kind", f"应为 协商 或 调研，实际为 {t.get('kind')!r}")
        unit = find_unit(liaison, jur, t["unit"], f"{where}.unit") if t.get("unit") else None
        out.append({"title": _text(t, "title", "课题名称", max_length(AgreedTopic.title), where=where), "kind": kind,
                    "unit_id": unit.id if unit else None})
    return out


def record_meeting(liaison, jur, data: Mapping, today: dt.date, *, version=None) -> Meeting:
    """Save a liaison meeting's record (new, or the host's meeting of that ``id``); flushed, not committed.

    Attendees and absentees are chosen from :func:`candidates`; agreed topics become tracked items.
    ``version``: the meeting's version its record's form was loaded at (versions.claim: Stale if saved since).
    """
    if not isinstance(data, Mapping):
        raise InputError("(输入)", "会议记录应为 JSON 对象")
    com = find_committee(liaison, jur, data.get("committee"))
    held_on = date_of(data.get("held_on") or "", "held_on")
    if held_on > today:
        raise InputError("held_on", f"会议日期 {held_on.isoformat()} 晚于今天，只能记录已召开的会议")
    place = _text(data, "place", "会议地点", max_length(Meeting.place))
    chair = _text(data, "chair", "主持人", max_length(Meeting.chair))
    pool = candidates(jur.id, com.id)
    attendees = _pick(data.get("attendees"), "attendees", pool, com.name, reason=False)
    if not attendees:
        raise InputError("attendees", "至少要有一名出席人员")
    absent = _pick(data.get("absent"), "absent", pool, com.name, reason=True)
    both = {p["key"] for p in attendees} & {p["key"] for p in absent}
    if both:
        raise InputError("absent", f"{'、'.join(p['name'] for p in absent if p['key'] in both)} 已列为出席人员")
    observers = _observers(data.get("observers"))
    topics, decisions = _texts(data, "topics"), _texts(data, "decisions")
    agreed = _agreed(liaison, jur, data.get("agreed_topics"))
    unit = find_unit(liaison, jur, data["unit"]) if data.get("unit") else None
    host_id = _text(data, "id", "会议编号", max_length(Meeting.host_id), required=False) or f"panel-{uuid.uuid4().hex[:12]}"
    meeting = db.session.scalar(select(Meeting).where(Meeting.jurisdiction_id == jur.id, Meeting.host_id == host_id))
    if meeting is None:
        meeting = Meeting(jurisdiction_id=jur.id, host_id=host_id, invitees=[com.name])
        db.session.add(meeting)
    else:
        claim(Meeting, meeting.id, version)
    title = _text(data, "title", "会议名称", max_length(Meeting.title), required=False)
    meeting.kind, meeting.committee_id, meeting.held_on = "liaison", com.id, held_on
    meeting.title = title or meeting.title or f"{held_on.year}年{com.name}对口单位负责人联系会"
    meeting.unit_id = unit.id if unit else meeting.unit_id
    meeting.place, meeting.chair, meeting.topics, meeting.decisions = place, chair, topics, decisions
    meeting.recorded_at = utcnow()
    meeting.people = [MeetingPerson(role=role, name=p["name"], post=p.get("post"), organisation=p.get("organisation"),
                                    leader_id=p.get("leader_id"), member_id=p.get("member_id"), reason=p.get("reason"))
                      for role, group in (("attendee", attendees), ("absent", absent), ("observer", observers))
                      for p in group]
    db.session.flush()
    have = set(db.session.scalars(select(AgreedTopic.title).where(AgreedTopic.meeting_id == meeting.id)))
    for t in agreed:
        if t["title"] not in have:
            db.session.add(AgreedTopic(jurisdiction_id=jur.id, meeting_id=meeting.id, committee_id=com.id,
                                       year=held_on.year, planned_on=held_on, **t))
    db.session.flush()
    return meeting


def seq(meeting: Meeting) -> int:
    """This meeting's number among its committee's liaison meetings of the year (第×期)."""
    start, end = dt.date(meeting.held_on.year, 1, 1), meeting.held_on
    return db.session.scalar(select(func.count(Meeting.id)).where(
        Meeting.jurisdiction_id == meeting.jurisdiction_id, Meeting.kind == "liaison",
        Meeting.committee_id == meeting.committee_id, Meeting.held_on >= start,
        (Meeting.held_on < end) | ((Meeting.held_on == end) & (Meeting.id <= meeting.id)))) or 1


def minutes_data(meeting: Meeting, committee_title: str) -> dict:
    """The 纪要 draft's input (documents.drafts MINUTES_FIELDS) from the meeting's record."""
    if meeting.recorded_at is None:
        raise InputError("meeting", f"会议“{meeting.title}”尚无会议记录（地点、主持人、出席人员），无法生成纪要")
    people = {role: [{"name": p.name + (f"（{p.reason}）" if p.reason else ""), "post": p.post or "",
                      "unit": p.organisation or ""} for p in meeting.people if p.role == role] for role in ROLES}
    topics = list(db.session.scalars(select(AgreedTopic).where(AgreedTopic.meeting_id == meeting.id)
                                     .order_by(AgreedTopic.id)))
    agreed = [f"确定{meeting.held_on.year}年{TOPIC_KINDS[t.kind]}课题：{t.title}"
              + (f"（牵头单位：{t.unit.name}）" if t.unit else "") for t in topics]
    return {"committee": committee_title, "year": meeting.held_on.year, "seq": seq(meeting),
            "held_on": meeting.held_on.isoformat(), "place": meeting.place, "chair": meeting.chair,
            "attendees": people["attendee"], "absent": people["absent"], "observers": people["observer"],
            "topics": list(meeting.topics or []), "decisions": list(meeting.decisions or []) + agreed}


SIGNED_KINDS = {b"%PDF": ".pdf", b"PK\x03\x04": ".docx"}


def attach_signed_minutes(liaison, meeting: Meeting, data: bytes, filename: str) -> str:
    """Keep the signed minutes (PDF or .docx) with their SHA-256; flushed, not committed. Returns the hash."""
    if not data:
        raise InputError("file", "文件为空")
    if len(data) > liaison.config["SIGNED_MINUTES_MAX_BYTES"]:
        raise InputError("file", f"文件过大（{len(data)} 字节，上限 {liaison.config['SIGNED_MINUTES_MAX_BYTES']}）")
    if not any(data.startswith(magic) for magic in SIGNED_KINDS):
        raise InputError("file", "签发的纪要应为 PDF 或 .docx 文件")
    digest = hashlib.sha256(data).hexdigest()
    if db.session.get(Blob, digest) is None:
        db.session.add(Blob(sha256=digest, size=len(data), data=data))
    meeting.minutes_sha256, meeting.minutes_at = digest, utcnow()
    meeting.minutes_name = (filename or "纪要").strip()[:max_length(Meeting.minutes_name)]
    db.session.flush()
    return digest
