"""The hot path: issued document -> read -> resolve -> qualify -> one transaction -> deliver after commit."""
from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..delivery import deliver_due, record_error
from ..documents.read import DocumentReadError, read_docx
from ..events import EventInputError, IssuedDocument
from ..models import (Blob, Committee, Consultation, Copy, Counterpart, Decision, Document, Jurisdiction, Unit,
                      db, utcnow)
from .normalize import normalize
from .qualify import Verdict, qualify

# Facts the host may give and the file may say; the host's value wins, a disagreement is recorded.
FACT_FIELDS = ("issuer", "title", "doc_number", "doc_type", "main_recipients", "cc", "secrecy",
               "secrecy_period", "copy_number", "note", "issued_on")
FINAL = ("routed", "not_qualified", "held")

# Core statements on the tables, built once: on the hot path the ORM's bulk-insert machinery and
# building statements per call cost several times what SQLite spends writing the rows.
_INSERT = {model: insert(model.__table__) for model in (Decision, Copy, Consultation)}
_INSERT_DOCUMENT = insert(Document.__table__).returning(Document.__table__.c.id)
_INSERT_BLOB = {name: dialect_insert(Blob.__table__).on_conflict_do_nothing()
                for name, dialect_insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))}


def _summary(host_id: str, status: str, hold_reason: str | None, verdict: dict, *, duplicate: bool = False) -> dict:
    return {"document_id": host_id, "status": status, "qualified": verdict.get("qualified", False),
            "held": status in ("held", "unmatched"), "hold_reason": hold_reason,
            "committees": verdict.get("committees", []),
            "consultation_committees": verdict.get("consultation_committees", []),
            "units": verdict.get("units", []), "reasons": verdict.get("reasons", []), "duplicate": duplicate}


def gather(liaison, doc: IssuedDocument) -> tuple[dict, dict, bytes | None]:
    """Read the file (given, or fetched from the host) and merge with the host's metadata: (facts, meta, file)."""
    meta: dict = {"disagreements": {}, "read_error": None}
    file_facts: dict = {}
    data = doc.file
    if data is None and not doc.body:
        data = liaison.pm.hook.fetch_document_file(liaison=liaison, document_id=doc.id)
    if data is not None:
        meta["file_sha256"] = hashlib.sha256(data).hexdigest()
        meta["file_size"] = len(data)
        try:
            read = read_docx(data, max_bytes=liaison.config["MAX_UPLOAD_BYTES"])
            file_facts = {f: getattr(read, f) for f in (*FACT_FIELDS, "body", "attachments")}
        except DocumentReadError as exc:
            meta["read_error"] = {"code": exc.code, "message": exc.message}
    facts: dict = {}
    for f in FACT_FIELDS:
        given, found = getattr(doc, f), file_facts.get(f)
        facts[f] = given if given not in (None, [], "") else found
        if given not in (None, [], "") and found not in (None, [], "") and _differs(given, found):
            meta["disagreements"][f] = {"host": _plain(given), "file": _plain(found)}
    facts["body"] = doc.body if doc.body else file_facts.get("body") or ""
    facts["attachment_names"] = [a["name"] for a in doc.attachments] or list(file_facts.get("attachments") or [])
    return facts, meta, data


def _plain(v):
    return v.isoformat() if isinstance(v, dt.date) else v


def _differs(a, b) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        return [normalize(x) for x in a or []] != [normalize(x) for x in b or []]
    if isinstance(a, str) and isinstance(b, str):
        return normalize(a).replace(" ", "") != normalize(b).replace(" ", "")
    return a != b


def decide(liaison, jur: Jurisdiction, facts: dict, flags: dict, document=None) -> tuple[Verdict, object]:
    """Resolve the issuer and qualify, without writing anything (used by the hook, dry runs and backfill)."""
    resolver = liaison.resolver(jur)
    issuer_name = facts.get("issuer") or ""
    issuer_committee = resolver.committee(issuer_name) if issuer_name else None
    resolution = resolver.resolve(issuer_name) if issuer_name and not issuer_committee else None
    fields = {"title": facts.get("title") or "", "body": facts.get("body") or "",
              "doc_type": facts.get("doc_type") or "", "issuer": issuer_name,
              "recipients": [*(facts.get("main_recipients") or []), *(facts.get("cc") or [])]}
    ruleset = liaison.ruleset(jur)
    hits = ruleset.evaluate(fields)
    signals = []
    if document is not None:
        try:
            for group in liaison.pm.hook.qualification_signals(liaison=liaison, document=document, facts=facts):
                signals.extend(group or [])
        except Exception as exc:
            signals.append({"action": "note", "reason": f"插件 qualification_signals 出错：{exc}"})
    known = set(resolver.committee_ids)

    def extra(committees):
        if document is None:
            return []
        out = []
        for group in liaison.pm.hook.extra_recipients(liaison=liaison, document=document,
                                                      committees=tuple(committees)):
            out.extend(group or [])
        return out

    def committee_units(name):
        return db.session.scalars(select(Unit.name).join(Counterpart, Counterpart.unit_id == Unit.id)
                                  .join(Committee, Committee.id == Counterpart.committee_id)
                                  .where(Committee.jurisdiction_id == jur.id, Committee.name == name,
                                         Unit.parent_id.is_(None)).order_by(Unit.position)).all()

    verdict = qualify(facts, issuer=resolution, flags=flags, hits=hits, signals=signals,
                      issuer_committee=issuer_committee, committee_units=committee_units,
                      extra_recipients=extra, known_committees=known)
    for w in getattr(hits, "warnings", ()):
        verdict.reasons.append({"code": "rule_warning", "text": str(w)})
    return verdict, resolution


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


