"""Backfill: the current rules over existing documents (a folder of .docx, or recorded documents)."""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import click
from sqlalchemy import func, select

from ..models import Copy, Decision, Document, db
from .decide import decide
from .route import preview, redecide, route_document

BATCH = 500


def _bar(items, progress: bool, label: str):
    return click.progressbar(items, label=label, file=click.get_text_stream("stderr")) if progress else _Null(items)


class _Null:
    def __init__(self, items):
        self.items = items

    def __enter__(self):
        return self.items

    def __exit__(self, *exc):
        return False


def _latest(document_ids) -> dict[int, Decision]:
    sub = (select(func.max(Decision.id)).where(Decision.document_id.in_(document_ids))
           .group_by(Decision.document_id))
    return {d.document_id: d for d in db.session.scalars(select(Decision).where(Decision.id.in_(sub)))}


def backfill_since(liaison, since: dt.date, *, apply: bool, progress: bool = False) -> dict:
    """Re-decide documents received on or after ``since``; with ``apply`` record and add missing copies."""
    jur = liaison.jurisdiction()
    ids = db.session.scalars(select(Document.id).where(Document.jurisdiction_id == jur.id,
                                                       Document.received_at >= dt.datetime.combine(since, dt.time()))
                             .order_by(Document.id)).all()
    summary = {"documents": len(ids), "changed": 0, "new_copies": 0, "applied": apply, "by_status": {},
               "manual_kept": 0}
    with _bar(range(0, len(ids), BATCH), progress, "回溯") as batches:
        for start in batches:
            chunk = ids[start:start + BATCH]
            rows = db.session.scalars(select(Document).where(Document.id.in_(chunk))).all()
            latest = _latest(chunk)
            before = db.session.scalar(select(func.count(Copy.id)).where(Copy.document_id.in_(chunk)))
            for row in rows:
                last = latest.get(row.id)
                if last is not None and last.trigger == "manual":  # a person decided: rules do not overrule
                    summary["manual_kept"] += 1
                    continue
                if apply:
                    verdict = redecide(liaison, row, "backfill")
                else:
                    _, verdict = decide(liaison, jur, row)
                if last is None or (last.committees, last.held, last.qualified) != (
                        verdict.committees, verdict.held, verdict.qualified):
                    summary["changed"] += 1
                summary["by_status"][verdict.status] = summary["by_status"].get(verdict.status, 0) + 1
            if apply:
                db.session.commit()
                after = db.session.scalar(select(func.count(Copy.id)).where(Copy.document_id.in_(chunk)))
                summary["new_copies"] += after - before
            else:
                db.session.rollback()
    if apply and summary["new_copies"] and liaison.config["DELIVER_INLINE"]:
        from ..delivery import deliver_due
        deliver_due(liaison, limit=10_000)
    return summary


def backfill_directory(liaison, directory: Path, *, apply: bool, issuer: str | None = None,
                       progress: bool = False) -> dict:
    """Route every .docx of a folder (id = file:<sha256>); a dry run records nothing."""
    files = sorted(directory.rglob("*.docx"))
    summary = {"documents": len(files), "changed": 0, "new_copies": 0, "applied": apply, "by_status": {},
               "files": []}
    with _bar(files, progress, "回溯") as items:
        for path in items:
            data = path.read_bytes()
            doc = {"id": "file:" + hashlib.sha256(data).hexdigest()[:32], "file": data, "file_name": path.name}
            if issuer:
                doc["issuer"] = issuer
            if apply:
                before = db.session.scalar(select(func.count(Copy.id)))
                result = route_document(liaison, doc)
                summary["new_copies"] += db.session.scalar(select(func.count(Copy.id))) - before
                status = result["status"]
                changed = not result.get("duplicate")
            else:
                result = preview(liaison, doc)
                status = result["status"]
                changed = True
            summary["changed"] += int(changed)
            summary["by_status"][status] = summary["by_status"].get(status, 0) + 1
            summary["files"].append({"file": str(path), "status": status, "committees": result.get("committees", [])})
    return summary
