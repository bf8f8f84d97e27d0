"""The counterpart table file's shape as pydantic models: a unit, a committee, a name pattern, the whole file."""

# No "from __future__ import annotations": the fields' types are calls (Text("单位简称")), evaluated here.
import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field

from ..decision.normalize import visible
from ..models import Committee, Jurisdiction, Unit, UnitPattern, max_length
from . import Input

FORMAT = "oa-liaison-table"
# Accepted lengths are the columns' (names, aliases and former names of a unit as wide as its name).
MAX_NAME = max_length(Unit.name)
REGEX_MAX = 300     # narrower than its column: a longer pattern is hard to review
NOTE_MAX = 1000
COMMITTEE = max_length(Committee.name)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Refused(ValueError):
    """A value of the table refused with a stable ``code`` (required, not_text, too_long …) and a Chinese message."""

    def __init__(self, code: str, message: str):
        self.code, self.message = code, message
        super().__init__(message)


def _text(limit: int, required: bool):
    def check(value: Any):
        if value is None or value == "":
            if required:
                raise Refused("required", "不能为空")
            return None
        if not isinstance(value, str):
            raise Refused("not_text", f"应为文本，实际为 {type(value).__name__}")
        if _CONTROL.search(value):
            raise Refused("control_character", "含控制字符")
        if len(value) > limit:
            raise Refused("too_long", f"过长（{len(value)} 字符，上限 {limit}）")
        if not visible(value):  # "\u200b" alone is no name anyone could read or type
            raise Refused("blank", "不能为空白（或只有不可见字符）")
        return value.strip()
    check.required = required
    return check


def _list(value: Any):
    if value is None:
        return []
    if not isinstance(value, list):
        raise Refused("not_list", f"应为列表，实际为 {type(value).__name__}")
    return value


def _date(value: Any):
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise Refused("bad_date", f"日期应为 YYYY-MM-DD，实际为 {value!r}") from None


def Text(limit: int = MAX_NAME, *, required: bool = True) -> Any:
    """A name or text of the table: stripped, no control characters, not only invisible ones, at most ``limit``."""
    return Annotated[Annotated[str, Field(max_length=limit)] | None, BeforeValidator(_text(limit, required))]


Texts = Annotated[list[Text()], BeforeValidator(_list)]   # a list of names (aliases, prefixes); absent is empty


def label(text: str, *, many: bool = False) -> Any:
    """A field's default (checked all the same: a missing name gets the table's own message) and its label."""
    if many:
        return Field(default_factory=list, description=text)
    return Field(None, validate_default=True, description=text)


def _required_in_schema(schema: dict, cls) -> None:
    # A required text defaults to None so that a missing one gets the table's own message; the schema still
    # says it is required.
    schema["required"] = [name for name, info in cls.model_fields.items()
                          if info.is_required() or any(getattr(getattr(m, "func", None), "required", False)
                                                       for m in info.metadata)]


class Entry(Input):
    """An entry of the table file; keys it does not know are ignored (an export carries ``id``s)."""
    model_config = ConfigDict(extra="ignore", json_schema_extra=_required_in_schema)


class FormerName(Entry):
    """A unit's former name, with the day it stopped being used."""
    name: Text() = label("曾用名")
    until: Annotated[dt.date | None, BeforeValidator(_date)] = label("停用日期")


class CommitteeEntry(Entry):
    """A special committee of the CPPCC."""
    name: Text(COMMITTEE) = label("委员会名称")
    section: Text(max_length(Committee.section), required=False) = label("所在条目")
    aliases: Texts = label("别名", many=True)


class UnitEntry(Entry):
    """A unit: its counterpart committee(s), or the unit it belongs to."""
    name: Text() = label("单位简称")
    full_name: Text(max_length(Unit.full_name), required=False) = label("单位全称")
    committee: Text(COMMITTEE, required=False) = label("对口委员会")
    committees: Texts = label("对口委员会", many=True)
    parent: Text(required=False) = label("所属单位")
    aliases: Texts = label("别名", many=True)
    former_names: Annotated[list[FormerName], BeforeValidator(_list)] = label("曾用名", many=True)


class PatternEntry(Entry):
    """A pattern of unit names (e.g. every 乡镇) and the committee they go to."""
    name: Text(max_length(UnitPattern.name)) = label("名称")
    regex: Text(REGEX_MAX) = label("单位名称的正则表达式")
    committee: Text(COMMITTEE) = label("对口委员会")
    note: Text(NOTE_MAX, required=False) = label("说明")


class JurisdictionEntry(Entry):
    """The jurisdiction (county) the table is for."""
    code: Text(max_length(Jurisdiction.code)) = label("代码")
    name: Text(max_length(Jurisdiction.name)) = label("名称")
    prefixes: Texts = label("名称前缀", many=True)
    source: Text(max_length(Jurisdiction.source), required=False) = label("依据")


class TableFile(Entry):
    """The whole file (``table export`` writes it, ``table load`` and the panel's import read it)."""
    format: Literal["oa-liaison-table"]
    version: Literal[1]
    jurisdiction: JurisdictionEntry
    committees: list[CommitteeEntry] = Field(min_length=1)
    units: list[UnitEntry] = Field(min_length=1)
    patterns: list[PatternEntry] = []
