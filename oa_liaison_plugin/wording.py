"""People's words for the program's own (data/wording.json): field names, audit actions, regex errors."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

_FIELD = re.compile(r"(缺少)?字段\s*([A-Za-z_][\w.]*(?:\[\d+\][\w.]*)*)\s?")
_PART = re.compile(r"([A-Za-z_]\w*)|\[(\d+)\]")


@lru_cache(maxsize=1)
def wording() -> dict:
    """The shipped file."""
    return json.loads(resources.files("oa_liaison_plugin").joinpath("data/wording.json").read_text("utf-8"))


def field_label(name: str, labels: dict | None = None) -> str:
    """A field's Chinese name (``labels`` first: the form's own), else 一项内容 rather than the code."""
    return (labels or {}).get(name) or wording()["fields"].get(name) or "一项内容"


def field_phrase(path: str, labels: dict | None = None) -> str:
    """``absent[0].name`` -> “请假人员”第 1 项的“名称”."""
    out = []
    for name, index in _PART.findall(path):
        out.append(f"第 {int(index) + 1} 项" if index else f"“{field_label(name, labels)}”")
    return "的".join(out).replace("的第", "第")


def in_peoples_words(message: str, labels: dict | None = None) -> str:
    """A message with every ``字段 doc_number`` spelled as the field's Chinese name."""
    return _FIELD.sub(lambda m: ("缺少" if m.group(1) else "") + field_phrase(m.group(2), labels), message)


def regex_error(exc) -> str:
    """A regular expression's compile error (English, from the library) explained in Chinese."""
    msg = getattr(exc, "msg", None) or str(exc)
    known = next((v for k, v in wording()["regex_errors"].items() if msg.startswith(k)), "写法有误")
    pos, pattern = getattr(exc, "pos", None), getattr(exc, "pattern", None)
    if not isinstance(pos, int):
        return f"正则表达式无效：{known}"
    at = "写到末尾时" if isinstance(pattern, str) and pos >= len(pattern) else f"第 {pos + 1} 个字符附近"
    return f"正则表达式无效：{known}（{at}）"
