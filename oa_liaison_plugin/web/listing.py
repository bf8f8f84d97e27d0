"""Shared bits of list pages: the light column sets, name look-ups and date filters."""
from __future__ import annotations

import datetime as dt

from flask import request
from flask_login import current_user
from sqlalchemy import select

from ..models import Committee, Copy, Document, Unit, db
from .labels import _zone

# Lists select these columns, never Document.body or Copy.snapshot (large, and not shown in lists).
COPY_COLUMNS = (Copy.id, Copy.status, Copy.attempts, Copy.last_error, Copy.created_at, Copy.delivered_at,
                Copy.read_at, Copy.next_attempt_at, Copy.committee_id, Copy.unit_id, Copy.document_id)
DOCUMENT_COLUMNS = (Document.id, Document.title, Document.issuer, Document.doc_number, Document.status,
                    Document.received_at, Document.unit_id, Document.issued_on, Document.hold_reason)


def committee_names() -> dict[int, str]:
    return dict(db.session.execute(select(Committee.id, Committee.name).where(
        Committee.jurisdiction_id == current_user.jurisdiction_id).order_by(Committee.position)).all())


def unit_names() -> dict[int, str]:
    return dict(db.session.execute(select(Unit.id, Unit.name).where(
        Unit.jurisdiction_id == current_user.jurisdiction_id).order_by(Unit.position)).all())


def int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


# Dates a search may name: the county's midnight of 0001-01-01 or of the day after 9999-12-31 is no datetime.
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(9998, 12, 31)


def utc_start(day: dt.date) -> dt.datetime:
    """The county's midnight at the start of ``day``, as the naive UTC the database stores."""
    local = dt.datetime.combine(day, dt.time(), tzinfo=_zone())
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)
