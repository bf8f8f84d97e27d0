"""Chinese labels for stored codes, the navigation, and the Jinja filters that use them."""
from __future__ import annotations

import datetime as dt
import json

from flask import Flask, current_app

from ..config import county_today, county_zone
from ..wording import wording

DOCUMENT_STATUS = {"routed": "已分送", "not_qualified": "不抄送", "held": "暂存待定", "unmatched": "待映射单位",
                   "offline": "已线下机要传递", "drafted": "征求意见稿（未印发）",
                   "error": "出错"}
COPY_STATUS = {"pending": "待投递", "failed": "投递失败，等待重试", "dead": "已放弃（超过重试期限）", "delivered": "已送达"}
SUBMISSION_STATUS = {"open": "待答复", "replied": "已答复"}
CONSULTATION_STATUS = {"open": "待反馈", "answered": "已反馈"}
COPY_KINDS = {"copy": "抄送", "consultation": "征求意见"}
MEETING_KIND = {"liaison": "对口单位负责人联系会", "work": "工作会议", "committee": "委员会会议"}
RULE_ACTION = {"npc": "提请人大审议（抄送）", "important": "重要文件（抄送）", "major": "重大事项（抄送并征求意见）",
               "committee": "加送指定委员会", "exclude": "例行事务（不抄送）", "hold": "暂存待人工决定"}
RULE_MATCH = {"any": "含任一词语", "all": "含全部词语", "exact": "完全等于", "regex": "正则表达式"}
RULE_FIELD = {"title": "标题", "body": "正文", "doc_type": "文种", "recipients": "主送/抄送机关", "issuer": "发文单位"}
AUDIT_ACTION = wording()["audit_actions"]

# (endpoint, label, roles): the side menu, in this order.
NAV = [
    ("home.index", "首页", {"admin", "unit", "committee", "auditor"}),
    ("messages.index", "消息", {"admin", "unit", "committee", "auditor"}),
    ("inbox.index", "收件箱", {"committee", "unit"}),
    ("documents.index", "本单位发文", {"unit"}),
    ("documents.index", "本委报送与回执", {"committee"}),
    ("documents.index", "发文与分送", {"admin", "auditor"}),
    ("submissions.index", "来件答复", {"admin", "unit", "committee", "auditor"}),
    ("consultations.index", "征求意见", {"admin", "unit", "committee", "auditor"}),
    ("meetings.index", "联系会与会议", {"admin", "unit", "committee", "auditor"}),
    ("leaders.index", "分管领导", {"admin", "unit", "committee", "auditor"}),
    ("review.index", "年度总结", {"admin", "auditor"}),
    ("unmatched.index", "待映射发文单位", {"admin", "auditor"}),
    ("deliveries.index", "抄送投递", {"admin", "auditor"}),
    ("table.index", "对口联系表", {"admin", "auditor"}),
    ("rules.index", "分送规则", {"admin", "auditor"}),
    ("tester.index", "规则试算", {"admin", "unit", "auditor"}),
    ("audit.index", "审计日志", {"admin", "auditor"}),
    ("users.index", "用户", {"admin", "auditor"}),
    ("hosts.index", "接入主机", {"admin", "auditor"}),
]


def _zone():
    return county_zone(current_app.config)


def local_time(value: dt.datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time (naive, aware or ISO text) in the county's time zone, to the minute."""
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(_zone()).strftime(fmt)


def local_today() -> dt.date:
    return county_today(current_app.config)


def copy_status(copy) -> str:
    if copy.status == "pending" and copy.last_error:
        return "failed"
    return copy.status


def pretty_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)


def download_name(text: str, suffix: str = ".docx") -> str:
    """A file name from a title: characters Windows forbids become "_", at most 60 characters."""
    name = "".join("_" if c in '\\/:*?"<>|' or ord(c) < 32 else c for c in text).strip(" .")
    return (name[:60] or "文件") + suffix


def web_url(value) -> bool:
    """Only http(s) links from the host are shown as links (never javascript: and the like)."""
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


def format_label(code: str | None) -> str:
    """A file format's Chinese name (OFD 版式文件, Word 97-2003 文档…) from its code."""
    from ..documents.formats import FORMATS
    return FORMATS[code].label if code in FORMATS else "未知格式"


def duration_text(seconds) -> str:
    """A span of time in whole days or hours (the give-up time: 3 天)."""
    seconds = float(seconds)
    if seconds >= 86400 and seconds % 86400 == 0:
        return f"{seconds / 86400:g} 天"
    return f"{seconds / 3600:g} 小时" if seconds >= 3600 else f"{seconds:g} 秒"


def actor_name(username: str | None) -> str:
    """Who acted, in words: ``cli:liyun`` → 命令行（liyun）, ``host:主办系统`` → 主办系统, ``host:oa`` → 主办系统（oa）."""
    kind, sep, who = (username or "").partition(":")
    if not sep or kind not in ("cli", "host"):
        return username or ""
    words = "命令行" if kind == "cli" else "主办系统"
    return words if who in ("", "?", words) else f"{words}（{who}）"


def register_filters(app: Flask) -> None:
    app.add_template_filter(actor_name, "actor")
    app.add_template_filter(duration_text, "give_up_text")
    app.add_template_filter(format_label, "format_label")
    app.add_template_filter(web_url, "web_url")
    app.add_template_filter(local_time, "local")
    app.add_template_filter(lambda d: d.isoformat() if d else "", "day")
    app.add_template_filter(pretty_json, "pretty")
    app.add_template_filter(copy_status, "copy_status")
    for name, table in (("document_status", DOCUMENT_STATUS), ("copy_status_label", COPY_STATUS),
                        ("submission_status", SUBMISSION_STATUS),
                        ("consultation_status", CONSULTATION_STATUS), ("meeting_kind", MEETING_KIND),
                        ("copy_kind", COPY_KINDS),
                        ("rule_action", RULE_ACTION), ("rule_match", RULE_MATCH), ("rule_field", RULE_FIELD),
                        ("audit_action", AUDIT_ACTION)):
        app.add_template_filter(lambda v, t=table: t.get(v, v or ""), name)
