"""What oa-liaison sends: the callbacks' data (liaison.copy, .notification, .consultation, .ping, .decision) and
the API's answers, declared once so the OpenAPI document and the tests take their JSON Schemas from here."""
from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import ConfigDict, Field, WithJsonSchema

from . import Input
from .events import POSITIONS, Rfc3339

Day = Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]
Text = Union[str, None]


class Out(Input):
    """The base of what is sent: keys not declared may be added later (extend, never rename)."""
    model_config = ConfigDict(extra="allow")


class Reason(Out):
    """One entry of every ``reasons[]``: a code for programs, a Chinese text for people."""
    code: str = Field(description="理由代码（如 counterpart、qualified、rule:include、hold）")
    text: str = Field(description="理由（中文，给人看）")
    committee: Text = Field(None, description="理由所涉的委员会")
    rule: Union[str, int, None] = Field(None, description="命中的规则")
    name: Text = Field(None, description="规则名称")
    field: Text = Field(None, description="规则命中的字段")
    matched: Union[str, list[str], None] = Field(None, description="命中的文字（规则理由给出命中的词的列表）")


class CopiedAttachment(Out):
    """An attachment as a copy carries it."""
    name: Text = Field(description="附件名称")
    file_name: Text = Field(None, description="附件文件名（按实际格式的扩展名）")
    format: Text = Field(None, description="实际格式")
    content_type: Text = Field(None, description="媒体类型")
    sha256: Text = Field(None, description="内容的 SHA-256")
    size: Union[int, None] = Field(None, description="字节数")
    data_base64: Text = Field(description="附件内容（base64）")


class CopyData(Out):
    """``liaison.copy``: a document (or a draft to consult on) for a committee's (or a unit's) inbox."""
    copy_id: str = Field(description="抄送编号 copy-N（= webhook-id），去重依据")
    document_id: str = Field(description="主办系统的公文编号")
    host_id: Text = Field(None, description="同 document_id")
    committee: Text = Field(description="收件的专门委员会（发往单位时为 null）")
    committee_id: Union[int, None] = Field(None, description="委员会在本部署中的编号，重载对口表后不变")
    unit: Text = Field(description="收件单位（反向抄送时），发往委员会时为 null")
    jurisdiction: Text = Field(None, description="行政区代码")
    title: Text = Field(description="标题")
    doc_number: Text = Field(None, description="发文字号")
    doc_type: Text = Field(None, description="文种")
    issuer: Text = Field(description="发文单位")
    issued_on: Union[Day, None] = Field(None, description="印发日期")
    main_recipients: list[str] = Field(description="主送机关（无则为 []）")
    cc: list[str] = Field([], description="抄送机关（无则为 []）")
    url: Text = Field(None, description="主办系统中的链接")
    reasons: list[Reason] = Field(description="抄送理由")
    file_name: Text = Field(description="文件名（按实际格式的扩展名）")
    format: Text = Field(description="实际格式：ofd、pdf、docx、doc、wps、odt、rtf")
    content_type: Text = Field(description="媒体类型")
    file_sha256: Text = Field(description="文件内容的 SHA-256")
    file_base64: Text = Field(description="文件内容（base64）")
    attachments: list[CopiedAttachment] = Field(description="附件（无则为 []）")
    decided_at: Union[Rfc3339, None] = Field(None, description="决定时间（RFC 3339，UTC）")
    kind: Union[Literal["consultation"], None] = Field(None, description="征求意见稿时为 consultation")
    consultation_id: Union[int, None] = Field(None, description="征求意见编号（征求意见稿）")
    due: Union[Day, None] = Field(None, description="反馈期限（征求意见稿）")
    test: Union[bool, None] = Field(None, description="测试抄送（hosts test）：验证后应答 2xx，不要归档")


class NotificationData(Out):
    """``liaison.notification``: a message for a unit's or committee's people."""
    recipient: Union[dict[str, Any], str] = Field(
        description="收件人 {role: unit|committee, unit|committee: 名称, jurisdiction: 代码}")
    recipient_label: str = Field(description="收件人名称（纯文本，按此归档）")
    subject: str = Field(description="标题")
    body: str = Field(description="内容")


