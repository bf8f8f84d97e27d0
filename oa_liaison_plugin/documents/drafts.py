"""The three drafts (复函 reply, 征求意见函 consultation, 纪要 minutes): field specs, one validator, thin bodies."""
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Annotated, ClassVar

from pydantic import BeforeValidator, ConfigDict, Field, ValidationInfo, create_model

from ..decision.normalize import visible
from . import gbt9704 as g
from ..events import SUBMISSION_KINDS as KINDS
from ..inputs import Input, parse
from ..numerals import cn_number
from ..sentences import ended
from .gbt9704 import p, r
from .titles import title_lines
from .write import DraftError, render

KIND_VERB = {"提案": "提出的", "调研报告": "报送的", "建言献策": "提出的", "社情民意": "反映的"}
DEFAULT_CATEGORIES = {"A": "已解决或采纳", "B": "正在解决或列入计划", "C": "因条件限制留作参考"}
DEFAULT_CC = ("县政协办公室", "县委办公室", "县政府办公室")
DEFAULT_DISTRIBUTION = ("县政协办公室", "县委办公室", "县政府办公室", "各对口联系单位")
MEETING_NAME = "对口单位负责人联系会"
REPLY_SECTIONS = {"基本情况": "请简述与来文有关的工作现状。",
                  "办理情况": "请针对来文提出的问题和建议逐条答复。",
                  "下一步工作": "请说明下一步的工作打算和措施。"}

# Field specs are data: name -> type, "?" marks an optional field. Checks run in this order
# (categories before category, which is checked against it).
REPLY_FIELDS = {
    "unit": "text", "committee": "text", "kind": "kind", "title": "text", "number": "code",
    "received": "date", "categories": "categories?", "category": "category", "signer": "text",
    "contact": "text", "phone": "phone", "doc_number": "letter_number", "date": "date",
    "cc": "texts?", "issuer_full": "text?", "reply_title": "text?", "sections": "texts?",
    # A second answer, after a rating reopened the task: the answer rated and what the committee said.
    "previous": "text?", "previous_date": "date?", "rating": "text?", "opinion": "text?",
}
CONSULTATION_FIELDS = {
    "unit": "text", "committee": "text", "title": "text", "summary": "text", "due": "date",
    "doc_number": "letter_number", "date": "date", "contact": "text", "phone": "phone",
    "cc": "texts?", "issuer_full": "text?", "letter_title": "text?",
}
MINUTES_FIELDS = {
    "committee": "text", "year": "year", "seq": "seq", "held_on": "date", "place": "text", "chair": "text",
    "attendees": "people", "absent": "people?", "observers": "people?", "topics": "texts?",
    "decisions": "texts?", "distribution": "texts?", "date": "date?", "doc_number": "doc_number?",
    "meeting_name": "text?",
}
LABELS = {
    "unit": "发文单位", "committee": "专门委员会", "kind": "来文类别", "title": "标题", "number": "来文编号",
    "received": "收到日期", "categories": "答复类别表", "category": "答复类别", "signer": "签发人",
    "contact": "联系人", "phone": "联系电话", "doc_number": "发文字号", "date": "成文日期", "cc": "抄送机关",
    "issuer_full": "发文机关全称", "reply_title": "复函标题", "sections": "答复提纲", "summary": "事项概要",
    "due": "反馈截止日期", "letter_title": "函件标题", "year": "年度", "seq": "期数", "held_on": "会议日期",
    "place": "会议地点", "chair": "主持人", "attendees": "出席人员", "absent": "请假人员", "observers": "列席人员",
    "topics": "交换意见的议题", "decisions": "议定事项", "distribution": "分送范围", "meeting_name": "会议名称",
    "previous": "上次复函的发文字号", "previous_date": "上次复函日期", "rating": "委员会的评价", "opinion": "委员会的意见",
}

# ---------------------------------------------------------------------------------- validation

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_PHONE = re.compile(r"^[\d\-+()（）\s转/、，,]+$")
_SPLIT = re.compile(r"[，,、；;\n]+")


