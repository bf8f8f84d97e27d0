"""Chinese-safe text normalisation shared by name resolution and content rules."""
from __future__ import annotations

import re
import unicodedata

# NFKC folds full-width ASCII (（）：，Ａ１) to half-width; these are the CJK brackets and
# marks NFKC leaves alone but that OA systems use interchangeably.
_EXTRA = str.maketrans({
    "〔": "[", "〕": "]", "［": "[", "］": "]", "【": "[", "】": "]",
    "〈": "<", "〉": ">", "《": "<", "》": ">",
    "“": '"', "”": '"', "‘": "'", "’": "'",
    "、": ",", "，": ",", "。": ".", "．": ".",
    "—": "-", "–": "-", "－": "-",
})
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")


def normalize(text: str) -> str:
    """Fold width, brackets, case and control characters; keep spaces (collapsed)."""
    text = unicodedata.normalize("NFKC", text).translate(_EXTRA)
    text = _CONTROL.sub("", text)
    return _SPACE.sub(" ", text).strip().lower()


def name_key(name: str) -> str:
    """A unit or committee name reduced to its matching key: normalised, no spaces."""
    return normalize(name).replace(" ", "")