class ConsultationData(Out):
    """``liaison.consultation``: a committee answered a draft; told to the drafting unit's host."""
    consultation_id: int = Field(description="征求意见编号")
    document_id: str = Field(description="主办系统的公文编号")
    committee: str = Field(description="反馈意见的委员会")
    status: Literal["answered"] = Field(description="状态")
    position: Union[Literal[POSITIONS], None] = Field(description="意见类别")
    opinion: str = Field(description="意见")
    answered_at: str = Field(description="反馈时间")
    stage: Text = Field(None, description="阶段")


class PingData(Out):
    """``liaison.ping``: a check of the callback URL when a host is registered or changed; answer 2xx."""
    host: str = Field(description="主机名称")
    jurisdiction: str = Field(description="行政区代码")
    test: Literal[True] = Field(description="总是 true")
    sent_at: Rfc3339 = Field(description="发送时间（UTC）")


class DecidedCommittee(Out):
    """A committee a decision routes to."""
    committee_id: int = Field(description="委员会编号")
    committee: str = Field(description="委员会名称")


class DecisionData(Out):
    """``liaison.decision``: the decision made on a host's document (CloudEvent id = webhook-id = decision-N)."""
    document_id: str = Field(description="主办系统的公文编号")
    jurisdiction: str = Field(description="行政区代码")
    decision_id: int = Field(description="决定编号")
    status: Literal["routed", "not_qualified", "held", "unmatched", "error", "offline"] = Field(description="结果")
    held: bool = Field(description="是否暂存待人工决定")
    hold_reason: Text = Field(description="暂存原因")
    committees: list[DecidedCommittee] = Field(description="抄送的委员会（无则为 []）")
    reasons: list[Reason] = Field(description="理由")
    trigger: str = Field(description="触发（如 issued、manual、rerun）")
    decided_at: Rfc3339 = Field(description="决定时间（RFC 3339，UTC）")


CALLBACKS = {"liaison.copy": CopyData, "liaison.notification": NotificationData,
             "liaison.consultation": ConsultationData, "liaison.ping": PingData, "liaison.decision": DecisionData}


class Callback(Out):
    """A callback's CloudEvent (POSTed to the host's callback URL, Standard Webhooks signed)."""
    specversion: Literal["1.0"]
    id: str = Field(description="= webhook-id：copy-N、notification-N、decision-N、ping-…、test-copy-…")
    source: str = Field(description="/oa-liaison/<行政区代码>")
    type: str
    time: Rfc3339 = Field(description="抄送或通知生成的时间（UTC），每次重试不变")
    datacontenttype: Literal["application/json"]
    data: dict


# ------------------------------------------------------------------ the API's answers

class Accepted(Out):
    """202: the event is durably in the inbox."""
    id: str = Field(description="收件箱中的事件编号 evt-N", pattern=r"^evt-\d+$")
    status: Literal["accepted"]


class ErrorBody(Out):
    """Every refusal: a code of the error table, a Chinese message, and the field at fault for a 400."""
    error: str = Field(description="错误代码（见错误代码表）")
    message: str = Field(description="说明（中文）")
    field: Union[str, None] = Field(None, description="出错的字段（JSON 路径，如 data.cohandlers[0]）")


class EventStatus(Out):
    """``GET /api/v1/events/<id>``: the event's state and the in-process event's answer."""
    id: str = Field(pattern=r"^evt-\d+$")
    status: Literal["accepted", "processed"]
    type: str
    result: Union[dict[str, Any], None] = Field(description="处理结果（公文：status、committees、held、hold_reason…）")
    error: Union[str, None]


class Preview(Out):
    """``POST /api/v1/preview`` 200: the pre-issue messages and the decision the document would get now."""
    messages: list[str] = Field(description="签发前提示")
    decision: dict[str, Any] = Field(description="此刻会作出的决定：status、qualified、committees、held、hold_reason、reasons、facts…")


class Committee(Out):
    """A committee of the host's jurisdiction."""
    id: int
    name: str
    full_name: Text = None
    aliases: list[str] = Field(description="简称（无则为 []）")
    units: list[int] = Field(description="对口单位编号（无则为 []）")


class Committees(Out):
    """``GET /api/v1/committees``."""
    committees: list[Committee]


class Unit(Out):
    """A unit of the host's jurisdiction."""
    id: int
    name: str
    full_name: Text = None
    aliases: list[str] = Field(description="别名（无则为 []）")
    parent_id: Union[int, None] = Field(description="上级单位编号")
    committee_ids: list[int] = Field(description="对口委员会编号（无则为 []）")


class Units(Out):
    """``GET /api/v1/units``."""
    units: list[Unit]
