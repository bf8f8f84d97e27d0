"""The yearly review's numbers (五(三)), each a GROUP BY in the database: per committee and per unit."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, case, exists, func, or_, select

from ..clock import day_bounds
from ..models import (AgreedTopic, Committee, Consultation, Copy, Document, Invitation, Meeting, Reply, Submission,
                      Unit, db)

# Column order of each figure in the JSON, the page and the report.
CONSULTATION_FIGURES = {
    "consultations_before": "签发前征求意见", "consultations_after": "未经事前协商", "consultations_on_time": "按期反馈",
    "positions_agree": "同意", "positions_amend": "修改意见", "positions_disagree": "不同意",
}
COMMITTEE_FIGURES = {
    "copies": "收到抄送文件", "consultations_opened": "征求意见", "consultations_answered": "已反馈意见",
    **CONSULTATION_FIGURES,
    "submissions": "报送来件", "submissions_answered": "已答复", "submissions_on_time": "按期答复",
    "submissions_due": "应按期答复", "meetings_held": "召开联系会", "invitations_proposed": "应邀请", "invitations_confirmed": "已邀请",
    "invitations_declined": "未邀请", "topics": "议定课题", "topics_done": "课题完成",
}
UNIT_FIGURES = {
    "documents_copied": "抄送文件", "consultations_opened": "征求意见", "consultations_answered": "收到意见",
    **CONSULTATION_FIGURES,
    "submissions": "收到来件", "submissions_answered": "已答复", "submissions_on_time": "按期答复",
    "submissions_due": "应按期答复", "meetings_held": "召开会议", "invitations_proposed": "应邀请", "invitations_confirmed": "已邀请",
    "invitations_declined": "未邀请", "topics": "牵头课题", "topics_done": "课题完成",
}


# 按期答复率, the one definition: the panel, `submissions on-time`, the review page and the .docx all show it.
ON_TIME_DEFINITION = (
    "按期答复率＝按期答复件数÷应按期答复件数。按收到日期计入年度，每件来件只计一次，以第一次答复为准"
    "（评价不满意后重新办理的答复看评价，不再计入）；复函日期不晚于答复期限（法定期限，遇节假日顺延，含经同意的延期）"
    "为按期。应按期答复的是已答复或已过答复期限的来件：逾期答复、逾期仍未答复、只标记已答复而无复函日期的，均为未按期；"
    "尚未到期也未答复的不计。")


def on_time_rate(on_time: int, due: int) -> dict:
    """The rate from its two counts, with the one way it is written: "66.7%（2/3）", "100%（1/1）", or "—"."""
    rate = round(on_time / due, 4) if due else None
    percent = f"{rate * 100:.1f}".removesuffix(".0") if due else ""
    return {"on_time": on_time, "due": due, "late": due - on_time, "rate": rate,
            "text": f"{percent}%（{on_time}/{due}）" if due else "—"}


def utc_year(year: int, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """The county's year as the naive UTC datetimes the database stores (start inclusive, end exclusive)."""
    config = {"TIMEZONE": timezone}
    return day_bounds(config, dt.date(year, 1, 1))[0], day_bounds(config, dt.date(year + 1, 1, 1))[0]


def documents_of(year: int, timezone: str):
    """A document belongs to the year it was issued in (the year it was received when the host gave no date)."""
    start, end = utc_year(year, timezone)
    return or_(Document.issued_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)),
               and_(Document.issued_on.is_(None), Document.received_at >= start, Document.received_at < end))


def _count_if(condition):
    return func.sum(case((condition, 1), else_=0))


