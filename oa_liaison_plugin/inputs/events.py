"""The events a host sends over HTTP, declared once: the CloudEvent envelope and each event type's data."""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from typing import Annotated, Literal, Union

from pydantic import (AfterValidator, BeforeValidator, ConfigDict, Field, StrictInt, ValidationInfo,
                      WithJsonSchema, field_validator)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from ..events import FIRST_YEAR, LAST_YEAR, NAME_SEPARATORS, SUBMISSION_KINDS
from . import Input

# RFC 3339 date-time: a full date, "T", a time and a zone (Z or ±hh:mm).
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
# The event types and the in-process hook each one is handed to.
TYPES = {"document.issued": "document_issued", "document.drafted": "draft_for_consultation",
         "submission.received": "submission_received",
         "meeting.scheduled": "meeting_scheduled", "consultation.answered": "consultation_answered"}
MEETING_KINDS = ("liaison", "work", "committee")
POSITIONS = ("同意", "修改意见", "不同意")


def _present(value):
    """A required value: absent, null or blank is missing (``missing_field``)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise PydanticCustomError("missing", "缺少必填项")
    return value


def _required(value):
    """A required text: missing when blank; a number is taken as its text."""
    _present(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _optional(value):
    """An optional text: blank is absent, a number is its text."""
    if isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _day(value):
    """A date as the host writes it (YYYY-MM-DD, or the date part of a timestamp) within the years any input takes."""
    if value is None or value == "":
        return None
    if isinstance(value, (dt.date, dt.datetime)) or not isinstance(value, str):
        return value
    try:
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        raise ValueError(f"日期应为 YYYY-MM-DD，实际为 {value[:64]!r}") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:   # deadlines are counted months ahead: year 10000 does not exist
        raise ValueError(f"日期应在 {FIRST_YEAR}–{LAST_YEAR} 年之间，实际为 {value[:64]!r}")
    return day


def _names(value):
    """A list of names, or one text with the names separated by 、，,；; or line breaks."""
    if value is None:
        return []
    return NAME_SEPARATORS.split(value) if isinstance(value, str) else value


def _rfc3339(value: str) -> str:
    """A time with its date, time and zone, as RFC 3339 writes it (``yesterday`` or a bare date is refused)."""
    if not RFC3339.match(value):
        raise ValueError(f"应为 RFC 3339 时间（如 2026-11-01T10:00:00+08:00），实际为 {value[:64]!r}")
    return value


def _base64(value):
    """The bytes of a base64 text (decoded once, here)."""
    if not isinstance(value, str):
        raise PydanticCustomError("bytes_type", "应为 base64 文本")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise PydanticCustomError("base64_decode", "不是有效的 base64") from None


Text = Annotated[str, BeforeValidator(_required)]
OptionalText = Annotated[Union[str, None], BeforeValidator(_optional)]
Day = Annotated[Union[dt.date, None], BeforeValidator(_day)]
RequiredDay = Annotated[dt.date, BeforeValidator(_day), BeforeValidator(_required)]
Rfc3339 = Annotated[str, AfterValidator(_rfc3339), WithJsonSchema(
    {"type": "string", "format": "date-time", "pattern": RFC3339.pattern})]
Base64 = Annotated[bytes, BeforeValidator(_base64), WithJsonSchema(
    {"type": "string", "contentEncoding": "base64"})]
Names = Annotated[list[OptionalText], BeforeValidator(_names), WithJsonSchema(
    {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}, {"type": "null"}],
     "description": "名称列表，或以 、，；或换行分隔的一段文字"})]


class CloudEvent(Input):
    """A CloudEvents 1.0 event in structured JSON mode (what POST /api/v1/events and /preview take)."""
    specversion: Literal["1.0"] = Field(description="CloudEvents 版本，只能为 1.0")
    id: Annotated[Text, Field(max_length=256, description="事件编号；同一 source+id 再次发送视为重复")]
    source: Annotated[Text, Field(max_length=512, description="事件来源（URI-reference）")]
    type: Literal[tuple(TYPES)] = Field(description="事件类型")
    time: Union[Rfc3339, None] = Field(None, description="可选，RFC 3339 带时区的时间")
    datacontenttype: Union[Literal["application/json"], None] = Field(
        None, description="可选，只能为 application/json（可带 ;charset=utf-8）")
    data: dict = Field(description="事件数据，按 type 各有其格式")

    @field_validator("datacontenttype", mode="before")
    @classmethod
    def _media_type(cls, value):
        """``application/json; charset=utf-8`` is JSON too."""
        return value.split(";")[0].strip() if isinstance(value, str) else value


class Flags(Input):
    """What the host marks a document as (南委办〔2017〕1号 三(五))."""
    model_config = ConfigDict(extra="forbid")
    major: bool = Field(False, description="重大事项")
    important: bool = Field(False, description="重要文件")
    npc: bool = Field(False, description="提请人大审议")


class Attachment(Input):
    """One 附件 of the document, in the same formats as the main file (and .xlsx)."""
    model_config = ConfigDict(extra="forbid")
    name: Text = Field(description="附件名称")
    data_base64: Base64 = Field(description="附件内容（base64）")


def _no_file(value):
    """Raw bytes cannot travel in JSON: the file comes as base64 or by its URL."""
    raise ValueError("请用 file_base64（文件内容）或 file_url（下载地址）")


class DocumentIssued(Input):
    """``document.issued`` (and ``document.drafted``) data: the document as the host describes it."""
    model_config = ConfigDict(extra="forbid")
    id: Text = Field(description="主办系统的公文编号，重试时不变")
    jurisdiction: OptionalText = Field(None, description="行政区代码；省略时为主机所属行政区")
    issuer: OptionalText = Field(None, description="发文单位")
    title: OptionalText = Field(None, description="标题")
    doc_number: OptionalText = Field(None, description="发文字号")
    doc_type: OptionalText = Field(None, description="文种")
    main_recipients: Names = Field(None, description="主送机关")
    cc: Names = Field(None, description="抄送机关")
    secrecy: OptionalText = Field(None, description="密级（无文件时以此为准）")
    secrecy_period: OptionalText = Field(None, description="保密期限")
    copy_number: OptionalText = Field(None, description="份号")
    note: OptionalText = Field(None, description="附注")
    body: OptionalText = Field(None, description="正文文字")
    issued_on: Day = Field(None, description="印发日期 YYYY-MM-DD")
    url: OptionalText = Field(None, description="主办系统中的链接")
    flags: Union[Flags, None] = Field(None, description="标记：major、important、npc")
    file_name: OptionalText = Field(None, description="文件名（格式由内容判断）")
    file_base64: Union[Base64, None] = Field(None, description="文件内容（base64）：OFD、PDF、.docx、.doc、.wps、.odt、.rtf")
    file_url: OptionalText = Field(None, description="文件下载地址，须在主机允许的来源内")
    attachments: Union[list[Attachment], None] = Field(None, description="附件，按顺序")
    file: SkipJsonSchema[Annotated[None, BeforeValidator(_no_file)]] = None


class DocumentDrafted(DocumentIssued):
    """``document.drafted`` data: a major matter's 征求意见稿 before 签发, as a document."""