def _shown(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _bad(name: str, expected: str, value) -> DraftError:
    return DraftError(name, f"字段 {name} 格式错误：应为 {expected}，实际为 {_shown(value)}")


def _text(name, value, _):
    if not isinstance(value, str) or not value.strip():
        raise _bad(name, "非空文本", value)
    if not visible(value):
        raise _bad(name, "非空文本（不能只有不可见字符）", value)
    if _CONTROL.search(value):
        raise _bad(name, "不含控制字符的文本", value)
    return value.strip()


def _code(name, value, out):
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else _text(name, value, out)


def _date(name, value, _):
    day = g.parse_date(value)
    if day is None:
        raise _bad(name, "YYYY-MM-DD", value)
    return day


def _choice(name, value, choices: Mapping, aliases: Mapping = {}):
    key = value.strip() if isinstance(value, str) else value
    if isinstance(key, str) and key not in choices:
        key = aliases.get(key, key.upper() if key.upper() in choices else key)
    if key not in choices:
        raise DraftError(name, f"字段 {name} 取值错误：应为 {'、'.join(choices)} 之一，实际为 {_shown(value)}")
    return key


def _kind(name, value, _):
    return _choice(name, value, KINDS, {v: k for k, v in KINDS.items()})


def _categories(name, value, _):
    if not isinstance(value, Mapping) or not value or not all(
            isinstance(k, str) and k.strip() and isinstance(v, str) and v.strip() for k, v in value.items()):
        raise _bad(name, '类别代码到说明的对象，如 {"A": "已解决或采纳"}', value)
    return {k.strip(): v.strip() for k, v in value.items()}


def _category(name, value, out):
    return _choice(name, value, out.get("categories") or DEFAULT_CATEGORIES)


def _phone(name, value, _):
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not _PHONE.match(text) or sum(c.isdigit() for c in text) < 5:
        raise _bad(name, "电话号码，如 0817-5512345", value)
    return text.strip()


def _doc_number(name, value, _, letter=False):
    number = g.normalize_doc_number(value) if isinstance(value, str) else None
    if number is None:
        raise _bad(name, "发文字号，如 南教函〔2017〕5号", value)
    if letter and "函" not in number.split("〔")[0]:
        raise _bad(name, "函的发文字号（机关代字含“函”），如 南教函〔2017〕5号", value)
    return number


def _texts(name, value, out):
    if isinstance(value, str):
        value = [x for x in _SPLIT.split(value) if x.strip()]
    if not isinstance(value, list):
        raise _bad(name, '文本列表，如 ["县政协办公室", "县委办公室"]', value)
    return [_text(f"{name}[{i}]", x, out) for i, x in enumerate(value)]


def _people(name, value, out):
    if not isinstance(value, list):
        raise _bad(name, '人员列表，如 [{"name": "张三", "post": "局长", "unit": "县教育局"}]', value)
    people = []
    for i, item in enumerate(value):
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, Mapping):
            raise _bad(f"{name}[{i}]", '人员对象 {"name": …, "post": …, "unit": …} 或姓名', item)
        if not item.get("name"):
            raise DraftError(f"{name}[{i}].name", f"缺少字段 {name}[{i}].name（姓名）")
        people.append({k: _text(f"{name}[{i}].{k}", item[k], out) if item.get(k) else ""
                       for k in ("name", "post", "unit")})
    return people


def _whole(name, value, low, high, expected):
    number = int(value) if isinstance(value, str) and value.strip().isdigit() else value
    if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
        raise _bad(name, expected, value)
    return number


CHECKS = {
    "text": _text, "code": _code, "date": _date, "kind": _kind, "categories": _categories,
    "category": _category, "phone": _phone, "texts": _texts, "people": _people,
    "doc_number": _doc_number, "letter_number": lambda n, v, o: _doc_number(n, v, o, letter=True),
    "year": lambda n, v, o: _whole(n, v, 1949, 2999, "四位年份，如 2017"),
    "seq": lambda n, v, o: _whole(n, v, 1, 9999, "正整数，如 2"),
}


