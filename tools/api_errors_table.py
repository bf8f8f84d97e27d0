"""Write the API's error table into docs/integrating.md from oa_liaison_plugin/data/api_errors.json.

Run:  .venv/bin/python tools/api_errors_table.py    (tests/test_api_contract.py fails while the doc differs)
"""
from __future__ import annotations

import re
from pathlib import Path

from oa_liaison_plugin.http.openapi import TABLE_END, TABLE_START, errors_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "integrating.md"


def main() -> None:
    """Replace the table between its markers with the one the error file gives."""
    text = DOC.read_text("utf-8")
    span = re.compile(re.escape(TABLE_START) + ".*?" + re.escape(TABLE_END), re.S)
    if not span.search(text):
        raise SystemExit(f"{DOC}: the markers {TABLE_START!r} … {TABLE_END!r} are missing")
    DOC.write_text(span.sub(lambda _: errors_markdown(), text), "utf-8")


if __name__ == "__main__":
    main()
