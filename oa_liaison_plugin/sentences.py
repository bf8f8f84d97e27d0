"""Chinese sentences written once: a clause someone typed, ended by exactly one stop."""
from __future__ import annotations

_FULL = {".": "。", "!": "！", "?": "？", "．": "。"}
_STOPS = "。！？…"


def ended(text: str) -> str:
    """``text`` as a sentence: 请补充 -> 请补充。, 请补充。 stays, 请补充! -> 请补充！ (never 请补充。。)."""
    text = (text or "").strip()
    if not text:
        return text
    last = _FULL.get(text[-1], text[-1])
    if last in _STOPS:
        return text[:-1] + last
    return text.rstrip("，,；;：:、") + "。"
