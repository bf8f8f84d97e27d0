"""密级 marks in a 版式 file's metadata: OFD DocInfo and CustomData, PDF Info keys and XMP (pure text, no I/O)."""
from __future__ import annotations

import re
from typing import Iterable

from .secrecy import Mark, find_marks, strictest

__all__ = ["metadata_marks", "secrecy_key", "xmp_marks"]

_SPLIT = re.compile(r"[;；,，、\n]")
# Names of custom fields that carry a 密级 (OA add-ins write 密级; others the English words), and of those that
# carry its period.
_SECRECY_NAME = re.compile(r"密|classif|secre|confiden|security", re.IGNORECASE)
_PERIOD_NAME = re.compile(r"保密期限|解密|期限|period|declassif", re.IGNORECASE)


def secrecy_key(name: str) -> bool:
    """A metadata field of this name may hold a 密级."""
    return bool(_SECRECY_NAME.search(name or ""))


def metadata_marks(fields: Iterable[str | None], custom: Iterable[tuple[str, str | None]] = (),
                   where: str = "metadata") -> list[Mark]:
    """The marks in free-text fields (title, subject, keywords...: a mark among ;，、-separated words) and in
    named custom fields: a field named like 密级 whose value is a level (or any word that is not plainly
    "not classified") is a mark, with the period of a field named 保密期限 beside it."""
    out: list[Mark] = []
    for value in fields:
        if value and "密" in value:
            out += find_marks(_SPLIT.split(value), where)
    custom = [(name or "", (value or "").strip()) for name, value in custom]
    period = next((v for name, v in custom if v and _PERIOD_NAME.search(name)), None)
    for name, value in custom:
        if not value:
            continue
        found = find_marks(_SPLIT.split(value), where)
        if _SECRECY_NAME.search(name) and not _PERIOD_NAME.search(name):
            if not found:
                level = strictest([value])
                found = [Mark(level, None, f"{name}：{value}"[:60], where)] if level is not None else []
            found = [m if m.period else Mark(m.level, period, m.text, m.where) for m in found]
        out += found
    return out


def xmp_marks(root) -> list[Mark]:
    """The marks in an XMP packet (parsed): any element's text, and properties named like 密级 whether written
    as elements or as attributes of rdf:Description."""
    fields, custom = [], []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for key, value in el.attrib.items():
            local = key.rpartition("}")[2]
            if secrecy_key(local):
                custom.append((local, value))
            elif "密" in value:
                fields.append(value)
        text = (el.text or "").strip()
        if text:
            name = el.tag.rpartition("}")[2]
            if name == "li":   # an item of rdf:Alt, rdf:Bag or rdf:Seq: the property is its grandparent
                holder = el.getparent()
                holder = holder.getparent() if holder is not None else None
                name = holder.tag.rpartition("}")[2] if holder is not None else name
            if secrecy_key(name):
                custom.append((name, text))
            else:
                fields.append(text)
    return metadata_marks(fields, custom)
