"""What a 密级 mark is: levels, host values, marks in text lines, the strictest of several, restricting 附注."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from ..routing.normalize import normalize

LEVELS = ("秘密", "机密", "绝密")
NOT_CLASSIFIED = frozenset({"", "无", "公开", "非密", "普通", "none", "public", "unclassified", "-"})
_TRADITIONAL = str.maketrans("絕機長個", "绝机长个")
_LEVEL = re.compile(r"(绝\s*密|机\s*密|秘\s*密)")
_MARK_LINE = re.compile(
    r"^\s*(?:份号[:：]?\s*\d*\s*)?(?:密\s*级\s*[:：]?\s*)?(?P<level>绝\s*密|机\s*密|秘\s*密)\s*"
    r"(?:[★☆*]\s*(?:保密期限[:：]?\s*)?(?P<period>长期|[0-9一二三四五六七八九十]+\s*(?:年|个月|月))?)?\s*"
    r"(?:保密期限[:：]?\s*(?P<period2>长期|[0-9一二三四五六七八九十]+\s*(?:年|个月|月)))?"
    r"(?P<rest>\s.*)?$")
_STARRED = re.compile(r"(绝\s*密|机\s*密|秘\s*密)\s*[★☆*]")
_RESTRICTED_NOTE = re.compile(
    r"不公开|不予公开|不得公开|不宜公开|不对外公开|内部(资料|文件|使用|掌握|传阅|发行)|注意保密|"
    r"不得(翻印|转发|外传|扩散|复制|转载)|请勿(外传|公开|转发)|仅限|限.{0,12}(范围|阅读|传达|知悉)")


@dataclass(frozen=True)
class Mark:
    """One 密级 mark found somewhere in a document."""
    level: str
    period: str | None
    text: str
    where: str


def _plain(s: str) -> str:
    return "".join(s.translate(_TRADITIONAL).split()).replace("\u3000", "")


def level_of(value: str | None) -> str | None:
    """A host-given secrecy value as a level; None when plainly not classified; an unknown word stays (classified)."""
    raw = (value or "").strip()
    if normalize(_plain(raw)) in NOT_CLASSIFIED:
        return None
    m = _LEVEL.search(raw.translate(_TRADITIONAL))
    return _plain(m.group(1)) if m else raw


def find_marks(lines: Iterable[str], where: str) -> list[Mark]:
    """Every line that is a 密级 mark (alone, with ★ and a period, 密级：…, or before a 文号), never prose."""
    marks = []
    for line in lines:
        text = line.translate(_TRADITIONAL).replace("\u3000", " ")
        m = _MARK_LINE.match(text)
        if m and (not m.group("rest") or "〔" in m.group("rest") or "[" in m.group("rest")
                  or "号" in m.group("rest")):
            marks.append(Mark(_plain(m.group("level")), _plain(m.group("period") or m.group("period2") or "") or None,
                              line.strip()[:60], where))
            continue
        s = _STARRED.search(text)
        if s:
            marks.append(Mark(_plain(s.group(1)), None, line.strip()[:60], where))
    return marks


def strictest(levels: Iterable[str | None]) -> str | None:
    """The most restrictive value (None: not classified; an unknown word ranks below 秘密, still classified)."""
    best, rank = None, -2
    for level in levels:
        if not level:
            continue
        r = LEVELS.index(level) if level in LEVELS else -1
        if r > rank:
            best, rank = level, r
    return best


def restricting_note(text: str | None) -> str | None:
    """The phrase of a 附注 that restricts circulation, else None."""
    m = _RESTRICTED_NOTE.search(text or "")
    return m.group(0) if m else None