def _county_day(column, timezone: str):
    """A stored UTC time's day in the county, in SQL (the zone's offset: China keeps no daylight saving)."""
    from zoneinfo import ZoneInfo
    minutes = int(dt.datetime(2017, 7, 1, tzinfo=ZoneInfo(timezone or "Asia/Shanghai")).utcoffset()
                  .total_seconds() // 60)
    if db.session.get_bind().dialect.name == "sqlite":
        return func.date(column, f"{minutes:+d} minutes")
    return func.date(column + dt.timedelta(minutes=minutes))


def consultation_counts(timezone: str) -> tuple:
    """The consultation figures, as one GROUP BY's columns: opened, answered, then CONSULTATION_FIGURES."""
    answered = Consultation.status == "answered"
    return (func.count(Consultation.id), _count_if(answered), _count_if(Consultation.stage == "before"),
            _count_if(Consultation.stage == "after"),
            _count_if(and_(answered, _county_day(Consultation.answered_at, timezone) <= Consultation.due_on)),
            _count_if(Consultation.position == "同意"), _count_if(Consultation.position == "修改意见"),
            _count_if(Consultation.position == "不同意"))


def _top(unit_column):
    """A unit's top-level unit (a department answers for its bracketed sub-units)."""
    return func.coalesce(Unit.parent_id, Unit.id), Unit.id == unit_column


def _rows(query) -> dict:
    return {key: tuple(int(v or 0) for v in values) for key, *values in db.session.execute(query)}


def _both(*figures):
    """select(committee id, top-level unit id, *figures) over submissions: both groupings in one pass (``_split``)."""
    top, on = _top(Submission.unit_id)
    return select(Submission.committee_id, top, *figures).select_from(Submission).outerjoin(Unit, on)


def _split(rows, by: str) -> dict:
    """Rows of (committee id, top unit id, *counts) summed by committee or by unit: {id: (counts…)}."""
    out: dict = {}
    for committee, unit, *counts in rows:
        key = committee if by == "committee" else unit
        if key is None:   # a task without a unit counts for its committee only, as the inner join had it
            continue
        have = out.get(key)
        out[key] = tuple(counts) if have is None else tuple(a + b for a, b in zip(have, counts))
    return out


def _received_in(q, jurisdiction_id: int, year: int):
    return q.where(Submission.jurisdiction_id == jurisdiction_id,
                   Submission.received_on >= dt.date(year, 1, 1), Submission.received_on <= dt.date(year, 12, 31))


def _submission_rows(jurisdiction_id: int, year: int, today: dt.date) -> list[tuple]:
    first = select(Reply.submission_id, Reply.sent_on, Reply.due_on).where(Reply.round == 1).subquery()
    answered = or_(first.c.submission_id.is_not(None), Submission.status == "replied")
    # Unanswered means still in its first round, so the task's own deadline is the first deadline.
    due = or_(answered, Submission.due_on < today)
    q = _both(func.count(Submission.id), _count_if(answered), _count_if(first.c.sent_on <= first.c.due_on),
              _count_if(due)).outerjoin(first, first.c.submission_id == Submission.id)
    q = _received_in(q, jurisdiction_id, year)
    return [(c, u, *(int(v or 0) for v in counts))
            for c, u, *counts in db.session.execute(q.group_by(q.selected_columns[0], q.selected_columns[1]))]


def submission_stats(jurisdiction_id: int, year: int, by: str, today: dt.date) -> dict:
    """Submissions received in ``year`` by committee or by (top-level) unit: (received, answered, on time, due).

    Answered: a reply was sent (or the task marked replied). On time and due are the two counts of the
    按期答复率 (ON_TIME_DEFINITION): the first answer sent by its deadline, extensions included, out of the
    submissions answered or past their first deadline on ``today`` (the county's).
    """
    return _split(_submission_rows(jurisdiction_id, year, today), by)


def submission_stats_both(jurisdiction_id: int, year: int, today: dt.date) -> tuple[dict, dict]:
    """``submission_stats`` by committee and by unit from one query (the review shows both)."""
    rows = _submission_rows(jurisdiction_id, year, today)
    return _split(rows, "committee"), _split(rows, "unit")


def ratings_both(jurisdiction_id: int, year: int) -> tuple[dict, dict]:
    """The committees' ratings of the answers (满意/基本满意/不满意, every round's) to submissions received in
    ``year``, per committee and per (top-level) unit, from one query: ({id: {rating: count}}, {id: …})."""
    q = _both(Reply.rating, func.count(Reply.id)).join(Reply, Reply.submission_id == Submission.id)
    q = _received_in(q, jurisdiction_id, year).where(Reply.rating.is_not(None))
    q = q.group_by(q.selected_columns[0], q.selected_columns[1], Reply.rating)
    by_committee: dict = {}
    by_unit: dict = {}
    for committee, unit, rating, n in db.session.execute(q):
        for out, key in ((by_committee, committee), (by_unit, unit)):
            if key is not None:
                out.setdefault(key, {})
                out[key][rating] = out[key].get(rating, 0) + int(n)
    return by_committee, by_unit


def ratings(jurisdiction_id: int, year: int, by: str) -> dict:
    """``ratings_both``'s figures by committee or by (top-level) unit: {id: {rating: count}}."""
    return ratings_both(jurisdiction_id, year)[0 if by == "committee" else 1]


def committee_figures(jurisdiction_id: int, year: int, timezone: str, today: dt.date,
                      subs: dict | None = None) -> dict[int, dict]:
    """committee id -> {figure: number} for COMMITTEE_FIGURES (``subs``: submission_stats by committee, if known)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    in_year = and_(Document.jurisdiction_id == jurisdiction_id, documents_of(year, timezone))
    copies = _rows(select(Copy.committee_id, func.count(Copy.id)).join(Document, Document.id == Copy.document_id)
                   .where(in_year, Copy.committee_id.is_not(None), Copy.kind == "copy").group_by(Copy.committee_id))
    consultations = _rows(select(Consultation.committee_id, *consultation_counts(timezone))
                          .join(Document, Document.id == Consultation.document_id).where(in_year)
                          .group_by(Consultation.committee_id))
    meetings = _rows(select(Meeting.committee_id, func.count(Meeting.id)).where(
        Meeting.jurisdiction_id == jurisdiction_id, Meeting.kind == "liaison", Meeting.held_on >= first,
        Meeting.held_on <= last).group_by(Meeting.committee_id))
    invitations = _invitations(Invitation.committee_id, jurisdiction_id, first, last)
    topics = _topics(AgreedTopic.committee_id, jurisdiction_id, year)
    subs = submission_stats(jurisdiction_id, year, "committee", today) if subs is None else subs
    return {cid: _merge(COMMITTEE_FIGURES, copies.get(cid, (0,)), consultations.get(cid, (0,) * 8),
                        subs.get(cid, (0,) * 4), meetings.get(cid, (0,)), invitations.get(cid, (0, 0, 0)),
                        topics.get(cid, (0, 0)))
            for cid in db.session.scalars(select(Committee.id).where(Committee.jurisdiction_id == jurisdiction_id))}


def unit_figures(jurisdiction_id: int, year: int, timezone: str, today: dt.date,
                 subs: dict | None = None) -> dict[int, dict]:
    """top-level unit id -> {figure: number} for UNIT_FIGURES (sub-units counted with their unit; ``subs``:
    submission_stats by unit, if known)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    in_year = and_(Document.jurisdiction_id == jurisdiction_id, documents_of(year, timezone))
    top, on = _top(Document.unit_id)
    # a copy, not a draft offered for consultation (a 征求意见稿 is not an issued document)
    copied = exists().where(Copy.document_id == Document.id, Copy.committee_id.is_not(None), Copy.kind == "copy")
    documents = _rows(select(top, func.count(Document.id)).join(Unit, on).where(in_year, copied).group_by(top))
    consultations = _rows(select(top, *consultation_counts(timezone))
                          .select_from(Consultation).join(Document, Document.id == Consultation.document_id)
                          .join(Unit, on).where(in_year).group_by(top))
    mtop, mon = _top(Meeting.unit_id)
    meetings = _rows(select(mtop, func.count(Meeting.id)).join(Unit, mon).where(
        Meeting.jurisdiction_id == jurisdiction_id, Meeting.held_on >= first, Meeting.held_on <= last).group_by(mtop))
    itop, ion = _top(Invitation.unit_id)
    invitations = _invitations(itop, jurisdiction_id, first, last, join=(Unit, ion))
    ttop, ton = _top(AgreedTopic.unit_id)
    topics = _topics(ttop, jurisdiction_id, year, join=(Unit, ton))
    subs = submission_stats(jurisdiction_id, year, "unit", today) if subs is None else subs
    keys = set(documents) | set(consultations) | set(meetings) | set(invitations) | set(topics) | set(subs)
    return {uid: _merge(UNIT_FIGURES, documents.get(uid, (0,)), consultations.get(uid, (0,) * 8),
                        subs.get(uid, (0,) * 4), meetings.get(uid, (0,)), invitations.get(uid, (0, 0, 0)),
                        topics.get(uid, (0, 0)))
            for uid in keys}


def _invitations(key, jurisdiction_id: int, first: dt.date, last: dt.date, join=None) -> dict:
    q = select(key, func.count(Invitation.id), _count_if(Invitation.status == "confirmed"),
               _count_if(Invitation.status == "declined")).select_from(Invitation).join(
        Meeting, Meeting.id == Invitation.meeting_id)
    if join:
        q = q.join(*join)
    return _rows(q.where(Meeting.jurisdiction_id == jurisdiction_id, Meeting.held_on >= first,
                         Meeting.held_on <= last).group_by(key))


def _topics(key, jurisdiction_id: int, year: int, join=None) -> dict:
    q = select(key, func.count(AgreedTopic.id), _count_if(AgreedTopic.state == "done")).select_from(AgreedTopic)
    if join:
        q = q.join(*join)
    return _rows(q.where(AgreedTopic.jurisdiction_id == jurisdiction_id, AgreedTopic.year == year).group_by(key))


def _merge(names: dict, *parts: tuple) -> dict:
    values = [v for part in parts for v in part]
    return dict(zip(names, values))
