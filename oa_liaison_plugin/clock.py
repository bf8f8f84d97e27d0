"""The county's clock: now, today and a day's bounds in the county's zone, the one source of dates."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def utc_now() -> dt.datetime:
    """The moment, aware, in UTC: every county date is read from this one source (tests replace it)."""
    return dt.datetime.now(dt.timezone.utc)


def county_zone(config):
    """The county's time zone (TIMEZONE; UTC+8 when the zone database lacks it)."""
    try:
        return ZoneInfo(config.get("TIMEZONE") or "Asia/Shanghai")
    except Exception:
        return dt.timezone(dt.timedelta(hours=8))


def county_now(config) -> dt.datetime:
    """Now on the county's wall clock (aware)."""
    return utc_now().astimezone(county_zone(config))


def county_today(config) -> dt.date:
    """Today in the county: due dates, lists, reminders and figures are counted in its days, not the server's."""
    return county_now(config).date()


def day_bounds(config, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The county day ``day`` as [start, end) in naive UTC, the way timestamps are stored."""
    zone = county_zone(config)
    start = dt.datetime.combine(day, dt.time(), zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)
    return tuple(t.astimezone(dt.timezone.utc).replace(tzinfo=None) for t in (start, end))
