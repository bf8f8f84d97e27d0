"""Due dates: months from a date (month ends clamp), moved off weekends and public holidays."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from dateutil.relativedelta import relativedelta

from ..jsonfile import load_file


class CalendarFileError(ValueError):
    """The instance's holiday file cannot be used; the message says where (Chinese)."""


def announced(path: str | Path | None) -> dict[dt.date, bool]:
    """Days an admin entered from the State Council's notice, for years the package does not know yet.

    ``holidays.json`` in the instance folder: ``{"2027": {"holidays": ["2027-01-01", …],
    "workdays": ["2027-02-07", …]}}`` (workdays: the 调休 weekend days). Missing file: nothing.
    """
    if not path or not Path(path).is_file():
        return {}
    try:
        data = load_file(path, f"节假日文件 {path}", max_bytes=1024 * 1024)
    except (OSError, ValueError) as exc:
        raise CalendarFileError(f"节假日文件 {path} 无法读取：{exc}") from None
    if not isinstance(data, dict):
        raise CalendarFileError(f'节假日文件 {path}：应为 {{"年份": {{"holidays": [...], "workdays": [...]}}}}')
    days: dict[dt.date, bool] = {}
    for year, lists in data.items():
        for key, working in (("holidays", False), ("workdays", True)):
            if not isinstance(lists, dict) or not isinstance(lists.get(key, []), list):
                raise CalendarFileError(f"节假日文件 {path}：{year}.{key} 应为日期列表")
            for text in lists.get(key, []):
                try:
                    day = dt.date.fromisoformat(str(text))
                except ValueError:
                    raise CalendarFileError(f"节假日文件 {path}：{year}.{key} 中的“{text}”不是 YYYY-MM-DD 日期") from None
                if str(day.year) != str(year):
                    raise CalendarFileError(f"节假日文件 {path}：{year}.{key} 中的 {text} 不属于 {year} 年")
                days[day] = working
    return days


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months; a day the target month lacks clamps to its end (11-30 + 3 -> 02-28/29)."""
    return day + relativedelta(months=months)


def is_working_day(day: dt.date, extra: dict[dt.date, bool] | None = None) -> bool:
    """China's official calendar (holidays and 调休 Saturdays): the admin's ``extra`` days first, then the
    package where it knows the year, Mon–Fri beyond."""
    import chinese_calendar
    if extra and day in extra:
        return extra[day]
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the State Council has not announced yet
        return day.weekday() < 5


def calendar_known(day: dt.date, extra: dict[dt.date, bool] | None = None) -> bool:
    """Whether the official holiday calendar of ``day``'s year is known (else only weekends are skipped)."""
    import chinese_calendar
    if extra and any(d.year == day.year for d in extra):
        return True
    try:
        chinese_calendar.is_workday(day)
        return True
    except NotImplementedError:
        return False


def next_working_day(day: dt.date, extra: dict[dt.date, bool] | None = None) -> dt.date:
    while not is_working_day(day, extra):
        day += dt.timedelta(days=1)
    return day


def calendar(liaison) -> dict[dt.date, bool] | None:
    """The admin's announced days for due dates; a broken file is logged and the package's calendar used alone."""
    try:
        return announced(liaison.config.get("HOLIDAYS_FILE"))
    except CalendarFileError as exc:   # an admin's typo must not stop a submission or a consultation
        liaison.app.logger.warning("%s（本次按 chinese-calendar 计算期限）", exc)
        return None


def add_working_days(start: dt.date, days: int, extra: dict[dt.date, bool] | None = None) -> dt.date:
    """The ``days``-th working day after ``start`` (holidays and 调休 days as in :func:`is_working_day`)."""
    day = start
    for _ in range(days):
        day = next_working_day(day + dt.timedelta(days=1), extra)
    return day


def due_date(start: dt.date, months: int, *, working_days: bool = True,
             extra: dict[dt.date, bool] | None = None) -> dt.date:
    """``months`` after ``start``; with ``working_days`` a weekend or holiday moves to the next working day."""
    due = add_months(start, months)
    return next_working_day(due, extra) if working_days else due


def months_for(config, kind: str) -> int:
    """The reply period of a submission kind (REPLY_MONTHS_BY_KIND, else REPLY_MONTHS)."""
    return int((config.get("REPLY_MONTHS_BY_KIND") or {}).get(kind, config["REPLY_MONTHS"]))


def days_left(due: dt.date, today: dt.date) -> str:
    """Days left to a deadline, in words: 还有 3 天, 今天到期, 已超期 2 天."""
    days = (due - today).days
    if days > 0:
        return f"还有 {days} 天"
    return "今天到期" if days == 0 else f"已超期 {-days} 天"


def due_title(due: dt.date, today: dt.date) -> str:
    """A reminder's heading from the days really left: 4天后到期, 今天到期, 已超期 2 天."""
    days = (due - today).days
    return f"{days}天后到期" if days > 0 else days_left(due, today)
