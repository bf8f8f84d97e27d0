"""The one decision path: gather everything a decision needs (a Case), then qualify it (pure).

Every way a document is decided — issuing, the pre-issue check and the rule tester, re-deciding after
a name is mapped, backfill, an event arriving over HTTP — calls :func:`decide`; the result is saved by
:func:`oa_liaison_plugin.decision.route.record`. An administrator's decision is the one exception to
qualification (a person overrules the rules) and is saved through the same ``record``.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ..documents.formats import detect, read_any
from ..documents.read import DocumentFacts, DocumentReadError, _doc_type as doc_type_of_title
from ..documents.secrecy import Mark, find_marks, level_of, name_marks, restricting_note, strictest
from ..events import IssuedDocument
from ..models import Committee, Counterpart, Document, Unit, db
from .normalize import normalize
from .qualify import Verdict, qualify

# Facts the host may give and the file may say: the host's value wins (a disagreement is recorded),
# except for secrecy and 附注, where the stricter of the two wins (see qualify.holds).
FACT_FIELDS = ("issuer", "title", "doc_number", "doc_type", "main_recipients", "cc", "secrecy",
               "secrecy_period", "copy_number", "note", "issued_on")
LIST_FACTS = ("main_recipients", "cc")


@dataclass
class Case:
    """Everything one decision is made from, gathered up front; :func:`qualify` reads nothing else."""
    host_id: str
    facts: dict                      # merged facts; ``secrecy`` is the strictest of the host's and the file's
    flags: dict
    document: dict                   # what plugins see: the host's fields, gaps filled from the file
    host: dict = field(default_factory=dict)       # the host's own secrecy, secrecy_period, note (None: not given)
    marks: list[Mark] = field(default_factory=list)  # every 密级 mark in the file or the host's text
    file_note: str | None = None
    read_error: dict | None = None   # {"code", "message"} when the file could not be read
    disagreements: dict = field(default_factory=dict)
    issuer: Any = None               # a Resolution, None when the issuer is a committee or not given
    issuer_committee: str | None = None
    hits: list = field(default_factory=list)
    signals: list[dict] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    committee_units: list[str] = field(default_factory=list)
    known_committees: frozenset = frozenset()
    plugin_errors: list[dict] = field(default_factory=list)
    data: bytes | None = None        # the file's bytes (given or fetched), kept with the copies
    file_sha256: str | None = None
    file_format: str | None = None   # the main file's format, from its bytes (documents/formats.py)
    # One entry per attachment: {"name", "label" (附件1《名单》), "format", "error": {"code", "message"} or None}
    attachments: list[dict] = field(default_factory=list)
    no_file: bool = False            # metadata only: no file was given or fetched
    require_file: bool = False       # hold a metadata-only document (REQUIRE_FILE, or the host's own setting)


# The HTTP host's own REQUIRE_FILE for the event being processed (None: the setting's value).
host_requires_file: contextvars.ContextVar[bool | None] = contextvars.ContextVar("host_requires_file", default=None)


def decide(liaison, jur, source: IssuedDocument | Document, gathered: Case | None = None) -> tuple[Case, Verdict]:
    """Gather (an issued document, or one already recorded) and qualify; writes nothing. ``gathered``: the
    issued document's files already read by :func:`gather`."""
    case = gathered or (gather(liaison, source) if isinstance(source, IssuedDocument) else _from_stored(source))
    _complete(liaison, jur, case)
    return case, qualify(case)


def gathers_without_database(doc: IssuedDocument) -> bool:
    """Whether :func:`gather` reads only what the host sent (no plugin asked for the file, no database)."""
    return doc.file is not None or bool(doc.body)


