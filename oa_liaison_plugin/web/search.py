"""Keyword and date-range search of a list (?q=…&from=…&to=…): one helper for documents, submissions and copies."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from flask import request
from sqlalchemy import and_, or_

from ..decision.normalize import normalize
from .listing import FIRST_DAY, LAST_DAY, utc_start

# After normalising, brackets and marks separate words: 南教发〔2017〕12号 and 南教发[2017]12号 find the same.
_SEPARATORS = re.compile(r"[\s\[\]<>\"',.\-:;()!?/\\|·]+")
_ASCII_TO_WIDE = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}
MAX_WORDS = 8


@dataclass
class Search:
    """What a list's search form asked for, and what was wrong with it (in Chinese, for the form)."""
    text: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def words(self) -> list[str]:
        return [w for w in _SEPARATORS.split(normalize(self.text)) if w][:MAX_WORDS]

    @property
    def active(self) -> bool:
        return bool(self.words or self.since or self.until)


def _day(name: str, label: str, errors: list[str]) -> dt.date | None:
    value = normalize(request.args.get(name, ""))
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        errors.append(f"“{label}”不是有效的日期，请按 2017-06-20 的格式填写。")
        return None
    return day


def search_args() -> Search:
    """The search of this request; a bad date is left out of the search and explained."""
    errors: list[str] = []
    since, until = _day("from", "起始日期", errors), _day("to", "截止日期", errors)
    if since and until and since > until:
        errors.append("起始日期晚于截止日期，没有符合的记录；请对调两个日期。")
    return Search(request.args.get("q", "")[:100], since, until, errors)


def _like(column, word: str):
    # The host may have stored full-width digits and letters (２０１７): match either width.
    variants = {word, word.translate(_ASCII_TO_WIDE)}
    return or_(*(column.ilike("%" + v.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",
                              escape="\\") for v in variants))


def searched(query, search: Search, columns, day_column, *, stamp: bool = False):
    """``query`` narrowed to rows where every word is in one of ``columns`` and ``day_column`` is in the range;
    ``stamp``: the column is a stored UTC time, compared with the county's midnights."""
    for word in search.words:
        query = query.where(or_(*(_like(c, word) for c in columns)))
    bounds = []
    if search.since:
        bounds.append(day_column >= (utc_start(search.since) if stamp else search.since))
    if search.until:
        end = search.until + dt.timedelta(days=1)
        bounds.append(day_column < utc_start(end) if stamp else day_column <= search.until)
    return query.where(and_(*bounds)) if bounds else query
