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
