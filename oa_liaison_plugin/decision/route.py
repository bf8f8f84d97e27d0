"""The hot path: issued document -> read -> resolve -> qualify -> one transaction -> deliver after commit."""
from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..clock import county_today
from ..delivery import deliver_due, record_error
from ..documents.formats import FORMATS, file_name_for
from ..events import IssuedDocument
from ..http.decisions import record_decisions
from ..errors import InputError
from ..models import (
    Blob,
    Consultation,
    Copy,
    Decision,
    Document,
    EventError,
    Jurisdiction,
    Unit,
    db,
    max_length,
    utcnow,
)
from ..documents.secrecy import level_of
from ..engine import written_and_committed
from ..lease import answered
from .decide import Case, decide, gather, gathers_without_database, rule_fields
from .qualify import Verdict, manual_verdict

FINAL = ("routed", "not_qualified", "held", "offline")
_SHORT_COLUMNS = {f: max_length(getattr(Document, f)) for f in ("issuer", "title", "doc_number", "doc_type", "secrecy")}

# Core statements on the tables, built once: on the hot path the ORM's bulk-insert machinery and
# building statements per call cost several times what SQLite spends writing the rows.
# "inline": no RETURNING of the new ids, which nobody reads, so PostgreSQL can take the writes without answering each.
_INSERT = {model: insert(model.__table__).inline() for model in (Copy, Consultation, EventError)}
_INSERT_DOCUMENT = insert(Document.__table__).returning(Document.__table__.c.id)
_INSERT_DOCUMENT_WITH_ID = insert(Document.__table__).inline()   # its id reserved in the first read (PostgreSQL)
_INSERT_BLOB = {name: dialect_insert(Blob.__table__).on_conflict_do_nothing().inline()
                for name, dialect_insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))}


def _summary(host_id: str, status: str, hold_reason: str | None, verdict: dict, *, duplicate: bool = False) -> dict:
    return {"document_id": host_id, "status": status, "qualified": verdict.get("qualified", False),
            "held": status in ("held", "unmatched"), "hold_reason": hold_reason,
            "committees": verdict.get("committees", []),
            "consultation_committees": verdict.get("consultation_committees", []),
            "units": verdict.get("units", []), "reasons": verdict.get("reasons", []), "duplicate": duplicate}


def decision_row(jur, doc_id: int, verdict: Verdict, trigger: str, now) -> dict:
    """A decision's row: the verdict with every reason, under the rules version it was made with."""
    return dict(document_id=doc_id, trigger=trigger, qualified=verdict.qualified, held=verdict.held,
                hold_reason=verdict.hold_reason, committees=verdict.committees, units=verdict.units,
                consultation_committees=verdict.consultation_committees, reasons=verdict.reasons,
                rules_version=jur.rules_version, created_at=now)


def snapshot_of(doc: dict) -> dict:
    """What a copy carries of its document (``doc``: the document's columns and ``meta``), fixed when offered."""
    meta = doc.get("meta") or {}
    issued_on = doc.get("issued_on")
    return {"host_id": doc["host_id"], "document_id": doc["host_id"], "title": doc.get("title"),
            "doc_number": doc.get("doc_number"), "issuer": doc.get("issuer"), "unit": meta.get("unit"),
            "doc_type": doc.get("doc_type"), "issued_on": issued_on.isoformat() if issued_on else None,
            "url": doc.get("url"), "file_sha256": doc.get("file_sha256"),
            **_file_fields(meta.get("file_name") or doc.get("doc_number") or doc.get("title"), meta.get("format"),
                           doc.get("file_sha256")),
            "attachments": [{"name": a["name"], "size": a["size"], "sha256": a["sha256"],
                             **_file_fields(a["name"], a.get("format"), a["sha256"])}
                            for a in meta.get("attachments", [])],
            # lists are [] when empty, never null (a draft's meta may hold None for them)
            "main_recipients": meta.get("main_recipients") or [], "cc": meta.get("cc") or []}


def _store_blob(data: bytes, sha: str | None = None) -> str:
    """Store a file once by its hash (INSERT … ON CONFLICT DO NOTHING: no read, no autoflush)."""
    sha = sha or hashlib.sha256(data).hexdigest()
    conn = db.session.connection()
    stmt = _INSERT_BLOB.get(conn.dialect.name)
    if stmt is not None:
        conn.execute(stmt, {"sha256": sha, "size": len(data), "data": data})
    else:
        with db.session.no_autoflush:
            if db.session.get(Blob, sha) is None:
                db.session.add(Blob(sha256=sha, size=len(data), data=data))
    return sha


