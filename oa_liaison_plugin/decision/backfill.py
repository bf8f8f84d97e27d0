"""Backfill: the current rules over existing documents (a folder of issued files in any format, or recorded ones)."""
from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import stat
import sys
from pathlib import Path

import click
from sqlalchemy import func, select

from ..documents.formats import detect
from ..models import Copy, Decision, Document, db
from .decide import decide
from .route import preview, redecide_all, route_document

BATCH = 500


def _bar(items, progress: bool, label: str):
    return click.progressbar(items, label=label, file=sys.stderr) if progress else _Null(items)


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
    # A draft (征求意见稿) is decided again when it is issued, never by a backfill: it was not issued.
    ids = db.session.scalars(select(Document.id).where(Document.jurisdiction_id == jur.id, Document.status != "drafted",
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
            # a person decided: rules do not overrule
            kept = {r.id for r in rows
                    if latest.get(r.id) is not None and latest[r.id].trigger in ("manual", "handover")}
            summary["manual_kept"] += len(kept)
            rows = [r for r in rows if r.id not in kept]
            # With --apply the batch is recorded together: one statement a table, not a round trip per document each.
            verdicts = (redecide_all(liaison, rows, "backfill") if apply
                        else [decide(liaison, jur, row)[1] for row in rows])
            for row, verdict in zip(rows, verdicts):
                last = latest.get(row.id)
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


# The endings of the formats read (documents/formats.py); a file is still read by its bytes, never its name.
EXTENSIONS = (".docx", ".ofd", ".pdf", ".doc", ".wps", ".odt", ".rtf")


def issued_files(directory: Path, skipped: list[dict]) -> list[Path]:
    """The regular files under ``directory`` in a supported format; every other entry is listed in ``skipped``
    with why (another format, a directory's special files, broken links) and never opened."""
    files = []
    for path in sorted(directory.rglob("*")):
        try:
            mode = path.stat().st_mode  # follows a symlink: a broken one raises
        except OSError as exc:
            skipped.append({"file": str(path), "reason": f"无法访问（{exc.strerror or exc}），可能是失效的符号链接"})
            continue
        if stat.S_ISDIR(mode):
            if path.name.lower().endswith(EXTENSIONS):
                skipped.append({"file": str(path), "reason": "是目录，不是文件，未读取（其中的文件照常读取）"})
            continue
        if not stat.S_ISREG(mode):
            skipped.append({"file": str(path), "reason": "不是普通文件（管道、设备或其他特殊文件），未读取"})
            continue
        if not path.name.lower().endswith(EXTENSIONS):
            skipped.append({"file": str(path), "reason": "不是可读取的公文格式（OFD、PDF、.docx、.doc、.wps、.odt、.rtf），未读取"})
            continue
        files.append(path)
    return files


def read_regular(path: Path) -> bytes:
    """A regular file's bytes; OSError for anything else, checked on the open file (never blocks on a FIFO)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped for a FIFO or device since it was listed
            raise OSError(errno.EINVAL, "不是普通文件")
        with os.fdopen(fd, "rb") as fh:
            fd = -1
            return fh.read()
    finally:
        if fd >= 0:
            os.close(fd)


def _stored_read_error(liaison, host_id: str):
    jid = liaison.jurisdiction_row().id
    meta = db.session.scalar(select(Document.meta).where(Document.jurisdiction_id == jid, Document.host_id == host_id))
    return (meta or {}).get("read_error")


def backfill_directory(liaison, directory: Path, *, apply: bool, issuer: str | None = None,
                       progress: bool = False) -> dict:
    """Route every issued file of a folder, in any supported format (id = file:<sha256>); a dry run records nothing.

    Whatever cannot be read is counted (``unreadable``) and listed with why (``skipped``; a file's
    ``read_error``); other files (other formats, FIFOs, devices, broken links) are listed and never opened.
    """
    skipped: list[dict] = []
    files = issued_files(directory, skipped)
    summary = {"documents": len(files), "changed": 0, "new_copies": 0, "applied": apply, "by_status": {},
               "files": [], "unreadable": 0, "skipped": skipped}
    for item in skipped:
        click.echo(f"跳过 {item['file']}：{item['reason']}", err=True)
    with _bar(files, progress, "回溯") as items:
        for path in items:
            try:
                data = read_regular(path)
            except OSError as exc:
                reason = f"无法读取（{exc.strerror or exc}）"
                skipped.append({"file": str(path), "reason": reason})
                summary["documents"] -= 1
                summary["unreadable"] += 1
                click.echo(f"跳过 {path}：{reason}", err=True)
                continue
            doc = {"id": "file:" + hashlib.sha256(data).hexdigest()[:32], "file": data, "file_name": path.name}
            if issuer:
                doc["issuer"] = issuer
            if apply:
                before = db.session.scalar(select(func.count(Copy.id)))
                result = route_document(liaison, doc)
                summary["new_copies"] += db.session.scalar(select(func.count(Copy.id))) - before
                status = result["status"]
                changed = not result.get("duplicate")
                read_error = _stored_read_error(liaison, doc["id"])
            else:
                result = preview(liaison, doc)
                status = result["status"]
                changed = True
                read_error = result.get("read_error")
            summary["changed"] += int(changed)
            summary["by_status"][status] = summary["by_status"].get(status, 0) + 1
            entry = {"file": str(path), "status": status, "committees": result.get("committees", []),
                     "format": detect(data, path.name).code}
            if read_error:
                summary["unreadable"] += 1
                entry["read_error"] = read_error
                click.echo(f"无法读取 {path}：{read_error['message']}", err=True)
            summary["files"].append(entry)
    return summary