def gather(liaison, doc: IssuedDocument) -> Case:
    """An issued document's facts from the host and from its files (read here), before any jurisdiction's data."""
    errors: list[dict] = []
    data = doc.file
    if data is None and not doc.body:
        fetched = liaison.call("fetch_document_file", record=False, document_id=doc.id)
        errors += fetched.errors
        data = fetched.first()
        if data is not None and not isinstance(data, (bytes, bytearray)):
            errors.append({"hook": "fetch_document_file", "plugin": fetched.results[0][0],
                           "error": f"returned {type(data).__name__}",
                           "text": f"插件 {fetched.results[0][0]} 的 fetch_document_file 返回的不是文件内容"})
            data = None
    read, read_error, sha, fmt = None, None, None, None
    max_bytes = liaison.config["MAX_UPLOAD_BYTES"]
    if data is not None:
        data = bytes(data)
        sha = hashlib.sha256(data).hexdigest()
        read, read_error, fmt = read_file(data, doc.file_name, max_bytes)
    found = {f: getattr(read, f) for f in FACT_FIELDS} if read is not None else {}
    facts, disagreements = {}, {}
    for f in FACT_FIELDS:
        given, seen = getattr(doc, f), found.get(f)
        facts[f] = given if given not in (None, [], "") else seen
        if facts[f] is None and f in LIST_FACTS:
            facts[f] = []   # stored, copied and answered as []: a list is never null
        if given not in (None, [], "") and seen not in (None, [], "") and _differs(given, seen):
            disagreements[f] = {"host": _plain(given), "file": _plain(seen)}
    if not facts["doc_type"] and facts["title"]:   # a host giving only the title still names its 文种
        facts["doc_type"] = doc_type_of_title(facts["title"])
    facts["body"] = doc.body if doc.body else (read.body if read is not None else "")
    facts["attachment_names"] = [a["name"] for a in doc.attachments] or list(read.attachments if read else [])
    marks = (list(read.secrecy_marks) if read is not None else []) + \
        find_marks([facts["title"] or "", facts["copy_number"] or ""], "title") + name_marks(doc.file_name, "正文文件")
    if doc.body:
        marks += find_marks(doc.body.split("\n"), "body")
    attachments, notes = [], []
    for i, a in enumerate(doc.attachments, 1):
        entry, attachment_marks, note = read_attachment(i, a["name"], a["data"], max_bytes)
        attachments.append(entry)
        marks += attachment_marks
        notes += [note] if note else []
    host = {"secrecy": doc.secrecy, "secrecy_period": doc.secrecy_period, "note": doc.note}
    _strictest_secrecy(facts, host, marks)
    document = {"id": doc.id, **{f: _plain(facts[f]) for f in FACT_FIELDS}, "jurisdiction": doc.jurisdiction,
                "body": facts["body"], "file": data, "file_name": doc.file_name, "url": doc.url,
                "attachments": doc.attachments, "flags": dict(doc.flags)}
    required = host_requires_file.get()
    return Case(host_id=doc.id, facts=facts, flags=dict(doc.flags), document=document, host=host, marks=marks,
                file_note=found.get("note") or next(iter(notes), None), read_error=read_error,
                disagreements=disagreements, plugin_errors=errors, data=data, file_sha256=sha, file_format=fmt,
                attachments=attachments, no_file=data is None,
                require_file=bool(liaison.config["REQUIRE_FILE"] if required is None else required))


def read_file(data: bytes, name: str | None, max_bytes: int) -> tuple[DocumentFacts | None, dict | None, str]:
    """A file in any format read for the decision: (facts, None, format) or (None, read error, format)."""
    try:
        facts = read_any(data, name=name, max_bytes=max_bytes)
        return facts, None, facts.format
    except DocumentReadError as exc:
        fmt = exc.format or detect(data, name).code   # too large to read: said before the format was looked at
        return None, {"code": exc.code, "message": exc.message, "format": fmt}, fmt


def attachment_label(number: int, name: str | None) -> str:
    """附件1《参会人员名单》: how a reason names an attachment (its name without the extension)."""
    stem = (name or "").strip()
    head, dot, ext = stem.rpartition(".")
    if dot and head and 1 <= len(ext) <= 5 and ext.isascii() and ext.isalnum():
        stem = head
    stem = _NUMBERED.sub("", stem) or stem   # "附件1 名单" is 附件1《名单》, not 附件1《附件1 名单》
    return f"附件{number}《{stem[:60]}》" if stem else f"附件{number}"


_NUMBERED = re.compile(r"^附件\s*[0-9０-９一二三四五六七八九十]*\s*[:：、.．\-_　 ]*")


def read_attachment(number: int, name: str | None, data: bytes, max_bytes: int) -> tuple[dict, list[Mark], str | None]:
    """One attachment read like the main file: its entry, its marks (in the file and in its name, each naming
    the attachment), and a restricting 附注 it carries."""
    label = attachment_label(number, name)
    read, error, fmt = read_file(data, name, max_bytes)
    marks = [Mark(m.level, m.period, m.text, m.where, label) for m in (read.secrecy_marks if read else [])]
    note = read.note if read is not None and restricting_note(read.note) else None
    return ({"name": name, "label": label, "format": fmt, "error": error},
            marks + name_marks(name, label), note)


def _strictest_secrecy(facts: dict, host: dict, marks: list[Mark]) -> None:
    """Stricter wins: the recorded 密级 is the most restrictive of the host's value and every mark."""
    level = strictest([level_of(host.get("secrecy")), *(m.level for m in marks)])
    facts["secrecy"] = level
    mark = next((m for m in marks if m.level == level), None)
    if level is not None and level == level_of(host.get("secrecy")):
        facts["secrecy_period"] = host.get("secrecy_period") or (mark.period if mark else None)
    elif mark is not None:
        facts["secrecy_period"] = mark.period
    else:
        facts["secrecy_period"] = None


