"""The install date: recorded when the database is first made, so a fresh install is not greeted with reminders."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from .clock import county_zone
from .models import Installation, db


def record_install() -> None:
    """Record now as the install date unless one is recorded (an upgraded database has its own); caller commits."""
    if db.session.scalar(select(Installation.id).limit(1)) is None:
        db.session.add(Installation())


def installed_on(config) -> dt.date | None:
    """The county day the database was installed (None: not recorded)."""
    at = db.session.scalar(select(func.min(Installation.installed_at)))
    return at.replace(tzinfo=dt.timezone.utc).astimezone(county_zone(config)).date() if at else None


def settling_in(config, today: dt.date) -> bool:
    """Whether ``today`` lies in the first COMPLIANCE_REMINDERS_AFTER_DAYS after the install (a day before the
    install, as `remind --today` may give, is history and not settling in)."""
    start = installed_on(config)
    days = int(config["COMPLIANCE_REMINDERS_AFTER_DAYS"])
    return start is not None and start <= today < start + dt.timedelta(days=days)
