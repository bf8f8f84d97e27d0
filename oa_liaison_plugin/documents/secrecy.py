"""What a 密级 (secrecy) mark is: recognising marks in lines of text and ranking levels (pure text, no I/O).

``Mark.where`` names the place a mark was read from; the stable names are:

- ``body``: a paragraph of the document's body (outside the places below);
- ``letter_line``: a body line of the 信函格式 that carries the mark and the 发文字号 (GB/T 9704 §10.1);
- ``table``: a table cell; ``textbox``: a DrawingML or VML text box, or WordArt; ``frame``: a framed
  paragraph; ``content_control``: a w:sdt; ``field``: a field's result; ``insertion``: a tracked insertion;
- ``header`` / ``footer``: any header or footer part (first-page, even and default alike);
- ``footnote`` / ``endnote`` / ``comment``: those parts;
- ``properties``: docProps/core.xml (title, subject, keywords, category, description) or docProps/custom.xml.

The vocabulary (what plainly means "not classified", the restricting 附注 phrases) is shipped data:
``oa_liaison_plugin/data/secrecy.json``.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import Iterable

__all__ = ["LEVELS", "NOT_CLASSIFIED", "PLACES", "Mark", "level_of", "find_marks", "name_marks", "strictest",
           "restricting_note"]

LEVELS = ("秘密", "机密", "绝密")   # ascending strictness
# Every ``where`` in Chinese, for a clerk's reason (``title`` and ``stored`` are the decision path's own).
PLACES = {"body": "正文", "letter_line": "信函格式文号行", "table": "表格", "textbox": "文本框", "frame": "图文框",
          "content_control": "内容控件", "field": "域结果", "insertion": "修订插入内容", "header": "页眉",
          "footer": "页脚", "footnote": "脚注", "endnote": "尾注", "comment": "批注", "properties": "文档属性",
          "title": "标题", "stored": "已记录的密级", "hidden": "隐藏文字", "altchunk": "内嵌文档（altChunk）",
          "metadata": "文档元数据", "annotation": "注释", "file_order": "正文（按文件存储顺序）",
          "attachment_name": "文件名"}

_DATA = json.loads(resources.files("oa_liaison_plugin").joinpath("data/secrecy.json").read_text("utf-8"))


def _key(value: str) -> str:
    """A host value's comparison key: NFKC (width), lower case, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", value).lower().split())


NOT_CLASSIFIED: frozenset[str] = frozenset(_key(v) for v in _DATA["not_classified"])
_RESTRICTING = re.compile("|".join(f"(?:{p})" for p in _DATA["restricting_notes"]))


@dataclass(frozen=True)
class Mark:
    """One 密级 mark found somewhere in a file.

    ``level`` is one of LEVELS, except for a labelled 密级 (``密级：内部``, a property named 密级) whose value is
    an unknown word: then that word, which still counts as classified.
    """
    level: str
    period: str | None
    text: str
    where: str
    source: str | None = None   # the attachment it stands in (附件1《名单》); None: the main file or the host


_LEVEL_WORD = re.compile("(绝密|机密|秘密)")


def name_marks(name: str | None, source: str | None = None) -> list[Mark]:
    """A level word anywhere in a file's name (参会人员名单（秘密）.docx) is a mark: names are short, and a
    clerk who wrote 秘密 into one meant it (stricter wins)."""
    if not name or "密" not in name:
        return []
    found = _LEVEL_WORD.findall(_fold(name))
    level = strictest(found)
    return [Mark(level, None, INVISIBLE.sub("", name.strip())[:60], "attachment_name", source)] if level else []


# Traditional and variant forms seen in marks, folded to the simplified ones.
_VARIANTS = str.maketrans({"絕": "绝", "機": "机", "祕": "秘", "長": "长", "個": "个", "級": "级", "號": "号",
                           "☆": "★", "*": "★", "﹡": "★", "✱": "★", "✲": "★", "✳": "★", "⋆": "★", "＊": "★",
                           "：": ":", "，": ",", "；": ";", "（": "(", "）": ")"})
_LEVEL = r"(?P<level>绝密|机密|秘密)"
# A period (1年, 1年6个月, 半年, 长期) or, GB/T 9704 §7.2.2, a declassification date (2027年12月31日).
_PERIOD = (r"(?:长期|永久|半年|[0-9〇○零一二三四五六七八九]{4}年[0-9一二三四五六七八九十]{1,3}月[0-9一二三四五六七八九十]{1,3}日"
           r"|[0-9一二三四五六七八九十百]{1,4}(?:年|个月|月|日|天)(?:[0-9一二三四五六七八九十]{1,3}(?:个月|月|日|天))?)")
