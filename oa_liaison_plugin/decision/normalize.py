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
_SPACES = "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008" \
          "\u2009\u200a\u202f\u205f\u3000"

# Planes beyond the BMP that hold compatibility forms: math alphanumerics, enclosed forms, CJK compat.
_PLANES = (range(0x10000), range(0x1D400, 0x1D800), range(0x1F100, 0x1F300), range(0x2F800, 0x2FA20))


def _build() -> dict[str, str]:
    """One folding table: per character, NFKC then the CJK extras, lower case; spaces to " ", controls dropped.

    Folding character by character (not NFKC over the whole string) keeps every character's fold
    independent of its neighbours; the two differ only for combining sequences, which names and
    rule terms never rely on.
    """
    fold: dict[str, str] = {}
    stable = unicodedata.is_normalized
    for block in _PLANES:
        for cp in block:
            if 0xD800 <= cp <= 0xDFFF:
                continue
            c = chr(cp)
            if c in _SPACES:
                fold[c] = " "
            elif cp in _CONTROL:
                fold[c] = ""
            elif stable("NFKC", c) and c not in _EXTRA and c.lower() == c:
                # folds to itself: most code points (ideographs, syllables), told apart by the C quick check
                # in a quarter of the time normalising each took at every process's start
                continue
            else:
                n = "".join(_EXTRA.get(x, x) for x in unicodedata.normalize("NFKC", c)).lower()
                if n != c:
                    fold[c] = n
    return fold


def _ranges(chars) -> str:
    """A regex character class body for a set of characters, as ranges of consecutive code points."""
    cps, out, i = sorted(map(ord, chars)), [], 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        out.append(re.escape(chr(cps[i])) + ("-" + re.escape(chr(cps[j])) if j > i else ""))
        i = j + 1
    return "".join(out)


_FOLD = _build()
# str.translate costs ~35 ns a character on Chinese text (it boxes every code point). Instead: the
# few marks that fill official prose (full-width comma, stop, enumeration comma, brackets, line
# breaks) go by str.replace, a C scan each; one regex finds whatever else needs folding, mostly
# nothing. Each of them maps to a fixed point, so the order of the two passes cannot matter.
_COMMON = tuple((c, _FOLD[c]) for c in "，。、：；（）“”《》〔〕\n\t\r\u3000")
_REST = re.compile("[" + _ranges(c for c in _FOLD if c < "\U00010000" and c not in dict(_COMMON)) + "]")
# Kept apart: a class reaching beyond the BMP is a linear list of ranges to sre, not a bitmap.
_REST_ASTRAL = re.compile("[" + _ranges(c for c in _FOLD if c >= "\U00010000") + "]")


def _fold_one(m: re.Match) -> str:
    return _FOLD[m.group()]


def normalize(text: str) -> str:
    """Fold width, brackets, case and control characters; keep spaces (collapsed)."""
    for c, folded in _COMMON:
        text = text.replace(c, folded)
    text = _REST.sub(_fold_one, text)
    # Astral characters are the ones UTF-16 spends four bytes on: a C pass, 7x cheaper than a regex scan.
    if not text.isascii() and len(text.encode("utf-16-le", "surrogatepass")) > 2 * len(text):
        text = _REST_ASTRAL.sub(_fold_one, text)
    while "  " in text:
        text = text.replace("  ", " ")
    return text.strip()


def as_written(text: str, start: int, end: int) -> str:
    """The part of ``text`` that ``normalize(text)[start:end]`` comes from: a match quoted as the document
    writes it (《方案》的通知, not <方案>的通知)."""
    folded: list[str] = []
    source: list[int] = []   # each folded character's index in text
    for i, c in enumerate(text):
        for ch in _FOLD.get(c, c):
            if ch == " " and (not folded or folded[-1] == " "):
                continue   # normalize() collapses runs of spaces and strips the leading ones
            folded.append(ch)
            source.append(i)
    if not 0 <= start < end <= len(source):
        return normalize(text)[start:end]
    return text[source[start]:source[end - 1] + 1]


def name_key(name: str) -> str:
    """A unit or committee name reduced to its matching key: normalised, no spaces."""
    return normalize(name).replace(" ", "")


def visible(text: str) -> bool:
    """Whether ``text`` has a character one can see: not only spaces, controls, format (zero-width) or marks."""
    return any(unicodedata.category(c)[0] not in "CZM" for c in text)
