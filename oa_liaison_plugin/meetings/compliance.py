"""Compliance (三(六)): liaison meetings held per committee and year against the minimum; reminders when behind."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, select

from ..models import Committee, Meeting, db
from ..plugins import hookimpl
from ..reminders import Reminder
from ..work import recipient


def held(jurisdiction_id: int, year: int, as_of: dt.date | None = None):
    """(committee id, name, meetings held in ``year`` up to ``as_of``) for every committee, one GROUP BY."""
    last = min(dt.date(year, 12, 31), as_of or dt.date(year, 12, 31))
    counted = and_(Meeting.committee_id == Committee.id, Meeting.kind == "liaison",
                   Meeting.held_on >= dt.date(year, 1, 1), Meeting.held_on <= last)
    return db.session.execute(
        select(Committee.id, Committee.name, func.count(Meeting.id)).outerjoin(Meeting, counted)
        .where(Committee.jurisdiction_id == jurisdiction_id).group_by(Committee.id, Committee.name, Committee.position)
        .order_by(Committee.position, Committee.id)).all()


def compliance(liaison, jur, year: int, today: dt.date) -> dict:
    """``{"year", "minimum", "committees": [{"name", "held", "behind"}]}``.

    Held so far; behind = fewer than the minimum.
    """
    minimum = int(liaison.config["MEETINGS_MINIMUM"])
    return {"year": year, "minimum": minimum,
            "committees": [{"name": name, "held": n, "behind": n < minimum, "committee_id": cid}
                           for cid, name, n in held(jur.id, year, today)]}


def _offset(fewer_than: int, day: str) -> str:
    return f"none-by-{day}" if fewer_than == 1 else f"fewer-than-{fewer_than}-by-{day}"


def meeting_compliance(liaison, jur, today: dt.date):
    """Each committee short of N by a configured (MM-DD, N) that has passed this year is reminded of the latest one."""
    from ..installation import settling_in
    if settling_in(liaison.config, today):   # a new install does not greet every committee with a reminder
        return []
    rules = sorted((day, int(n)) for day, n in liaison.config["MEETING_REMINDERS"])
    due = [(day, n) for day, n in rules if dt.date.fromisoformat(f"{today.year}-{day}") <= today]
    out = []
    for cid, name, count in (held(jur.id, today.year, today) if due else ()):
        # Only the latest rule it fails: a plugin installed in November does not send June's reminder too.
        failed = [(day, n) for day, n in due if count < n]
        if not failed:
            continue
        day, n = failed[-1]
        month, mday = (int(x) for x in day.split("-"))
        what = "尚未召开对口单位负责人联系会" if count == 0 else f"仅召开对口单位负责人联系会 {count} 次"
        out.append(Reminder(
            jurisdiction_id=jur.id, kind="meeting_compliance", subject=f"committee:{cid}:{today.year}",
            recipient=recipient(jur, "committee", name), offset=_offset(n, day),
            title=f"{name}{today.year}年{what}",
            body=f"截至{today.year}年{month}月{mday}日，{name}{today.year}年{what}。南委办〔2017〕1号 三(六)要求"
                 f"每年至少召开 {liaison.config['MEETINGS_MINIMUM']} 次，请尽早商定时间并在平台记录。",
            extra={"committee": name, "held": count, "year": today.year}, ids={"committee_id": cid}))
    return out


@hookimpl
def reminder_passes():
    """This feature's reminder passes."""
    return [meeting_compliance]
