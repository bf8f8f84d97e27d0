"""Chinese numerals, both ways: 12 -> 十二 for headings, 二〇一七 / 二十一 -> int for dates read."""
from __future__ import annotations

DIGITS = "〇一二三四五六七八九"
# What issued documents write for a digit: 〇 has look-alikes (○ U+25CB, 零, the letter O, the digit 0).
VALUES = {**{c: i for i, c in enumerate(DIGITS)}, "○": 0, "零": 0, "O": 0, "0": 0}


def cn_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 21 -> 二十一 (for 一、 and （一） headings)."""
    if n < 10:
        return DIGITS[n]
    tens, ones = divmod(n, 10)
    return (DIGITS[tens] if tens > 1 else "") + "十" + (DIGITS[ones] if ones else "")


def cn_value(s: str) -> int:
    """十二 -> 12, 二十一 -> 21, 二〇一七 -> 2017 (digit by digit), "05" -> 5; KeyError on anything else."""
    if s.isdigit():
        return int(s)
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (VALUES.get(tens, 1) if tens else 1) * 10 + (VALUES.get(ones, 0) if ones else 0)
    return int("".join(str(VALUES[c]) for c in s))
