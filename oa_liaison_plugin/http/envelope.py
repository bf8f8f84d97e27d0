"""A CloudEvents 1.0 structured-JSON body checked field by field, and its data turned into a hook's mapping."""
from __future__ import annotations

import base64
import binascii
import re

from flask import current_app

from .. import jsonfile
from ..events import IssuedDocument, _date
from ..errors import InputError

# RFC 3339 date-time: a full date, "T", a time and a zone (Z or ±hh:mm).
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
TYPES = {"document.issued": "document_issued", "document.drafted": "draft_for_consultation",
         "submission.received": "submission_received",
         "meeting.scheduled": "meeting_scheduled", "consultation.answered": "consultation_answered"}
REQUIRED = {"document.issued": ("id",), "document.drafted": ("id",),
            "consultation.answered": ("consultation_id", "opinion"),
            "submission.received": ("id", "committee", "unit", "kind", "title"),
            "meeting.scheduled": ("id", "unit", "title", "held_on")}


class ApiError(Exception):
    """A refused request: HTTP status, error code, Chinese message and, for 400, the field at fault."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        self.status, self.code, self.field = status, code, field
        super().__init__(message)

    def body(self) -> dict:
        out = {"error": self.code, "message": str(self)}
        if self.field:
            out["field"] = self.field
        return out


def _bad(field: str, message: str, code: str = "bad_field") -> ApiError:
    return ApiError(400, code, f"字段 {field}：{message}", field)


def refused(exc: InputError, prefix: str = "") -> ApiError:
    """Bad input as the API answers it (the one mapping): 400 ``bad_field`` naming the field, with ``prefix``
    (``data.``) for a field of the event's data; ``bad_json`` when it is the body as a whole."""
    if exc.field is None:
        return ApiError(400, "bad_json", str(exc))
    return _bad(f"{prefix}{exc.field}", exc.message)


def parse(body: bytes) -> dict:
    """The CloudEvent, its attributes checked; raises ApiError(400)."""
    try:
        event = jsonfile.loads(body, "请求体", max_bytes=len(body))
    except InputError as exc:
        raise refused(exc) from None
    if not isinstance(event, dict):
        raise ApiError(400, "bad_json", "请求体应为 JSON 对象（CloudEvents 1.0 结构化模式）")
    for name in ("specversion", "id", "source", "type"):
        value = event.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise _bad(name, "不能为空", "missing_field")
        if not isinstance(value, str):
            raise _bad(name, f"应为文本，实际为 {type(value).__name__}")
    if event["specversion"] != "1.0":
        raise _bad("specversion", f"只支持 1.0，实际为 {event['specversion']!r}")
    for name, limit in (("id", 256), ("source", 512)):
        if len(event[name]) > limit:
            raise _bad(name, f"过长（上限 {limit} 字符）")
    if event["type"] not in TYPES:
        raise ApiError(400, "unknown_type", f"字段 type：未知事件类型 {event['type'][:64]!r}，应为 "
                                            f"{'、'.join(TYPES)}", "type")
    for name in ("time", "datacontenttype"):
        if name in event and not isinstance(event[name], str):
            raise _bad(name, "应为文本")
    if "time" in event and not RFC3339.match(event["time"]):
        raise _bad("time", f"应为 RFC 3339 时间（如 2026-11-01T10:00:00+08:00），实际为 {event['time'][:64]!r}")
    if event.get("datacontenttype", "application/json").split(";")[0].strip() != "application/json":
        raise _bad("datacontenttype", "只支持 application/json")
    if "data" not in event:
        raise _bad("data", "不能为空", "missing_field")
    if not isinstance(event["data"], dict):
        raise _bad("data", f"应为对象，实际为 {type(event['data']).__name__}")
    return event


def _b64(value, field: str) -> bytes:
    if not isinstance(value, str):
        raise _bad(field, "应为 base64 文本")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _bad(field, "不是有效的 base64") from None


def check_data(event: dict, jurisdiction: str) -> None:
    """The data as the in-process hook would take it; raises ApiError (400, or 403 for another jurisdiction)."""
    data = event["data"]
    given = data.get("jurisdiction")
    if given not in (None, "") and given != jurisdiction:
        raise ApiError(403, "wrong_jurisdiction", f"此主机只能发送行政区 {jurisdiction} 的事件，"
                                                 f"事件属于 {str(given)[:64]}")
    required = REQUIRED[event["type"]]
    if event["type"] == "meeting.scheduled" and data.get("kind") == "committee":   # names its committee, no unit
        required = tuple("committee" if name == "unit" else name for name in required)
    for name in required:
        value = data.get(name)
        if not isinstance(value, (str, int)) or isinstance(value, bool) or not str(value).strip():
            raise _bad(f"data.{name}", "不能为空" if value in (None, "") else "应为文本", "missing_field"
                       if value in (None, "") else "bad_field")
    if event["type"] in ("document.issued", "document.drafted"):
        to_mapping(event, jurisdiction, check=True)
        return
    if event["type"] == "consultation.answered":
        return
    for name in ("received", "held_on"):   # checked on receipt: a 202 is never followed by a refusal
        try:
            _date(data.get(name), name)
        except InputError as exc:
            raise refused(exc, "data.") from None
    from ..meetings.hooks import check as check_meeting
    from ..replies.tasks import check as check_submission
    check = check_submission if event["type"] == "submission.received" else check_meeting
    try:   # the names resolved as processing will resolve them: an unknown one is refused now, not after the 202
        check(current_app.extensions["oa_liaison"], {**data, "jurisdiction": jurisdiction})
    except InputError as exc:
        raise refused(exc, "data.") from None


def to_mapping(event: dict, jurisdiction: str, *, check: bool = False) -> dict:
    """The in-process hook's mapping: file_base64 (and attachments' data_base64) decoded, file_url kept aside."""
    data = dict(event["data"])
    data["jurisdiction"] = jurisdiction
    if event["type"] not in ("document.issued", "document.drafted"):
        return data
    if "file" in data:
        raise _bad("data.file", "请用 file_base64（文件内容）或 file_url（下载地址）")
    if data.get("file_base64") is not None:
        data["file"] = _b64(data.pop("file_base64"), "data.file_base64")
    else:
        data.pop("file_base64", None)
    url = data.pop("file_url", None)
    if url is not None and not isinstance(url, str):
        raise _bad("data.file_url", "应为文本")
    atts = data.get("attachments")
    if atts is not None:
        if not isinstance(atts, list):
            raise _bad("data.attachments", "应为列表")
        out = []
        for i, a in enumerate(atts):
            if not isinstance(a, dict):
                raise _bad(f"data.attachments[{i}]", "应为 {name, data_base64}")
            out.append({"name": a.get("name"),
                        "data": _b64(a.get("data_base64"), f"data.attachments[{i}].data_base64")})
        data["attachments"] = out
    try:
        IssuedDocument.from_mapping(data)
    except InputError as exc:
        raise refused(exc, "data.") from None
    if url:
        data["_file_url"] = url
    return data
