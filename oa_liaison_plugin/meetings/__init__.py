"""Liaison meetings and what hangs on them: records, minutes, agreed topics, invitations, leaders, compliance."""
from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping
from importlib import resources

from sqlalchemy import select

from ..config import county_today
from ..errors import InputError
from ..models import Committee, Unit, db


@functools.lru_cache(maxsize=1)
def settings() -> dict:
    """The shipped meeting data (data/meetings.json): invitation patterns, leader posts, letters' addressees."""
    return json.loads(resources.files("oa_liaison_plugin").joinpath("data/meetings.json").read_text("utf-8"))


def today(liaison) -> dt.date:
    """Today in the county (the configured time zone), for reminders and "a year in the future"."""
    return county_today(liaison.config)


def committee_title(jur, name: str, *, full: bool = False) -> str:
    """How letters and minutes name a committee: 县政协 + its name (市政协 … for a city); ``full``: with the
    county's own name (南部县政协教科文卫体委员会), as the API lists it."""
    level = (max if full else min)(jur.prefixes or [""], key=len)
    return name if "政协" in name else f"{level}政协{name}"


def committee(liaison, jur, name, field: str = "committee") -> Committee:
    """A committee of the jurisdiction by id, name or alias, else InputError naming ``field``."""
    name = _ref(name, field, "专门委员会名称")
    found = liaison.resolver(jur.code).committee_named(name)
    row = db.session.scalar(select(Committee).where(Committee.jurisdiction_id == jur.id,
                                                    Committee.name == found)) if found else None
    if row is None:
        raise InputError(field, f"未知专门委员会“{name}”（不在{jur.name}的对口联系表中）")
    return row


def _ref(value, field: str, what: str) -> str:
    """A name or id a host gives (an integer id as its text), stripped; InputError when empty."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise InputError(field, f"不能为空（{what}）")
    return value.strip()


def unit(liaison, jur, name, field: str = "unit") -> Unit:
    """A unit of the counterpart table by its id or any of its names, else InputError naming ``field``."""
    name = _ref(name, field, "单位名称")
    found = liaison.resolver(jur.code).unit_named(name)
    if not found.unit_id:
        hint = f"；相近：{'、'.join(found.suggestions)}" if found.suggestions else ""
        raise InputError(field, f"未知单位“{name}”（不在{jur.name}的对口联系表中）{hint}")
    return db.session.get(Unit, found.unit_id)


def text(data, name: str, label: str, limit: int | None, required: bool = True, where: str = "") -> str | None:
    """A text field of ``data``, stripped and at most ``limit`` characters (the column's), else InputError
    naming it (``where``: the list entry it belongs to, e.g. ``observers[1]``)."""
    value, field = data.get(name), f"{where}.{name}" if where else name
    if not isinstance(value, (str, int)) or isinstance(value, bool) or not str(value).strip():
        if required:
            raise InputError(field, f"不能为空（{label}）")
        return None
    value = str(value).strip()
    if limit and len(value) > limit:
        raise InputError(field, f"{label}过长（{len(value)} 字符，上限 {limit}）")
    return value


def items(value, name: str, expected: str) -> list[tuple[str, Mapping]]:
    """(where, entry) for each entry of a list field; a bare string stands for ``{"name": …}``."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(name, f"应为列表，每项为{expected}")
    out = []
    for i, item in enumerate(value):
        item = {"name": item} if isinstance(item, str) else item
        if not isinstance(item, Mapping):
            raise InputError(f"{name}[{i}]", f"应为{expected}")
        out.append((f"{name}[{i}]", item))
    return out


def year_of(value, today_: dt.date, field: str = "year") -> int:
    """A year to report on: four digits, not after this year."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit() and len(text) == 4) or int(text) < 1949:
        raise InputError(field, f"年度应为四位年份，如 2017，实际为 {value!r}")
    if int(text) > today_.year:
        raise InputError(field, f"{text} 年尚未到来（今天是 {today_.isoformat()}）")
    return int(text)


def date_of(value, field: str) -> dt.date:
    try:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(field, f"日期应为 YYYY-MM-DD，实际为 {value!r}") from None
