"""Days left to a deadline, in words: 还有 3 天, 今天到期, 已超期 2 天."""
from __future__ import annotations

import datetime as dt


def days_left(due: dt.date, today: dt.date) -> str:
    days = (due - today).days
    if days > 0:
        return f"还有 {days} 天"
    return "今天到期" if days == 0 else f"已超期 {-days} 天"