# What each kind of field holds once checked (the models' JSON Schema says it).
TYPES = {"text": str, "code": str, "date": dt.date, "kind": str, "categories": dict[str, str], "category": str,
         "phone": str, "texts": list[str], "people": list[dict[str, str]], "doc_number": str,
         "letter_number": str, "year": int, "seq": int}


def _required_in_schema(schema: dict, cls) -> None:
    # Every field defaults to None so that a missing one gets the drafts' own message; the schema says which
    # are required all the same.
    schema["required"] = [name for name, typ in cls.SPEC.items() if not typ.endswith("?")]


class DraftInput(Input):
    """A draft's input: fields it does not know are ignored (a submission record carries more)."""
    model_config = ConfigDict(extra="ignore", json_schema_extra=_required_in_schema)
    SPEC: ClassVar[Mapping[str, str]] = {}


def _checked(name: str, kind: str, optional: bool):
    def check(value, info: ValidationInfo):
        if value is None or (isinstance(value, str) and not value.strip()) or (value == [] and not optional):
            if optional:
                return None
            raise DraftError(name, f"缺少字段 {name}（{LABELS.get(name, name)}）")
        return CHECKS[kind](name, value, info.data)   # info.data: the fields before (categories for category)
    return check


def model(kind: str, spec: Mapping[str, str]) -> type[DraftInput]:
    """The pydantic model of one draft's input, from its field spec (checked in the spec's order)."""
    fields = {}
    for name, typ in spec.items():
        optional, typ = typ.endswith("?"), typ.rstrip("?")
        fields[name] = (Annotated[TYPES[typ] | None, BeforeValidator(_checked(name, typ, optional))],
                        Field(None, validate_default=True, description=LABELS.get(name, name)))
    made = create_model(f"{kind.title()}Draft", __base__=DraftInput, **fields)
    made.SPEC = spec
    return made


def validate(data, spec: Mapping[str, str], kind: str = "draft") -> dict:
    """Check ``data`` against a field spec; the cleaned values, or DraftError naming the first bad field."""
    if not isinstance(data, Mapping):
        raise DraftError("(输入)", f"输入应为 JSON 对象（字段名: 值），实际为 {type(data).__name__}")
    return parse(MODELS.get(kind) or model(kind, spec), data).model_dump(exclude_none=True)


# ------------------------------------------------------------------------------ shared pieces


def self_name(unit: str) -> str:
    """How a unit calls itself in a letter: 南部县教育局 -> 我局, …委员会 -> 我委, otherwise 我单位."""
    for suffix, me in (("委员会", "我委"), ("办公室", "我办"), ("中心", "我中心")):
        if unit.endswith(suffix):
            return me
    return f"我{unit[-1]}" if unit[-1] in "局委办院厅部处站所社馆队" else "我单位"


def blank() -> str:
    return p(style="GbPlain")


def body(text: str, *, keep: bool = False) -> str:
    """正文 paragraph; ``keep``: on the same page as the next one."""
    return p(text, style="GbBody", keep_next=keep)


def placeholder(hint: str) -> str:
    """A shaded （…） paragraph telling the clerk what to write there."""
    return p(r(f"（{hint}）", style="GbPlaceholder"), style="GbBody")


def title(text: str) -> list[str]:
    """标题 with one blank line above and below, the 主送 line follows; long titles broken between words."""
    lines = title_lines(text)
    runs = [x for line in lines for x in (g.line_break(), r(line))][1:]
    return [blank(), p(*runs, style="GbTitle"), blank()]


def signature(issuer: str, date: str, last: str) -> list[str]:
    """``last`` (the body's last paragraph, made with keep_next), then the sealed layout: date right-indented
    4 characters, the issuer centred over it. All on one page: never a date alone, nor a signature without
    body text (GB/T 9704)."""
    centre = 4 + (g.text_width(date) - g.text_width(issuer)) / 2
    kept = p(style="GbPlain", keep_next=True)
    return [last, kept, kept,
            p(issuer, style="GbPlain", jc="right", right=g.chars(max(0.0, centre)), keep_next=True),
            p(date, style="GbPlain", jc="right", right=g.chars(4))]


