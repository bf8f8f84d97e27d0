"""Due dates: months from a date (month ends clamp), moved off weekends and public holidays."""
from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months; a day the target month lacks clamps to its end (11-30 + 3 -> 02-28/29)."""
    return day + relativedelta(months=months)


def is_working_day(day: dt.date) -> bool:
    """China's official calendar (holidays and 调休 Saturdays) where the package knows the year; Mon–Fri beyond."""
    import chinese_calendar
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the State Council has not announced yet
        return day.weekday() < 5


def calendar_known(day: dt.date) -> bool:
    """Whether the official holiday calendar of ``day``'s year is known (else only weekends are skipped)."""
    import chinese_calendar
    try:
        chinese_calendar.is_workday(day)
        return True
    except NotImplementedError:
        return False


def next_working_day(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def due_date(start: dt.date, months: int, *, working_days: bool = True) -> dt.date:
    """``months`` after ``start``; with ``working_days`` a weekend or holiday moves to the next working day."""
    due = add_months(start, months)
    return next_working_day(due) if working_days else due


def months_for(config, kind: str) -> int:
    """The reply period of a submission kind (REPLY_MONTHS_BY_KIND, else REPLY_MONTHS)."""
    return int((config.get("REPLY_MONTHS_BY_KIND") or {}).get(kind, config["REPLY_MONTHS"]))