def record(liaison, jur, doc_id: int, doc: dict, verdict: Verdict, trigger: str, *, new: bool = False,
           plugin_errors=()) -> list[int]:
    """Save one decision: its row (with, for a subscribing host, its liaison.decision callback), its copies and
    consultations, and the plugin failures behind it (caller commits).

    The one place a decision is written, whoever made it. ``doc`` holds the document's columns (for the
    copies' snapshot); ``new`` says it has just been created, so it cannot have copies or consultations
    yet (saves two queries on the hot path). Returns the ids of the consultations held before issue; a
    major matter without any gets the reason 未经事前协商 in the stored decision (and in ``verdict``).
    """
    return record_all(liaison, jur, [(doc_id, doc, verdict, trigger, plugin_errors)], new=new)[0]


def record_all(liaison, jur, decided: list[tuple], *, new: bool = False) -> list[list[int]]:
    """``record`` for many documents of ``jur`` at once, each (doc id, columns, verdict, trigger, plugin
    failures): one statement per table for all of them, not per document (a backfill's batch). Returns, per
    document, the ids of its consultations held before issue."""
    conn = db.session.connection()
    now = utcnow()
    asking = [d for d in decided if d[2].consultation_committees]
    # Only a document the plugin already knows (its draft) can have been consulted before: none on the hot path.
    consulted: dict[int, list] = {}
    if asking and not new:
        for c in db.session.execute(select(Consultation.id, Consultation.stage, Consultation.committee_id,
                                           Consultation.document_id)
                                    .where(Consultation.document_id.in_([d[0] for d in asking]))
                                    .order_by(Consultation.id)):
            consulted.setdefault(c.document_id, []).append(c)
    befores = []
    for doc_id, _, verdict, _, _ in decided:
        before = [c.id for c in consulted.get(doc_id, []) if c.stage == "before"]
        if verdict.consultation_committees and not before and not any(
                r.get("code") == "not_consulted_before" for r in verdict.reasons):
            verdict.reasons = [*verdict.reasons, {"code": "not_consulted_before", "text": NOT_CONSULTED}]
        befores.append(before)
    record_decisions(liaison, conn, jur, [(decision_row(jur, doc_id, verdict, trigger, now), doc["host_id"], verdict)
                                          for doc_id, doc, verdict, trigger, _ in decided],
                     lambda: liaison.resolver(jur).committee_ids)
    errors = [dict(at=now, event=e["hook"], code="plugin_error", message=e["text"], subject=str(doc["host_id"])[:256],
                   detail={"plugin": e["plugin"], "error": e["error"]})
              for _, doc, _, _, failures in decided for e in failures or ()]
    if errors:
        conn.execute(_INSERT[EventError], errors)
    routed = [d for d in decided if d[2].status == "routed"]
    if not routed:
        return befores
    committee_ids = liaison.resolver(jur).committee_ids
    existing: dict[int, set] = {}
    if not new:
        for doc_id, committee, unit in db.session.execute(select(Copy.document_id, Copy.committee_id, Copy.unit_id)
                                                          .where(Copy.document_id.in_([d[0] for d in routed]),
                                                                 Copy.kind == "copy")):
            existing.setdefault(doc_id, set()).add((committee, unit))
    wanted_units = {n for d in routed for n in d[2].units}
    units = dict(db.session.execute(select(Unit.name, Unit.id).where(Unit.jurisdiction_id == jur.id,
                                                                       Unit.name.in_(wanted_units))).all()
                 ) if wanted_units else {}
    copies = []
    for doc_id, doc, verdict, _, _ in routed:
        have, snapshot = existing.get(doc_id, set()), snapshot_of(doc)
        mine = [dict(committee_id=committee_ids[name], unit_id=None,
                     reasons=[r for r in verdict.reasons if r.get("committee") in (None, name)])
                for name in verdict.committees if (committee_ids[name], None) not in have]
        mine += [dict(committee_id=None, unit_id=units[n], reasons=verdict.reasons[:1])
                 for n in verdict.units if n in units and (None, units[n]) not in have]
        copies += [dict(c, document_id=doc_id, status="pending", snapshot=snapshot, attempts=0, next_attempt_at=now,
                        created_at=now) for c in mine]
    if copies:
        conn.execute(_INSERT[Copy], copies)
    rows = []
    for doc_id, doc, verdict, _, _ in routed:
        if verdict.consultation_committees:
            due = ((doc.get("issued_on") or county_today(liaison.config))
                   + dt.timedelta(days=int(liaison.config["CONSULTATION_DAYS"])))
            have = {c.committee_id for c in consulted.get(doc_id, [])}
            rows += [dict(document_id=doc_id, committee_id=committee_ids[n], due_on=due, status="open", created_at=now)
                     for n in verdict.consultation_committees if committee_ids[n] not in have]
    if rows:
        conn.execute(_INSERT[Consultation], rows)
    return befores


