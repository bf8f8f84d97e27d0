"""Chinese-safe text normalisation shared by name resolution and content rules."""
from __future__ import annotations

import re
import unicodedata

# CJK brackets and marks NFKC leaves alone but OA systems use interchangeably.
_EXTRA = {
    "〔": "[", "〕": "]", "［": "[", "］": "]", "【": "[", "】": "]",
    "〈": "<", "〉": ">", "《": "<", "》": ">",
    "“": '"', "”": '"', "‘": "'", "’": "'",
    "、": ",", "，": ",", "。": ".", "．": ".",
    "—": "-", "–": "-", "－": "-",
}
_CONTROL = set(range(0x00, 0x09)) | {0x0B, 0x0C} | set(range(0x0E, 0x20)) | {0x7F} | set(range(0x200B, 0x2010)) \
    | {0x2028, 0x2029, 0xFEFF}


# Planes beyond the BMP that hold compatibility forms: math alphanumerics, enclosed forms, CJK compat.
_PLANES = (range(0x10000), range(0x1D400, 0x1D800), range(0x1F100, 0x1F300), range(0x2F800, 0x2FA20))


def _build() -> dict[int, str]:
    """One folding table: per character, NFKC then the CJK extras; control characters dropped.

    Folding character by character (not NFKC over the whole string) lets one str.translate pass do
    it all; the two differ only for combining sequences, which names and rule terms never rely on.
    """
    fold: dict[int, str] = {}
    for block in _PLANES:
        for cp in block:
            if 0xD800 <= cp <= 0xDFFF:
                continue
            if cp in _CONTROL:
                fold[cp] = ""
                continue
            c = chr(cp)
            n = "".join(_EXTRA.get(x, x) for x in unicodedata.normalize("NFKC", c)).lower()
            if n != c:
                fold[cp] = n
    return fold


_FOLD = _build()
# str.translate looks a character up in a *sequence* without the KeyError a dict raises for every
# unmapped character: a list over the BMP is twice as fast on Chinese text. Astral characters
# (rare) fall through it and get the dict afterwards.
_TABLE = [_FOLD.get(cp, chr(cp)) for cp in range(0x10000)]
for _ws in "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000":
    _TABLE[ord(_ws)] = " "
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


def normalize(text: str) -> str:
    """Fold width, brackets, case and control characters; keep spaces (collapsed)."""
    text = text.translate(_TABLE)
    if not text.isascii() and _ASTRAL.search(text):
        text = text.translate(_FOLD)
    while "  " in text:
        text = text.replace("  ", " ")
    return text.strip()


def name_key(name: str) -> str:
    """A unit or committee name reduced to its matching key: normalised, no spaces."""
    return normalize(name).replace(" ", "")
