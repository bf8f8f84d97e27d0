"""A CloudEvents 1.0 structured-JSON body checked field by field, and its data turned into a hook's mapping."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from flask import current_app

from .. import inputs, jsonfile
from ..errors import InputError
from ..events import IssuedDocument
from ..inputs.events import DATA, CloudEvent


@lru_cache(maxsize=1)
def api_errors() -> dict:
    """The API's error codes (data/api_errors.json) by code: status, field, message, when (zh, en)."""
    table = json.loads(resources.files("oa_liaison_plugin").joinpath("data/api_errors.json").read_text("utf-8"))
    return {row["code"]: row for row in table["errors"]}


class ApiError(Exception):
    """A refused request: an error code of data/api_errors.json (its HTTP status), a Chinese message (the
    table's own unless a more precise one is given) and, for a field's fault, the field."""

    def __init__(self, code: str, message: str | None = None, field: str | None = None):
        row = api_errors()[code]
        self.status, self.code, self.field = row["status"], code, field
        super().__init__(message or row["message"])

    def body(self) -> dict:
        out = {"error": self.code, "message": str(self)}
        if self.field:
            out["field"] = self.field
        return out


def refused(exc: InputError, prefix: str = "") -> ApiError:
    """Bad input as the API answers it (the one mapping): 400 naming the field, with ``prefix`` (``data.``) for a
    field of the event's data — ``missing_field`` for a required value left out, ``unknown_type`` for a type
    not in the list, else ``bad_field``; ``bad_json`` when it is the body as a whole."""
    if exc.field is None:
        return ApiError("bad_json", str(exc))
    field = f"{prefix}{exc.field}"
    code = "missing_field" if exc.kind == "missing" else "unknown_type" if field == "type" else "bad_field"
    return ApiError(code, f"字段 {field}：{exc.message}", field)


def parse(body: bytes) -> dict:
    """The CloudEvent, its attributes checked by the model; raises ApiError(400)."""
    try:
        event = jsonfile.loads(body, "请求体", max_bytes=len(body))
        if not isinstance(event, dict):
            raise InputError(None, "请求体应为 JSON 对象（CloudEvents 1.0 结构化模式）")
        inputs.parse(CloudEvent, event)
    except InputError as exc:
        raise refused(exc) from None
    return event


def data_of(event: dict):
    """The event's data parsed by its type's model (files decoded); raises ApiError(400) naming ``data.<field>``."""
    try:
        return inputs.parse(DATA[event["type"]], event["data"], "data")
    except InputError as exc:
        raise refused(exc) from None


def check_data(event: dict, jurisdiction: str) -> dict | None:
    """The data as the in-process hook would take it (a document's mapping is returned, its files decoded);
    raises ApiError (400, or 403 for another jurisdiction)."""
    data = event["data"]
    given = data.get("jurisdiction")
    if given not in (None, "") and given != jurisdiction:
        raise ApiError("wrong_jurisdiction", f"此主机只能发送行政区 {jurisdiction} 的事件，事件属于 {str(given)[:64]}")
    if event["type"] in ("document.issued", "document.drafted"):
        return to_mapping(event, jurisdiction)
    data_of(event)
    if event["type"] == "consultation.answered":
        return None
    from ..meetings.hooks import check as check_meeting
    from ..replies.tasks import check as check_submission
    check = check_submission if event["type"] == "submission.received" else check_meeting
    try:   # the names resolved as processing will resolve them: an unknown one is refused now, not after the 202
        check(current_app.extensions["oa_liaison"], {**data, "jurisdiction": jurisdiction})
    except InputError as exc:
        raise refused(exc, "data.") from None
    return None


def to_mapping(event: dict, jurisdiction: str) -> dict:
    """The in-process hook's mapping: file_base64 (and attachments' data_base64) decoded, file_url kept aside."""
    data = dict(event["data"])
    data["jurisdiction"] = jurisdiction
    if event["type"] not in ("document.issued", "document.drafted"):
        return data
    parsed = data_of(event)
    data.pop("file_base64", None)
    url = data.pop("file_url", None)
    if parsed.file_base64 is not None:
        data["file"] = parsed.file_base64
    if parsed.attachments is not None:
        data["attachments"] = [{"name": a.name, "data": a.data_base64} for a in parsed.attachments]
    try:   # the lengths each column takes, and the names split as the in-process hook splits them
        IssuedDocument.from_mapping(data)
    except InputError as exc:
        raise refused(exc, "data.") from None
    if url:
        data["_file_url"] = url
    return data