def _file_fields(name: str | None, fmt: str | None, sha: str | None) -> dict:
    """A copied file's name with its real extension, its format and content type (None without a file)."""
    if sha is None or fmt is None:
        return {"file_name": name if sha else None, "format": fmt, "content_type": None}
    real = FORMATS.get(fmt, FORMATS["unknown"])
    return {"file_name": file_name_for(name, real), "format": real.code, "content_type": real.content_type}


def _bad_event(document, exc: InputError) -> dict:
    subject = str(document.get("id"))[:128] if isinstance(document, dict) else None
    record_error("document_issued", "bad_event", str(exc), subject=subject)
    return {"document_id": subject, "status": "error", "error": str(exc), "held": False, "qualified": False,
            "hold_reason": None, "committees": [], "consultation_committees": [], "units": [], "reasons": [],
            "duplicate": False}


def route_document(liaison, document) -> dict:
    """The built-in document_issued: decide and commit before returning, then offer copies to the host."""
    try:
        doc = IssuedDocument.from_mapping(document)
    except InputError as exc:
        return _bad_event(document, exc)
    gathered = None
    if gathers_without_database(doc):
        # The jurisdiction's read goes out first and is answered while the files are read (they need nothing of it).
        with liaison.jurisdiction_row_ahead(doc.jurisdiction, doc.id) as ahead:
            gathered = gather(liaison, doc)
        jur = ahead.row
    else:
        jur = liaison.jurisdiction_row(doc.jurisdiction, host_id=doc.id, reserve_id=True)
    known = jur.document_id
    if known is not None and jur.document_status in FINAL:
        row = db.session.get(Document, known)
        last = db.session.scalar(select(Decision).where(Decision.document_id == row.id).order_by(Decision.id.desc()))
        return _summary(row.host_id, row.status, row.hold_reason, _decision_json(last), duplicate=True)

    case, verdict = decide(liaison, jur, doc, gathered)
    # The blob, the document, its decision and copies, and the commit: on PostgreSQL sent at once, one wait.
    with written_and_committed(db.session):
        values = _document_values(liaison, jur, doc, case, verdict)
        if known is not None:
            doc_id = known
            db.session.execute(update(Document).where(Document.id == doc_id).values(**values))
        elif getattr(jur, "new_document_id", None) is not None:
            doc_id = jur.new_document_id
            db.session.connection().execute(_INSERT_DOCUMENT_WITH_ID,
                                            dict(values, id=doc_id, received_at=values["decided_at"]))
        else:
            doc_id = db.session.connection().execute(_INSERT_DOCUMENT,
                                                     dict(values, received_at=values["decided_at"])).scalar_one()
        before = record(liaison, jur, doc_id, values, verdict, "reissued" if known is not None else "issued",
                        new=known is None, plugin_errors=case.plugin_errors)
        summary = _summary(doc.id, verdict.status, verdict.hold_reason, verdict.as_json())
        summary["consulted_before_issue"], summary["consultation_ids"] = bool(before), before
        answered(summary)   # an inbox event being processed is marked done in this transaction
    if liaison.config["DELIVER_INLINE"] and verdict.status == "routed":
        # Only this document's copies: a backlog (the host's inbox down) is the worker's, not the issuer's wait.
        deliver_due(liaison, limit=50, document_ids=[doc_id])
    return summary


NOT_CONSULTED = "未经事前协商：重大事项签发前未向委员会征求意见，印发后补征求意见"


