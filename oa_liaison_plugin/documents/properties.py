"""密级 marks in a document's metadata (title, subject, keywords, custom properties), for every reader."""
from __future__ import annotations

from typing import Iterable

from .read import _PROPERTY_SPLIT, _SECRECY_PROPERTY
from .secrecy import Mark, find_marks, strictest

__all__ = ["property_marks"]


def property_marks(fields: Iterable[str | None] = (), custom: Iterable[tuple[str, str]] = ()) -> list[Mark]:
    """Marks (where "properties") in the built-in text fields and custom ``(name, value)`` properties, read
    as the .docx reader reads docProps: a field or value that is a mark, or a value under a name like 密级."""
    marks: list[Mark] = []
    for text in fields:
        if text and "密" in text:
            marks += find_marks(_PROPERTY_SPLIT.split(text), "properties")
    for name, value in custom:
        value = (value or "").strip()
        if not value:
            continue
        found = find_marks(_PROPERTY_SPLIT.split(value), "properties")
        if not found and _SECRECY_PROPERTY.search(name or ""):
            level = strictest([value])
            if level is not None:
                found = [Mark(level, None, f"{name}：{value}"[:60], "properties")]
        marks += found
    return marks
