"""Excel (.xlsx) export of a list or a report: Chinese headers, set column widths, dates as dates."""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import request, send_file, url_for

from .labels import _zone, download_name

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MOST_ROWS = 20000   # an export is a list, not a backup: beyond this the clerk narrows the search


@dataclass
class Column:
    header: str
    width: int = 12   # in Excel's character widths (a Chinese character is about two)
    number_format: str | None = None   # for numbers, e.g. "0.0%"


@dataclass
class Sheet:
    title: str
    columns: list[Column]
    rows: list[tuple]


def local(value: dt.datetime | None) -> dt.datetime | None:
    """A stored UTC time as the county's wall-clock time (Excel has no time zones)."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.timezone.utc).astimezone(_zone()).replace(tzinfo=None)


def _cell_format(value) -> str | None:
    if isinstance(value, dt.datetime):
        return "yyyy-mm-dd hh:mm"
    if isinstance(value, dt.date):
        return "yyyy-mm-dd"
    return None


def workbook(sheets: list[Sheet]) -> bytes:
    """The sheets as an .xlsx file."""
    # Imported here: openpyxl took a fifth of every process's start (each command, `serve`, the worker) for
    # the few requests that export.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    header_fill = PatternFill("solid", fgColor="F0F3F6")
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.title[:31])
        ws.append([c.header for c in sheet.columns])
        for i, column in enumerate(sheet.columns, 1):
            ws.column_dimensions[get_column_letter(i)].width = column.width
            cell = ws.cell(row=1, column=i)
            cell.font, cell.fill = Font(bold=True), header_fill
            cell.alignment = Alignment(vertical="center", wrap_text=True)
        for row in sheet.rows:
            ws.append(list(row))
            for cell, column in zip(ws[ws.max_row], sheet.columns):
                fmt = _cell_format(cell.value) or (column.number_format if isinstance(cell.value, float) else None)
                if fmt:
                    cell.number_format = fmt
                elif isinstance(cell.value, str):
                    cell.alignment = Alignment(vertical="top", wrap_text=True)
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def send_xlsx(name: str, sheets: list[Sheet]):
    return send_file(io.BytesIO(workbook(sheets)), mimetype=XLSX, as_attachment=True,
                     download_name=download_name(name, ".xlsx"))


def export_url(endpoint: str, **values) -> str:
    """The export of the list on screen: its filters and search kept, its page dropped."""
    args = {k: v for k, v in request.args.items() if k not in ("before", "page") and v != ""}
    return url_for(endpoint, **values) + ("?" + urlencode(args) if args else "")
