"""A title broken into lines as GB/T 9704 §7.3.3 asks: whole words on each line, lines of like length."""
from __future__ import annotations

import functools
import itertools
import logging
import re
from pathlib import Path

from . import gbt9704 as g

WORDS = Path(__file__).resolve().parents[1] / "data" / "title_words.txt"
TITLE_PT = 22
PER_LINE = g.TEXT_W // (TITLE_PT * 20)                 # 20 characters of 2号 a line

# Where a line may end, best first: around quotes and brackets, before 关于 and the 文种 ending, after a
# list mark; where those do not suffice, between any two words (jieba's segmentation). Never inside a word.
_FIRST = re.compile(r"(?<=^关于)|(?=[《（“(])|(?<=[》）”)、，])|(?=关于)|(?=的(?:答复|复函|通知|意见|函|报告|请示|批复|议案|纪要)$)")
_NO_LINE_START = "》）”)、，。：；！？"


def title_lines(text: str, per_line: float = PER_LINE) -> list[str]:
    """``text`` as title lines of at most ``per_line`` characters (half-width counts half).

    The fewest lines that fit; at the best break points where they suffice, else between words; the most
    even split among those.
    """
    if g.text_width(text) <= per_line:
        return [text]
    first, words = _points(text), None
    need = -(-int(g.text_width(text) * 2) // int(per_line * 2))
    for lines in range(need, need + 3):
        found = _best(text, first, lines, per_line)
        if found is None:
            words = words if words is not None else sorted({*first, *_words(text)})
            found = _best(text, words, lines, per_line)
        if found:
            return found
    return _even(text, per_line)


def _points(text: str) -> list[int]:
    return sorted({m.start() for m in _FIRST.finditer(text) if 0 < m.start() < len(text)})


def _words(text: str) -> list[int]:
    """Positions between two words (not before closing punctuation), by jieba's dictionary and the county's
    own words (data/title_words.txt: 留守儿童, 大班额 … which jieba alone would split)."""
    return [start for _, start, _ in _tokenizer().tokenize(text) if 0 < start and text[start] not in _NO_LINE_START]


@functools.lru_cache(maxsize=1)
def _tokenizer():
    import jieba   # loaded only for a title too long for the first break points: ~1 s the first time
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()   # its own: the county's words do not change other users of jieba
    tokenizer.load_userdict(str(WORDS))
    return tokenizer


def _best(text: str, points: list[int], lines: int, per_line: float):
    """The most even split of ``text`` at ``points`` into ``lines`` lines that fit, or None."""
    best = None
    for cut in itertools.combinations(points, lines - 1):
        parts = [text[a:b] for a, b in zip((0, *cut), (*cut, len(text)))]
        widths = [g.text_width(part) for part in parts]
        if max(widths) <= per_line and (best is None or max(widths) - min(widths) < best[0]):
            best = (max(widths) - min(widths), parts)
    return best[1] if best else None


def _even(text: str, per_line: float) -> list[str]:
    """Not even between words does it fit (a single word longer than a line): lines of equal length."""
    lines = max(2, -(-int(g.text_width(text) * 2) // int(per_line * 2)))
    size = -(-len(text) // lines)
    return [text[i:i + size] for i in range(0, len(text), size)]
