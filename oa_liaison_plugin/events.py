"""What the host sends with an event, checked field by field (IssuedDocument and friends)."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, fields
from typing import Any, Mapping

from .errors import InputError
from .models import Committee, Document, Jurisdiction, Meeting, Submission, UnitName, max_length

FLAGS = ("major", "important", "npc")
# A committee's submission kinds (三(四)) and the codes drafts and the host may use for them.
SUBMISSION_KINDS = {"提案": "proposal", "调研报告": "report", "建言献策": "suggestion", "社情民意": "sentiment"}
NAME_SEPARATORS = re.compile(r"[、，,；;\n]+")
# Where each host field is stored, so its accepted length is the column's (a wider value would fail
# the insert on PostgreSQL; SQLite never enforces widths). Names are resolved against UnitName.name.
DOCUMENT_COLUMNS = {"id": Document.host_id, "issuer": Document.issuer, "jurisdiction": Jurisdiction.code,
                    "title": Document.title, "doc_number": Document.doc_number, "doc_type": Document.doc_type,
                    "secrecy": Document.secrecy, "url": Document.url, "body": Document.body, "name": UnitName.name}
SUBMISSION_COLUMNS = {"id": Submission.host_id, "jurisdiction": Jurisdiction.code, "committee": Committee.name,
                      "unit": Submission.unit_name, "kind": Submission.kind, "title": Submission.title,
                      "number": Submission.number}
MEETING_COLUMNS = {"id": Meeting.host_id, "jurisdiction": Jurisdiction.code, "unit": UnitName.name,
                   "title": Meeting.title}
# Kept in the document's meta (JSON), not a column of their own.
META_LIMITS = {"secrecy_period": 64, "copy_number": 32, "note": 1000, "file_name": 256, "attachment": 256}
LABELS = {"id": "编号", "issuer": "发文单位", "jurisdiction": "行政区", "title": "标题", "doc_number": "发文字号",
          "doc_type": "文种", "secrecy": "密级", "secrecy_period": "保密期限", "copy_number": "份号", "note": "附注",
          "url": "链接", "file_name": "文件名", "committee": "委员会", "unit": "单位", "kind": "类别",
          "number": "编号"}


# The name host adapters and site hooks have imported: a host event's bad field is bad input like any other.
EventInputError = InputError


def _limit(name: str) -> int | None:
    return max_length(DOCUMENT_COLUMNS[name]) if name in DOCUMENT_COLUMNS else META_LIMITS[name]


def check_lengths(data: Mapping, columns: Mapping) -> None:
    """Refuse a text field longer than its column (InputError naming the field)."""
    for name, column in columns.items():
        value = data.get(name)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            _fits(str(value), name, max_length(column))


def _fits(value: str, name: str, limit: int | None) -> None:
    if limit is not None and len(value) > limit:
        label = LABELS.get(name.split("[")[0], "")
        raise InputError(name, f"{label}过长（{len(value)} 字符，上限 {limit}）")


def _text(value: Any, name: str, *, limit: int | None, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InputError(name, "不能为空")
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise InputError(name, f"应为文本，实际为 {type(value).__name__}")
    value = value.strip()
    _fits(value, name, limit)
    return value


def _names(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = NAME_SEPARATORS.split(value)
    if not isinstance(value, (list, tuple)):
        raise InputError(name, f"应为名称列表，实际为 {type(value).__name__}")
    out = []
    for i, v in enumerate(value):
        v = _text(v, f"{name}[{i}]", limit=_limit("name"))
        if v:
            out.append(v.rstrip("：:。"))
    return out


FIRST_YEAR, LAST_YEAR = 1900, 9998   # the dates any input may give (the panel's queries take the same)


def _date(value: Any, name: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        day = dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InputError(name, f"日期应为 YYYY-MM-DD，实际为 {value!r}") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:   # deadlines are counted months ahead: year 10000 does not exist
        raise InputError(name, f"日期应在 {FIRST_YEAR}–{LAST_YEAR} 年之间，实际为 {value!r}")
    return day


@dataclass
class IssuedDocument:
    """An issued document as the host describes it; host fields win over what the file says."""
    id: str
    issuer: str | None = None
    jurisdiction: str | None = None
    title: str | None = None
    doc_number: str | None = None
    doc_type: str | None = None
    main_recipients: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    secrecy: str | None = None
    secrecy_period: str | None = None
    copy_number: str | None = None
    note: str | None = None
    body: str | None = None
    issued_on: dt.date | None = None
    file: bytes | None = None
    file_name: str | None = None
    attachments: list[dict] = field(default_factory=list)
    url: str | None = None
    flags: dict = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, data: Mapping | "IssuedDocument") -> "IssuedDocument":
        if isinstance(data, IssuedDocument):
            return data
        if not isinstance(data, Mapping):
            raise InputError("document", f"应为对象（mapping），实际为 {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(unknown[0], "未知字段")
        file = data.get("file")
        if file is not None and not isinstance(file, (bytes, bytearray)):
            raise InputError("file", f"应为文件内容（bytes），实际为 {type(file).__name__}")
        attachments = []
        for i, a in enumerate(data.get("attachments") or []):
            if not isinstance(a, Mapping) or not isinstance(a.get("data"), (bytes, bytearray)):
                raise InputError(f"attachments[{i}]", "应为 {name, data(bytes)}")
            attachments.append({"name": _text(a.get("name"), f"attachments[{i}].name", required=True,
                                              limit=_limit("attachment")), "data": bytes(a["data"])})
        flags = data.get("flags") or {}
        if not isinstance(flags, Mapping) or any(k not in FLAGS for k in flags):
            raise InputError("flags", f"只能含 {', '.join(FLAGS)}")
        return cls(
            id=_text(data.get("id"), "id", limit=_limit("id"), required=True),
            issuer=_text(data.get("issuer"), "issuer", limit=_limit("issuer")),
            jurisdiction=_text(data.get("jurisdiction"), "jurisdiction", limit=_limit("jurisdiction")),
            title=_text(data.get("title"), "title", limit=_limit("title")),
            doc_number=_text(data.get("doc_number"), "doc_number", limit=_limit("doc_number")),
            doc_type=_text(data.get("doc_type"), "doc_type", limit=_limit("doc_type")),
            main_recipients=_names(data.get("main_recipients"), "main_recipients"),
            cc=_names(data.get("cc"), "cc"),
            secrecy=_text(data.get("secrecy"), "secrecy", limit=_limit("secrecy")),
            secrecy_period=_text(data.get("secrecy_period"), "secrecy_period", limit=_limit("secrecy_period")),
            copy_number=_text(data.get("copy_number"), "copy_number", limit=_limit("copy_number")),
            note=_text(data.get("note"), "note", limit=_limit("note")),
            body=data.get("body") if isinstance(data.get("body"), str) else _text(data.get("body"), "body",
                                                                                 limit=_limit("body")),
            issued_on=_date(data.get("issued_on"), "issued_on"),
            file=bytes(file) if file is not None else None,
            file_name=_text(data.get("file_name"), "file_name", limit=_limit("file_name")),
            attachments=attachments,
            url=_text(data.get("url"), "url", limit=_limit("url")),
            flags={k: bool(v) for k, v in flags.items()},
        )