def stored_facts(row: Document) -> dict:
    """The facts of an already recorded document, for re-deciding without its file."""
    meta = row.meta or {}
    return {"issuer": row.issuer, "title": row.title, "doc_number": row.doc_number, "doc_type": row.doc_type,
            "secrecy": row.secrecy, "issued_on": row.issued_on, "body": row.body or "",
            "main_recipients": meta.get("main_recipients") or [], "cc": meta.get("cc") or [],
            "note": meta.get("note"), "secrecy_period": meta.get("secrecy_period"),
            "copy_number": meta.get("copy_number"),
            "attachment_names": [a.get("name") for a in meta.get("attachments", [])]}


def _from_stored(row: Document) -> Case:
    meta = row.meta or {}
    facts = stored_facts(row)
    marks = [Mark(**m) for m in meta.get("secrecy_marks", [])]
    if level_of(row.secrecy) and not any(m.level == level_of(row.secrecy) for m in marks):
        marks.append(Mark(level_of(row.secrecy), facts["secrecy_period"], row.secrecy, "stored"))
    flags = dict(meta.get("flags") or {})
    document = {"id": row.host_id, **{f: _plain(facts[f]) for f in FACT_FIELDS}, "body": facts["body"],
                "file": None, "file_name": meta.get("file_name"), "url": row.url, "attachments": [], "flags": flags}
    return Case(host_id=row.host_id, facts=facts, flags=flags, document=document, host=meta.get("host") or {},
                marks=marks, file_note=meta.get("file_note"), read_error=meta.get("read_error"),
                disagreements=meta.get("disagreements") or {}, file_sha256=row.file_sha256,
                file_format=meta.get("format"), attachments=meta.get("attachments") or [],
                no_file=bool(meta.get("no_file")), require_file=bool(meta.get("require_file")))


def _complete(liaison, jur, case: Case) -> None:
    """Issuer resolution, rule hits, plugin signals and extra recipients, all before qualifying."""
    facts = case.facts
    resolver = liaison.resolver(jur)
    name = facts.get("issuer") or ""
    case.issuer_committee = resolver.committee(name) if name else None
    case.issuer = resolver.resolve(name) if name and not case.issuer_committee else None
    case.known_committees = frozenset(resolver.committee_ids)
    case.hits = liaison.ruleset(jur).evaluate(rule_fields(facts))
    plugin_facts = {k: v for k, v in facts.items()}
    signals = liaison.call("qualification_signals", record=False, document=case.document, facts=plugin_facts)
    case.plugin_errors += signals.errors
    for plugin, group in signals.results:
        if not isinstance(group, (list, tuple)) or not all(isinstance(s, dict) for s in group):
            case.plugin_errors.append(_bad_result("qualification_signals", plugin, "应返回 {action, reason} 的列表"))
            continue
        case.signals.extend(dict(s) for s in group)
    if case.issuer_committee:
        case.committee_units = list(db.session.scalars(
            select(Unit.name).join(Counterpart, Counterpart.unit_id == Unit.id)
            .join(Committee, Committee.id == Counterpart.committee_id)
            .where(Committee.jurisdiction_id == jur.id, Committee.name == case.issuer_committee,
                   Unit.parent_id.is_(None)).order_by(Unit.position)))
    elif case.issuer is not None and case.issuer.resolved:
        chosen = list(dict.fromkeys([*(case.issuer.committees or [case.issuer.committee]),
                                     *(h.committee for h in case.hits if h.action == "committee" and h.committee)]))
        extra = liaison.call("extra_recipients", record=False, document=case.document,
                             committees=tuple(chosen), facts=plugin_facts)
        case.plugin_errors += extra.errors
        for plugin, names in extra.results:
            if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
                case.plugin_errors.append(_bad_result("extra_recipients", plugin, "应返回委员会名称的列表"))
                continue
            case.extra.extend(names)


def rule_fields(facts: dict) -> dict:
    """The fields content rules read, from a document's facts."""
    return {"title": facts.get("title") or "", "body": facts.get("body") or "", "doc_type": facts.get("doc_type") or "",
            "issuer": facts.get("issuer") or "",
            "recipients": [*(facts.get("main_recipients") or []), *(facts.get("cc") or [])]}


def _bad_result(hook: str, plugin: str, what: str) -> dict:
    return {"hook": hook, "plugin": plugin, "error": "bad result", "text": f"插件 {plugin} 的 {hook} 结果无效：{what}"}


def _plain(v):
    return v.isoformat() if isinstance(v, dt.date) else v


def _differs(a, b) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        return [normalize(x) for x in a or []] != [normalize(x) for x in b or []]
    if isinstance(a, str) and isinstance(b, str):
        return normalize(a).replace(" ", "") != normalize(b).replace(" ", "")
    return a != b