def _document_values(liaison, jur, doc: IssuedDocument, case: Case, verdict: Verdict) -> dict:
    """The document row's columns for a decided case."""
    facts, max_bytes = case.facts, liaison.config["MAX_UPLOAD_BYTES"]
    resolution = case.issuer
    # The host's values were checked against the columns; what a file says was not: a longer value is kept
    # whole in meta["overlong"] and shortened (with …) in its column, never lost, never a database error.
    overlong = {f: facts[f] for f in _SHORT_COLUMNS if isinstance(facts.get(f), str)
                and len(facts[f]) > _SHORT_COLUMNS[f]}
    short = {f: v[:_SHORT_COLUMNS[f] - 1] + "…" for f, v in overlong.items()}
    return dict(
        jurisdiction_id=jur.id, host_id=doc.id, issuer=short.get("issuer", facts.get("issuer") or ""),
        unit_id=resolution.unit_id if resolution is not None else None, title=short.get("title", facts.get("title")),
        doc_number=short.get("doc_number", facts.get("doc_number")),
        doc_type=short.get("doc_type", facts.get("doc_type")), secrecy=short.get("secrecy", facts.get("secrecy")),
        issued_on=facts.get("issued_on"), url=doc.url, body=facts.get("body"),
        # The copy's frozen file, also when fetched from the host. A file over the upload limit is not
        # kept (the host still has it); it was held as too large.
        file_sha256=(_store_blob(case.data, case.file_sha256)
                     if case.data is not None and len(case.data) <= max_bytes else None),
        meta={"disagreements": case.disagreements, "read_error": case.read_error,
              "file_sha256": case.file_sha256, "file_size": len(case.data) if case.data is not None else None,
              "file_name": doc.file_name, "flags": doc.flags, "format": case.file_format,
              "no_file": case.no_file, "require_file": case.require_file,
              "attachments": [{"name": a["name"], "size": len(a["data"]), **read,
                               "sha256": _store_blob(a["data"]) if len(a["data"]) <= max_bytes else None}
                              for a, read in zip(doc.attachments, case.attachments)],
              "unit": resolution.unit if resolution is not None else None,
              "host": case.host, "file_note": case.file_note, **({"overlong": overlong} if overlong else {}),
              "secrecy_marks": [m.__dict__ for m in case.marks],
              **{f: _plain(facts.get(f)) for f in ("main_recipients", "cc", "note", "secrecy_period", "copy_number")}},
        status=verdict.status, hold_reason=verdict.hold_reason, decided_at=utcnow())


def _plain(v):
    return v.isoformat() if isinstance(v, dt.date) else v


def preview(liaison, document) -> dict:
    """The decision a document would get now, nothing stored (check_before_issue, route --json, rule tester)."""
    doc = IssuedDocument.from_mapping(document)
    jur = liaison.jurisdiction_row(doc.jurisdiction)
    case, verdict = decide(liaison, jur, doc)
    for error in case.plugin_errors:
        record_error(error["hook"], "plugin_error", error["text"], subject=doc.id[:256],
                     detail={"plugin": error["plugin"], "error": error["error"]})
    out = verdict.as_json()
    if case.read_error:
        out["read_error"] = case.read_error
    out["format"] = case.file_format
    out["attachments"] = case.attachments
    out["issuer"] = case.issuer.as_json() if case.issuer is not None else None
    out["facts"] = {k: _plain(v) for k, v in case.facts.items() if k != "body"}
    out["secrecy_marks"] = [m.__dict__ for m in case.marks]
    out["disagreements"] = case.disagreements
    if verdict.status == "not_qualified":   # why not: the rules it almost matched, for an admin to extend
        from .near import near_misses
        from .ruleset import rules_of
        out["near_misses"] = near_misses(rules_of(jur), rule_fields(case.facts), {h.rule_id for h in case.hits})
    return out


def _decision_json(d: Decision | None) -> dict:
    if d is None:
        return {}
    return {"qualified": d.qualified, "committees": d.committees,
            "consultation_committees": d.consultation_committees, "units": d.units, "reasons": d.reasons}


def _columns(row: Document) -> dict:
    return {c.name: getattr(row, c.name) for c in Document.__table__.columns}


def redecide(liaison, row: Document, trigger: str) -> Verdict:
    """Decide an existing document again (after a mapping or with new rules) and record it; caller commits.

    Copies already made stay (a copy cannot be recalled); only missing ones are added.
    """
    return redecide_all(liaison, [row], trigger)[0]