def record(liaison, jur, doc_id: int, doc: dict, verdict: Verdict, trigger: str, *, new: bool = False) -> None:
    """Insert the decision, its copies and consultations for a document (bulk; the caller commits once).

    ``doc`` holds the document's columns (for the copies' snapshot); ``new`` says it has just been
    created, so it cannot have copies or consultations yet (saves two queries on the hot path).
    """
    conn = db.session.connection()
    conn.execute(_INSERT[Decision], [dict(
        document_id=doc_id, trigger=trigger, qualified=verdict.qualified, held=verdict.held,
        hold_reason=verdict.hold_reason, committees=verdict.committees, units=verdict.units,
        consultation_committees=verdict.consultation_committees, reasons=verdict.reasons,
        rules_version=jur.rules_version, created_at=utcnow())])
    if verdict.status != "routed":
        return
    committee_ids = liaison.resolver(jur).committee_ids
    existing = set() if new else set(db.session.execute(
        select(Copy.committee_id, Copy.unit_id).where(Copy.document_id == doc_id)))
    meta = doc.get("meta") or {}
    issued_on = doc.get("issued_on")
    snapshot = {"host_id": doc["host_id"], "title": doc.get("title"), "doc_number": doc.get("doc_number"),
                "issuer": doc.get("issuer"), "unit": meta.get("unit"), "doc_type": doc.get("doc_type"),
                "issued_on": issued_on.isoformat() if issued_on else None, "url": doc.get("url"),
                "file_sha256": doc.get("file_sha256"), "file_name": meta.get("file_name"),
                "attachments": meta.get("attachments", []),
                "main_recipients": meta.get("main_recipients", []), "cc": meta.get("cc", [])}
    now = utcnow()
    copies = []
    for name in verdict.committees:
        if (committee_ids[name], None) not in existing:
            copies.append(dict(committee_id=committee_ids[name], unit_id=None,
                               reasons=[r for r in verdict.reasons if r.get("committee") in (None, name)]))
    if verdict.units:
        units = dict(db.session.execute(select(Unit.name, Unit.id).where(Unit.jurisdiction_id == jur.id,
                                                                           Unit.name.in_(verdict.units))).all())
        copies += [dict(committee_id=None, unit_id=units[n], reasons=verdict.reasons[:1])
                   for n in verdict.units if n in units and (None, units[n]) not in existing]
    if copies:
        conn.execute(_INSERT[Copy], [dict(c, document_id=doc_id, status="pending", snapshot=snapshot, attempts=0,
                                          next_attempt_at=now, created_at=now) for c in copies])
    if verdict.consultation_committees:
        due = (issued_on or dt.date.today()) + dt.timedelta(days=int(liaison.config["CONSULTATION_DAYS"]))
        have = set() if new else set(db.session.scalars(
            select(Consultation.committee_id).where(Consultation.document_id == doc_id)))
        rows = [dict(document_id=doc_id, committee_id=committee_ids[n], due_on=due, status="open", created_at=now)
                for n in verdict.consultation_committees if committee_ids[n] not in have]
        if rows:
            conn.execute(_INSERT[Consultation], rows)


