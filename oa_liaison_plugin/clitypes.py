"""Command-line value types shared by the commands: finite numbers only (nan and inf are usage errors)."""
from __future__ import annotations

import math

import click


class Finite(click.FloatRange):
    """A float in range; nan (which compares false with every bound) and inf are refused (exit 2)."""

    name = "finite float"

    def convert(self, value, param, ctx):
        rv = super().convert(value, param, ctx)
        if not math.isfinite(rv):
            self.fail(f"应为有限的数，实际为 {value!r}", param, ctx)
        return rv


SECONDS = Finite(0, 10 ** 8)


class RowId(click.ParamType):
    """A record's number as the database stores it (PostgreSQL's integer): 1 … 2**31-1; anything else exit 2."""

    name = "id"
    LAST = 2 ** 31 - 1

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            number = value
        else:
            text = str(value).strip()
            number = int(text) if text.isascii() and text.isdigit() else None
        if number is None or not 1 <= number <= self.LAST:
            self.fail(f"应为 1–{self.LAST} 之间的编号，实际为 {value!r}", param, ctx)
        return number


ROW_ID = RowId()