def people_line(label: str, people: list[dict]) -> str:
    """出席：(黑体) then units, posts and names (仿宋); wrapped lines align after the colon."""
    names = "，".join(f"{x['unit']}{x['post']}{x['name']}" for x in people)
    return p(r(f"{label}：", style="GbHei"), r(names), style="GbPlain", left=g.chars(5), hanging=g.chars(3))


def banji(lines: list[str], *, rules: bool) -> str:
    """版记 in 4号仿宋 at the bottom of the type area.

    信函 (no rules): framed paragraphs. 纪要: rules above and below (0.35 mm) and between the lines
    (0.25 mm) as the borders of a one-column table — LibreOffice drops the borders of framed paragraphs,
    and every office suite draws table borders alike — in a text box standing on the bottom margin.
    Wrapped lines align after the "抄送：" label.
    """
    hang = {"chars": 0, "twips": 4 * 280}    # a full-width space + 3 characters "抄送：" at 14 pt
    tabs = [("right", g.TEXT_W - 280)]
    if not rules:
        frame = {"w": g.TEXT_W, "wrap": "around", "hAnchor": "margin", "vAnchor": "margin",
                 "xAlign": "center", "yAlign": "bottom"}
        return "".join(p(line, style="GbBanji", frame=frame, tabs=tabs, left=hang, hanging=hang) for line in lines)
    rows = [(None, [(p(line, style="GbBanji", tabs=tabs, left=hang, hanging=hang), 1)]) for line in lines]
    table = g.table([g.TEXT_W], rows, borders={"top": 8, "bottom": 8, "insideH": 6}, margins=0)
    box = g.bottom_box(table + p(style="GbPlain", snap=False, line=20, rpr_xml=g.rpr(size=1)),
                       len(lines) * g.LINE_PITCH + 60)
    return p(box, style="GbPlain", snap=False, line=20, rpr_xml=g.rpr(size=1))


def cc_line(label: str, names: list[str]) -> str:
    return f"　{label}：{'，'.join(names)}。"


# ------------------------------------------------------------------------------------- reply


def reply_title(title: str) -> str:
    """关于加强…的建议 -> 关于加强…建议的答复; other titles -> 关于《…》的答复."""
    m = re.match(r"^关于(.+)的(建议|提案|调研报告|报告|意见建议|意见|建言)$", title)
    return f"关于{m[1]}{m[2]}的答复" if m else f"关于《{title}》的答复"


def reply_context(v: dict) -> dict:
    kind, item = v["kind"], v["title"].strip("《》")
    number = v["number"]
    received, me = g.cn_date(v["received"]), self_name(v["unit"])
    cats = v.get("categories") or DEFAULT_CATEGORIES
    return {
        "unit": v["unit"], "issuer": v.get("issuer_full") or v["unit"], "committee": v["committee"],
        "kind": kind, "title": item, "number": number, "received": received, "category": v["category"],
        "category_label": cats[v["category"]], "signer": v["signer"], "contact": v["contact"],
        "phone": v["phone"],
        "doc_number": v["doc_number"], "date": g.cn_date(v["date"]), "me": me,
        "cc": v["cc"] if "cc" in v else list(DEFAULT_CC),
        "reply_title": v.get("reply_title") or reply_title(item),
        "opening": (f"你委{KIND_VERB[kind]}{kind}《{item}》（{'第' + number + '号' if number.isdigit() else number}）"
                    f"已于{received}收悉。" + (_again(v, me) if v.get("opinion") else
                                             f"{me}高度重视，经认真研究，现答复如下：")),
        "sections": v.get("sections") or list(REPLY_SECTIONS),
        "closing": f"衷心感谢你委对{me}工作的关心和支持，欢迎继续提出宝贵意见和建议。",
    }