# ... or a declassification condition (秘密★解密条件：项目验收后).
_CONDITION = r"(?:解密条件|解密时间|解密日期):?[^★]{1,50}"
_SEP = r"[,;、]?"
_URGENCY = r"(?:紧急程度:?)?(?:特急|加急|特提|急件|平急)"
_DOC_NO = r"[\u4e00-\u9fffA-Za-z]{1,20}[〔\[(﹝【]\d{4}[〕\])﹞】]第?\d{1,6}号(?:签发人:?[\u4e00-\u9fff·]{0,12})?"
_MARK = re.compile(
    rf"(?:份号:?)?(?:No\.?)?\d{{0,8}}{_SEP}(?:{_URGENCY}{_SEP})?"
    rf"★*(?:密级|保密等级|密级标志)?:?[\[(【〔<]?{_LEVEL}级?[\])】〕>]?"
    rf"(?:★*(?:保密期限:?)?(?P<period>{_PERIOD})|★*(?P<condition>{_CONDITION}))?★*"
    rf"(?:{_SEP}保密期限:?(?P<period2>{_PERIOD}))?"
    rf"(?:{_SEP}{_URGENCY})?(?:{_SEP}份号:?(?:No\.?)?\d{{1,8}})?(?:{_SEP}{_URGENCY})?(?P<docno>{_DOC_NO})?")
_LABELLED = re.compile(r"(?:密级|保密等级):(?P<word>[^,;:★]{1,8})")
_GAP = re.compile(r"\t|\s{2,}|\u3000")
MAX_LINE = 120   # a longer line is a paragraph of prose, never a mark
_PROSE_END = tuple("。，；！？,;!?")   # a sentence, never a mark (no mark spelling ends so)


# Characters a person does not see: zero-width, soft hyphen, joiners, direction and variation marks.
INVISIBLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180e\u200b-\u200f\u202a-\u202e"
                       "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]")


def _fold(text: str) -> str:
    """Width folded (full-width ASCII to ASCII), variants folded, all whitespace and invisible characters removed."""
    s = INVISIBLE.sub("", "".join(text.split())).translate(_VARIANTS)
    return unicodedata.normalize("NFKC", s) if not s.isascii() and re.search("[\uff01-\uff5e]", s) else s


def _match(segment: str, where: str) -> Mark | None:
    f = _fold(segment)
    if not f or len(f) > 80:
        return None
    m = _MARK.fullmatch(f)
    text = INVISIBLE.sub("", segment.strip())[:60]
    if m:
        place = "letter_line" if m.group("docno") and where == "body" else where
        return Mark(m.group("level"), m.group("period") or m.group("period2") or m.group("condition"), text, place)
    m = _LABELLED.fullmatch(f)
    if m and level_of(m.group("word")) is not None:
        return Mark(level_of(m.group("word")), None, text, where)
    return None


def find_marks(lines: Iterable[str], where: str) -> list[Mark]:
    """Every line (paragraph text) that IS a 密级 mark: alone on its line or with 份号 / 保密期限 / 紧急程度
    beside it, the 信函格式 line "秘密<tab>南府办函〔2023〕56号", "密级：秘密　保密期限：6个月", "秘密★6个月",
    full-width and spaced spellings, ★ ☆ * variants. Never prose: a sentence that mentions 秘密 is no mark.

    A line made of parts set apart by a tab or wide spaces (a header "南部县教育局⇥秘密★1年") is a mark
    when one of its parts is.
    """
    out = []
    for line in lines:
        if "密" not in line or len(line) > MAX_LINE or line.rstrip().endswith(_PROSE_END):
            continue
        mark = _match(line, where)
        if mark is None and _GAP.search(line.strip()):
            for part in _GAP.split(line):
                if "密" in part:
                    mark = _match(part, where)
                    if mark:
                        break
        if mark is not None:
            out.append(mark)
    return out


def level_of(value: str | None) -> str | None:
    """A host-given secrecy value as a level: None when plainly not classified (NOT_CLASSIFIED after
    normalising width/space), the level when it names one (also "秘密★6个月", "密级：机密", "秘 密"), else the
    stripped raw value itself (an unknown word counts as classified: the legal line)."""
    if value is None:
        return None
    raw = str(value).strip()
    key = _key(raw).translate(_VARIANTS)
    for label in ("密级:", "保密等级:", "密级"):
        if key.startswith(label) and len(key) > len(label):
            key = key[len(label):]
            break
    if key in NOT_CLASSIFIED:
        return None
    found = [level for level in LEVELS if level in key]
    return found[-1] if found else raw


def _rank(level: str | None) -> int:
    if level is None:
        return -1
    return LEVELS.index(level) + 1 if level in LEVELS else 0


def strictest(levels: Iterable[str | None]) -> str | None:
    """The most restrictive of several values (None = not classified; an unknown raw word ranks below 秘密
    but is still classified)."""
    best, best_rank = None, -1
    for value in levels:
        level = level_of(value)
        if _rank(level) > best_rank:
            best, best_rank = level, _rank(level)
    return best


def restricting_note(text: str | None) -> str | None:
    """The phrase of a 附注 that restricts circulation (不公开, 内部资料, 注意保密, 仅限…, 不得转发…), else None."""
    if not text:
        return None
    m = _RESTRICTING.search(unicodedata.normalize("NFKC", "".join(str(text).split())))
    return m.group(0) if m else None
