"""The yearly review (五(三)): how the liaison was carried out, per committee and per unit, as data, page and .docx."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ..clock import county_today
from ..models import Committee, Counterpart, Unit, db
from ..replies.tasks import RATINGS
from . import stats


def ratings_text(ratings: dict) -> str:
    """满意/基本满意/不满意 counts as "a/b/c" (the tables' 评价 column); "0" when none were given."""
    return "/".join(str(ratings.get(r, 0)) for r in RATINGS) if any(ratings.values()) else "0"


def year_review(liaison, jur, year: int, today: dt.date | None = None) -> dict:
    """Every figure of ``year`` for ``jur``; the panel page, the .docx and ``report year --json`` all show this.

    ``on_time_rate`` (per committee, per unit and in ``totals``) is the 按期答复率 of stats.ON_TIME_DEFINITION,
    counted on ``today`` (the county's, by default).
    """
    tz = liaison.config.get("TIMEZONE")
    today = today or county_today(liaison.config)
    minimum = int(liaison.config["MEETINGS_MINIMUM"])
    committee_subs, unit_subs = stats.submission_stats_both(jur.id, year, today)
    by_committee = stats.committee_figures(jur.id, year, tz, today, committee_subs)
    by_unit = stats.unit_figures(jur.id, year, tz, today, unit_subs)
    committee_ratings, unit_ratings = stats.ratings_both(jur.id, year)
    committees = [{"name": name, **by_committee.get(cid, dict.fromkeys(stats.COMMITTEE_FIGURES, 0)),
                   "behind": by_committee.get(cid, {}).get("meetings_held", 0) < minimum,
                   "ratings": committee_ratings.get(cid, {})}
                  for cid, name in db.session.execute(select(Committee.id, Committee.name).where(
                      Committee.jurisdiction_id == jur.id).order_by(Committee.position, Committee.id))]
    liaising = select(Counterpart.unit_id)
    units = [{"name": name, **by_unit.get(uid, dict.fromkeys(stats.UNIT_FIGURES, 0)),
              "ratings": unit_ratings.get(uid, {})}
             for uid, name in db.session.execute(select(Unit.id, Unit.name).where(
                 Unit.jurisdiction_id == jur.id, Unit.parent_id.is_(None),
                 Unit.id.in_(liaising) | Unit.id.in_(list(by_unit))).order_by(Unit.position, Unit.id))]
    totals = {k: sum(c[k] for c in committees) for k in stats.COMMITTEE_FIGURES}
    totals["ratings"] = {r: sum(c["ratings"].get(r, 0) for c in committees) for r in RATINGS}
    for row in (*committees, *units, totals):
        row["on_time_rate"] = stats.on_time_rate(row["submissions_on_time"], row["submissions_due"])
    return {"year": year, "jurisdiction": jur.code, "jurisdiction_name": jur.name, "minimum": minimum,
            "committees": committees, "units": units, "totals": totals,
            "committees_behind": [c["name"] for c in committees if c["behind"]]}