def _again(v: dict, me: str) -> str:
    """A second answer's opening: the answer rated, the rating and the committee's opinion, quoted."""
    before = f"{me}于{g.cn_date(v['previous_date'])}" if v.get("previous_date") else f"{me}"
    letter = f"以{v['previous']}" if v.get("previous") else ""
    rating = f"你委评价为“{v['rating']}”，" if v.get("rating") else "你委"
    return (f"{before}{letter}答复后，{rating}意见是：“{ended(v['opinion'])}”{me}高度重视，"
            f"对照意见重新研究办理，现再次答复如下：")


def reply_body(c: dict) -> str:
    out = [*title(c["reply_title"]), p(f"{c['committee']}：", style="GbPlain"), body(c["opening"])]
    for i, heading in enumerate(c["sections"], 1):
        out += [p(f"{cn_number(i)}、{heading}", style="GbHeading1"),
                placeholder(REPLY_SECTIONS.get(heading, "请在此填写。"))]
    out += [*signature(c["issuer"], c["date"], body(c["closing"], keep=True)),
            body(f"（联系人：{c['contact']}，联系电话：{c['phone']}）")]
    if c["cc"]:
        out.append(banji([cc_line("抄送", c["cc"])], rules=False))
    return "".join(out)


# ------------------------------------------------------------------------------ consultation


def consultation_context(v: dict) -> dict:
    me, due = self_name(v["unit"]), g.cn_date(v["due"])
    return {
        "unit": v["unit"], "issuer": v.get("issuer_full") or v["unit"], "committee": v["committee"],
        "title": v["title"].strip("《》"), "summary": v["summary"], "due": due, "doc_number": v["doc_number"],
        "date": g.cn_date(v["date"]), "contact": v["contact"], "phone": v["phone"], "me": me,
        "cc": v.get("cc", []),
        "letter_title": v.get("letter_title") or f"关于征求《{v['title'].strip('《》')}》意见的函",
        "request": (f"按照对口联系工作的有关要求，现就上述事项征求你委意见。请于{due}前将意见填入《意见反馈表》"
                    f"（见附件）反馈{me}；逾期未反馈的，视为无意见。"),
        "closing": "特此函达。",
    }


def opinion_form(c: dict) -> str:
    """附件: 意见反馈表, a table the committee fills in."""
    def cellp(text, jc="left"):
        return p(text, style="GbTableText", jc=jc, right={"chars": 0, "twips": 280 if jc == "right" else 0})
    label = lambda text: (cellp(text, "center"), 1)  # noqa: E731
    rows = [
        (g.mm(12), [label("事项名称"), (cellp(c["title"]), 3)]),
        (g.mm(12), [label("反馈单位"), (cellp(c["committee"]), 3)]),
        (g.mm(12), [label("联系人"), (cellp(""), 1), label("联系电话"), (cellp(""), 1)]),
        (g.mm(12), [label("反馈时限"), (cellp(f"{c['due']}前"), 3)]),
        (g.mm(80), [label("意见和建议"), (cellp(""), 3)]),
        (g.mm(30), [label("负责人签字"), (cellp("（盖章）", "right") + cellp("年　　月　　日", "right"), 3)]),
    ]
    return "".join([p("附件", style="GbAttachment", page_break=True), *title("意见反馈表"),
                    g.table([1700, 2722, 1700, 2722], rows)])


def consultation_body(c: dict) -> str:
    out = [*title(c["letter_title"]), p(f"{c['committee']}：", style="GbPlain"),
           *(body(line.strip()) for line in c["summary"].splitlines() if line.strip()),
           body(c["request"]), body(c["closing"]), blank(),
           *signature(c["issuer"], c["date"], body("附件：意见反馈表", keep=True)),
           body(f"（联系人：{c['contact']}，联系电话：{c['phone']}）"), opinion_form(c)]
    if c["cc"]:
        out.append(banji([cc_line("抄送", c["cc"])], rules=False))
    return "".join(out)


# ----------------------------------------------------------------------------------- minutes