def redecide_all(liaison, rows: list[Document], trigger: str) -> list[Verdict]:
    """``redecide`` for many documents: decided one by one, then their rows updated in one flush and their
    decisions recorded per jurisdiction in one statement a table (``record_all``); caller commits."""
    verdicts, decided = [], {}
    for row in rows:
        jur = db.session.get(Jurisdiction, row.jurisdiction_id)
        case, verdict = decide(liaison, jur, row)
        if case.issuer is not None and case.issuer.unit_id:
            row.unit_id = case.issuer.unit_id
            row.meta = {**(row.meta or {}), "unit": case.issuer.unit}
        row.status, row.hold_reason, row.decided_at = verdict.status, verdict.hold_reason, utcnow()
        verdicts.append(verdict)
        decided.setdefault(jur, []).append((row, verdict, case.plugin_errors))
    db.session.flush()
    for jur, items in decided.items():
        record_all(liaison, jur, [(row.id, _columns(row), verdict, trigger, errors) for row, verdict, errors in items])
    return verdicts


class NotHeld(Exception):
    """The document is no longer held: someone else decided it first."""


class Classified(Exception):
    """A classified (密级) document: it never travels through this system, not even by a person's decision."""

    def __init__(self, level: str):
        self.level = level
        super().__init__(f"这份文件标有密级（{level}），依照保密法不得通过本系统传送，只能选择“不分送”，"
                         f"或登记已通过机要渠道线下传递")


def classified(row: Document) -> str | None:
    """The document's 密级 (the strictest of the host's value and every mark in the file and its attachments)."""
    return level_of(row.secrecy)


def decide_manually(liaison, row: Document, committees: list[str], *, reason: str, user: str) -> Verdict:
    """An administrator decides a held document: copy to ``committees``, or to none; caller commits.

    Raises :class:`Classified` for copies of a classified document (only 不分送 or :func:`record_handover`),
    and :class:`NotHeld` when another person decided it in the meantime (checked in the UPDATE itself).
    """
    level = classified(row)
    if committees and level:
        raise Classified(level)
    verdict = manual_verdict(committees, reason=reason, user=user, previous_hold=row.hold_reason)
    _decide_held(liaison, row, verdict, "manual")
    return verdict


def record_handover(liaison, row: Document, committees: list[str], *, handed_on: dt.date, handed_by: str,
                    reason: str, user: str) -> Verdict:
    """Record that a held classified document went to ``committees`` offline, through 机要 channels; caller commits.

    No copy is made and nothing is offered to the host: the record says who handed it over, when and to whom.
    """
    if not classified(row):
        raise ValueError("只有密级文件才登记线下机要传递；其他文件请用人工分送")
    names = "、".join(committees)
    text = (f"{user} 登记：已于{handed_on.year}年{handed_on.month}月{handed_on.day}日由{handed_by}通过机要渠道"
            f"线下送{names}（本系统未传送文件）：{reason}")
    verdict = Verdict(status="offline", reasons=[
        {"code": "handover", "text": text, "user": user, "reason": reason, "committees": list(committees),
         "handed_on": handed_on.isoformat(), "handed_by": handed_by},
        *([{"code": "manual_hold", "text": f"原暂存原因：{row.hold_reason}"}] if row.hold_reason else [])])
    _decide_held(liaison, row, verdict, "handover")
    return verdict


def _decide_held(liaison, row: Document, verdict: Verdict, trigger: str) -> None:
    jur = db.session.get(Jurisdiction, row.jurisdiction_id)
    done = db.session.execute(update(Document).where(Document.id == row.id, Document.status == "held").values(
        status=verdict.status, hold_reason=None, decided_at=utcnow()))
    if done.rowcount != 1:
        raise NotHeld()
    record(liaison, jur, row.id, _columns(row), verdict, trigger)


def reroute_unmatched(liaison, jurisdiction_code: str | None = None) -> list[str]:
    """Route every document held as unmatched whose issuer now resolves; returns their host ids."""
    with liaison.context():
        jur = liaison.jurisdiction(jurisdiction_code)
        resolver = liaison.resolver(jur)
        routed = []
        for row in db.session.scalars(select(Document).where(Document.jurisdiction_id == jur.id,
                                                             Document.status == "unmatched")).all():
            if resolver.resolve(row.issuer).resolved:
                redecide(liaison, row, "remapped")
                routed.append(row.host_id)
        db.session.commit()
    if routed and liaison.config["DELIVER_INLINE"]:
        deliver_due(liaison)
    return routed