class ConsultationAnswered(Input):
    """``consultation.answered`` data: a committee's opinion on a draft."""
    consultation_id: Annotated[StrictInt, BeforeValidator(_present)] = Field(description="征求意见编号（整数）")
    opinion: Text = Field(description="委员会的意见")
    position: Union[Literal[POSITIONS], None] = Field(None, description="意见类别")
    attachment: Union[Attachment, None] = Field(None, description="意见附件（可选；读过密级才收，有密级的拒收）")


class SubmissionReceived(Input):
    """``submission.received`` data: a committee's submission registered by the unit (三(四))."""
    id: Text = Field(description="主办系统的收文编号")
    committee: Text = Field(description="提交的专门委员会（名称、简称或全称）")
    unit: Text = Field(description="主办单位")
    kind: Literal[tuple(SUBMISSION_KINDS)] = Field(description="类别")
    title: Text = Field(description="标题")
    number: OptionalText = Field(None, description="编号")
    received: Day = Field(None, description="收到日期 YYYY-MM-DD；省略为今天")
    body: OptionalText = Field(None, description="正文文字")
    cohandlers: Names = Field(None, description="会办单位（名称列表）")
    jurisdiction: OptionalText = Field(None, description="行政区代码；省略时为主机所属行政区")

    @field_validator("kind", mode="before")
    @classmethod
    def _kind_required(cls, value):
        """A blank kind is missing, not a wrong one."""
        return _required(value)


class MeetingScheduled(Input):
    """``meeting.scheduled`` data: a meeting, whose committee leaders to invite (三(一)(三))."""
    model_config = ConfigDict(json_schema_extra={
        "if": {"properties": {"kind": {"const": "committee"}}, "required": ["kind"]},
        "then": {"required": ["committee"]}, "else": {"required": ["unit"]}})
    id: Text = Field(description="主办系统的会议编号（会议的身份）")
    kind: Literal[MEETING_KINDS] = Field("work", description="liaison 联络会议、work 工作会议（默认）、committee 委员会自己的会议")
    unit: OptionalText = Field(None, validate_default=True, description="召开会议的单位（kind 为 committee 时不用）")
    committee: OptionalText = Field(None, validate_default=True, description="专门委员会（kind 为 committee 时必填）")
    title: Text = Field(description="会议名称")
    held_on: RequiredDay = Field(description="会议日期 YYYY-MM-DD")
    important: bool = Field(False, description="委员会的重要会议")
    jurisdiction: OptionalText = Field(None, description="行政区代码；省略时为主机所属行政区")

    @field_validator("kind", mode="before")
    @classmethod
    def _kind_default(cls, value):
        """No kind is a work meeting."""
        return "work" if value in (None, "") else value

    @field_validator("unit", "committee", mode="after")
    @classmethod
    def _named(cls, value, info: ValidationInfo):
        """The unit, or for a committee's own meeting the committee, is required."""
        # A committee's own meeting names its committee; every other meeting names its unit.
        needed = "committee" if info.data.get("kind") == "committee" else "unit"
        if info.field_name == needed and value is None:
            raise PydanticCustomError("missing", "缺少必填项")
        return value


DATA = {"document.issued": DocumentIssued, "document.drafted": DocumentDrafted,
        "consultation.answered": ConsultationAnswered, "submission.received": SubmissionReceived,
        "meeting.scheduled": MeetingScheduled}