def minutes_context(v: dict) -> dict:
    held_on, name = g.cn_date(v["held_on"]), v.get("meeting_name") or MEETING_NAME
    return {
        "committee": v["committee"], "year": v["year"], "seq": v["seq"], "held_on": held_on,
        "place": v["place"], "chair": v["chair"], "meeting_name": name,
        "issue_no": v.get("doc_number") or f"第{v['seq']}期",
        "date": g.cn_date(v.get("date") or v["held_on"]),
        "attendees": v["attendees"], "absent": v.get("absent", []), "observers": v.get("observers", []),
        "topics": v.get("topics", []), "decisions": v.get("decisions", []),
        "distribution": v["distribution"] if "distribution" in v else list(DEFAULT_DISTRIBUTION),
        "opening": f"{held_on}，{v['committee']}在{v['place']}召开{name}，会议由{v['chair']}主持。现将会议主要内容纪要如下：",
    }


def minutes_body(c: dict) -> str:
    out = [blank(), body(c["opening"]), p("一、情况通报", style="GbHeading1"), placeholder("请概述会上通报的情况。"),
           p("二、交换意见", style="GbHeading1")]
    for i, topic in enumerate(c["topics"], 1):
        out += [p(f"（{cn_number(i)}）{topic}", style="GbHeading2"), placeholder("请概述各方意见。")]
    if not c["topics"]:
        out.append(placeholder("请概述各方交换的意见。"))
    out.append(p("三、议定事项", style="GbHeading1"))
    out += [body(f"{i}.{item}") for i, item in enumerate(c["decisions"], 1)] or [placeholder("请逐项写明议定事项。")]
    out.append(blank())
    for label, key in (("出席", "attendees"), ("请假", "absent"), ("列席", "observers")):
        if c[key]:
            out.append(people_line(label, c[key]))
    lines = [cc_line("分送", c["distribution"])] if c["distribution"] else []
    out.append(banji(lines + [f"　{c['committee']}\t{c['date']}印发"], rules=True))
    return "".join(out)


# ---------------------------------------------------------------------------------- the API

DRAFTS = {
    "reply": (REPLY_FIELDS, reply_context, reply_body),
    "consultation": (CONSULTATION_FIELDS, consultation_context, consultation_body),
    "minutes": (MINUTES_FIELDS, minutes_context, minutes_body),
}
MODELS = {kind: model(kind, spec) for kind, (spec, _, _) in DRAFTS.items()}


def build_context(kind: str, data, extra_context=None) -> dict:
    """Validated, formatted fields of one draft; ``extra_context`` (the draft_context hook's) merged last."""
    spec, make_context, _ = DRAFTS[kind]
    context = make_context(validate(data, spec, kind))
    if extra_context:
        if not isinstance(extra_context, Mapping) or not all(isinstance(k, str) for k in extra_context):
            raise DraftError("extra_context", "extra_context 应为以字段名为键的映射")
        context.update(extra_context)
    return context


def render_draft(kind: str, data, *, templates_dir=None, extra_context=None) -> bytes:
    """The .docx bytes of draft ``kind`` (reply, consultation, minutes)."""
    context = build_context(kind, data, extra_context)
    _, _, make_body = DRAFTS[kind]
    return render(f"{kind}.docx", context, make_body(context), templates_dir=templates_dir)


def render_reply(data, *, templates_dir=None, extra_context=None) -> bytes:
    """复函 answering a committee's submission (信函格式), as .docx bytes."""
    return render_draft("reply", data, templates_dir=templates_dir, extra_context=extra_context)


def render_consultation(data, *, templates_dir=None, extra_context=None) -> bytes:
    """征求意见函 on a major matter with an 意见反馈表 attached, as .docx bytes."""
    return render_draft("consultation", data, templates_dir=templates_dir, extra_context=extra_context)


def render_minutes(data, *, templates_dir=None, extra_context=None) -> bytes:
    """纪要 of a 对口单位负责人联系会, as .docx bytes."""
    return render_draft("minutes", data, templates_dir=templates_dir, extra_context=extra_context)


__all__ = ["DraftError", "render_reply", "render_consultation", "render_minutes", "render_draft",
           "build_context", "validate", "DEFAULT_CATEGORIES", "DEFAULT_CC"]
