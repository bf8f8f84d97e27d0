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
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Fold width, brackets, case and control characters; keep spaces (collapsed)."""
    return _SPACE.sub(" ", text.translate(_FOLD)).strip()


def name_key(name: str) -> str:
    """A unit or committee name reduced to its matching key: normalised, no spaces."""
    return normalize(name).replace(" ", "")
