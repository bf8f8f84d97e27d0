"""What the host sends with an event, checked field by field (IssuedDocument and friends)."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, fields
from typing import Any, Mapping

FLAGS = ("major", "important", "npc")
# A committee's submission kinds (三(四)) and the codes drafts and the host may use for them.
SUBMISSION_KINDS = {"提案": "proposal", "调研报告": "report", "建言献策": "suggestion", "社情民意": "sentiment"}
_SPLIT = re.compile(r"[、，,；;\n]+")


class EventInputError(ValueError):
    """A host event with a missing or malformed field; ``field`` names it."""

    def __init__(self, field_name: str, message: str):
        self.field = field_name
        super().__init__(f"字段 {field_name}：{message}")


def _text(value: Any, name: str, *, limit: int = 512, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise EventInputError(name, "不能为空")
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise EventInputError(name, f"应为文本，实际为 {type(value).__name__}")
    value = value.strip()
    if len(value) > limit:
        raise EventInputError(name, f"过长（{len(value)} 字符，上限 {limit}）")
    return value


def _names(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = _SPLIT.split(value)
    if not isinstance(value, (list, tuple)):
        raise EventInputError(name, f"应为名称列表，实际为 {type(value).__name__}")
    out = []
    for i, v in enumerate(value):
        v = _text(v, f"{name}[{i}]", limit=256)
        if v:
            out.append(v.rstrip("：:。"))
    return out


def _date(value: Any, name: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise EventInputError(name, f"日期应为 YYYY-MM-DD，实际为 {value!r}") from None


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
            raise EventInputError("document", f"应为对象（mapping），实际为 {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise EventInputError(unknown[0], "未知字段")
        file = data.get("file")
        if file is not None and not isinstance(file, (bytes, bytearray)):
            raise EventInputError("file", f"应为文件内容（bytes），实际为 {type(file).__name__}")
        attachments = []
        for i, a in enumerate(data.get("attachments") or []):
            if not isinstance(a, Mapping) or not isinstance(a.get("data"), (bytes, bytearray)):
                raise EventInputError(f"attachments[{i}]", "应为 {name, data(bytes)}")
            attachments.append({"name": _text(a.get("name"), f"attachments[{i}].name", required=True,
                                              limit=256), "data": bytes(a["data"])})
        flags = data.get("flags") or {}
        if not isinstance(flags, Mapping) or any(k not in FLAGS for k in flags):
            raise EventInputError("flags", f"只能含 {', '.join(FLAGS)}")
        return cls(
            id=_text(data.get("id"), "id", limit=128, required=True),
            issuer=_text(data.get("issuer"), "issuer", limit=256),
            jurisdiction=_text(data.get("jurisdiction"), "jurisdiction", limit=64),
            title=_text(data.get("title"), "title"),
            doc_number=_text(data.get("doc_number"), "doc_number", limit=128),
            doc_type=_text(data.get("doc_type"), "doc_type", limit=16),
            main_recipients=_names(data.get("main_recipients"), "main_recipients"),
            cc=_names(data.get("cc"), "cc"),
            secrecy=_text(data.get("secrecy"), "secrecy", limit=64),
            secrecy_period=_text(data.get("secrecy_period"), "secrecy_period", limit=64),
            copy_number=_text(data.get("copy_number"), "copy_number", limit=32),
            note=_text(data.get("note"), "note", limit=1000),
            body=data.get("body") if isinstance(data.get("body"), str) else _text(data.get("body"), "body"),
            issued_on=_date(data.get("issued_on"), "issued_on"),
            file=bytes(file) if file is not None else None,
            file_name=_text(data.get("file_name"), "file_name", limit=256),
            attachments=attachments,
            url=_text(data.get("url"), "url", limit=1024),
            flags={k: bool(v) for k, v in flags.items()},
        )