def route_document(liaison, document) -> dict:
    """The built-in document_issued: decide and commit before returning, then offer copies to the host."""
    try:
        doc = IssuedDocument.from_mapping(document)
    except EventInputError as exc:
        subject = str(document.get("id"))[:128] if isinstance(document, dict) else None
        record_error("document_issued", "bad_event", str(exc), subject=subject)
        return {"document_id": subject, "status": "error", "error": str(exc), "held": False, "qualified": False,
                "hold_reason": None, "committees": [], "consultation_committees": [], "units": [],
                "duplicate": False}
    jur = liaison.jurisdiction_row(doc.jurisdiction, host_id=doc.id)
    known = jur.document_id
    if known is not None and jur.document_status in FINAL:
        row = db.session.get(Document, known)
        last = db.session.scalar(select(Decision).where(Decision.document_id == row.id).order_by(Decision.id.desc()))
        return _summary(row.host_id, row.status, row.hold_reason, _decision_json(last), duplicate=True)

    facts, meta, data = gather(liaison, doc)
    verdict, resolution = decide(liaison, jur, facts, doc.flags, document)
    if meta["read_error"] and not verdict.held:
        # An unreadable file may hide a 密级 mark: a person looks at it first.
        text = f"文件无法读取（{meta['read_error']['message']}），须人工核对后再分送"
        verdict = Verdict(status="held", held=True, hold_reason=text,
                          reasons=[{"code": "read_error", "text": text}, *verdict.reasons])
    max_bytes = liaison.config["MAX_UPLOAD_BYTES"]
    values = dict(
        jurisdiction_id=jur.id, host_id=doc.id, issuer=(facts.get("issuer") or "")[:256],
        unit_id=resolution.unit_id if resolution is not None else None, title=facts.get("title"),
        doc_number=facts.get("doc_number"), doc_type=facts.get("doc_type"), secrecy=facts.get("secrecy"),
        issued_on=facts.get("issued_on"), url=doc.url, body=facts.get("body"),
        # The copy's frozen file, also when fetched from the host. A file over the upload limit is not
        # kept (the host still has it); it was held as too large.
        file_sha256=_store_blob(data, meta["file_sha256"]) if data is not None and len(data) <= max_bytes else None,
        meta={**meta, "file_name": doc.file_name, "flags": doc.flags,
              "attachments": [{"name": a["name"], "size": len(a["data"]),
                               "sha256": _store_blob(a["data"]) if len(a["data"]) <= max_bytes else None}
                              for a in doc.attachments],
              "unit": resolution.unit if resolution is not None else None,
              **{f: _plain(facts.get(f)) for f in ("main_recipients", "cc", "note", "secrecy_period", "copy_number")}},
        status=verdict.status, hold_reason=verdict.hold_reason, decided_at=utcnow())
    if known is None:
        doc_id = db.session.connection().execute(_INSERT_DOCUMENT,
                                                 dict(values, received_at=values["decided_at"])).scalar_one()
    else:
        doc_id = known
        db.session.execute(update(Document).where(Document.id == doc_id).values(**values))
    record(liaison, jur, doc_id, values, verdict, "reissued" if known is not None else "issued", new=known is None)
    db.session.commit()
    if liaison.config["DELIVER_INLINE"] and verdict.status == "routed":
        # Only this document's copies: a backlog (the host's inbox down) is the worker's, not the issuer's wait.
        deliver_due(liaison, limit=50, document_ids=[doc_id])
    return _summary(doc.id, verdict.status, verdict.hold_reason, verdict.as_json())


def _decision_json(d: Decision | None) -> dict:
    if d is None:
        return {}
    return {"qualified": d.qualified, "committees": d.committees,
            "consultation_committees": d.consultation_committees, "units": d.units, "reasons": d.reasons}


def stored_facts(row: Document) -> dict:
    """The facts of an already recorded document, for re-deciding without its file."""
    meta = row.meta or {}
    return {"issuer": row.issuer, "title": row.title, "doc_number": row.doc_number, "doc_type": row.doc_type,
            "secrecy": row.secrecy, "issued_on": row.issued_on, "body": row.body or "",
            "main_recipients": meta.get("main_recipients", []), "cc": meta.get("cc", []),
            "note": meta.get("note"), "secrecy_period": meta.get("secrecy_period"),
            "copy_number": meta.get("copy_number")}


def redecide(liaison, row: Document, trigger: str) -> Verdict:
    """Decide an existing document again (after a mapping or with new rules) and record it; caller commits.

    Copies already made stay (a copy cannot be recalled); only missing ones are added.
    """
    jur = db.session.get(Jurisdiction, row.jurisdiction_id)
    verdict, resolution = decide(liaison, jur, stored_facts(row), (row.meta or {}).get("flags", {}))
    if (row.meta or {}).get("read_error") and not verdict.held:
        text = f"文件无法读取（{row.meta['read_error']['message']}），须人工核对后再分送"
        verdict = Verdict(status="held", held=True, hold_reason=text, reasons=[{"code": "read_error", "text": text}])
    if resolution is not None and resolution.unit_id:
        row.unit_id = resolution.unit_id
        row.meta = {**(row.meta or {}), "unit": resolution.unit}
    row.status, row.hold_reason, row.decided_at = verdict.status, verdict.hold_reason, utcnow()
    db.session.flush()
    record(liaison, jur, row.id, {c.name: getattr(row, c.name) for c in Document.__table__.columns}, verdict, trigger)
    return verdict


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
