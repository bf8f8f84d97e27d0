"""Draft forms: what the database knows comes prefilled; the clerk adds signer, number and contact."""
from __future__ import annotations

import re

from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ...documents.drafts import DEFAULT_CATEGORIES, KINDS
from ..forms import Form, choices, lines

_REQUIRED = "请填写此项"
_PEOPLE_SPLIT = re.compile(r"[\s,，、]+")


def people(text: str | None) -> list:
    """Lines "单位 职务 姓名" (or "职务 姓名", or a name) -> the drafts API's people list."""
    out = []
    for line in lines(text):
        parts = [p for p in _PEOPLE_SPLIT.split(line) if p]
        if len(parts) >= 3:
            out.append({"unit": " ".join(parts[:-2]), "post": parts[-2], "name": parts[-1]})
        elif len(parts) == 2:
            out.append({"post": parts[0], "name": parts[1]})
        else:
            out.append(parts[0])
    return out


def people_text(items: list) -> str:
    return "\n".join(" ".join(filter(None, [p.get("unit"), p.get("post"), p.get("name")]))
                     if isinstance(p, dict) else str(p) for p in items)


class LetterFields(Form):
    unit = StringField("发文单位", validators=[DataRequired(_REQUIRED), Length(max=128)])
    committee = StringField("主送委员会", validators=[DataRequired(_REQUIRED), Length(max=128)])
    doc_number = StringField("发文字号", validators=[DataRequired(_REQUIRED), Length(max=64)])
    date = DateField("成文日期", validators=[DataRequired("请填写日期（年-月-日）")])
    contact = StringField("联系人", validators=[DataRequired(_REQUIRED), Length(max=32)])
    phone = StringField("联系电话", validators=[DataRequired(_REQUIRED), Length(max=64)])


class ReplyForm(LetterFields):
    kind = SelectField("来件类别", choices=choices((k, k) for k in KINDS))
    title = StringField("来件标题", validators=[DataRequired(_REQUIRED), Length(max=512)])
    number = StringField("来件编号", validators=[DataRequired(_REQUIRED), Length(max=64)])
    received = DateField("收到日期", validators=[DataRequired("请填写日期（年-月-日）")])
    category = SelectField("答复类别", validators=[DataRequired("请选择答复类别")], choices=choices(
        [("", "请选择")] + [(k, f"{k}类：{v}") for k, v in DEFAULT_CATEGORIES.items()]))
    signer = StringField("签发人", validators=[DataRequired(_REQUIRED), Length(max=32)])
    # Filled in for a second answer (the task was reopened after a rating): the draft quotes the opinion.
    previous = StringField("上次复函的发文字号", validators=[Optional(), Length(max=64)])
    previous_date = DateField("上次复函日期", validators=[Optional()])
    rating = StringField("委员会的评价", validators=[Optional(), Length(max=8)])
    opinion = TextAreaField("委员会的意见（再次答复的草稿引用）", validators=[Optional(), Length(max=2000)])

    def draft(self) -> dict:
        out = {k: self[k].data.isoformat() if k in ("received", "date") else self[k].data for k in (
            "unit", "committee", "kind", "title", "number", "received", "category", "signer", "contact",
            "phone", "doc_number", "date")}
        again = {"previous": self.previous.data, "rating": self.rating.data, "opinion": self.opinion.data,
                 "previous_date": self.previous_date.data and self.previous_date.data.isoformat()}
        return {**out, **{k: v for k, v in again.items() if v}}


class ConsultationForm(LetterFields):
    title = StringField("征求意见的事项", validators=[DataRequired(_REQUIRED), Length(max=512)])
    summary = TextAreaField("事项概要（每段一行）", validators=[DataRequired(_REQUIRED), Length(max=20000)])
    due = DateField("反馈截止日期", validators=[DataRequired("请填写日期（年-月-日）")])

    def draft(self) -> dict:
        return {k: self[k].data.isoformat() if k in ("due", "date") else self[k].data for k in (
            "unit", "committee", "title", "summary", "due", "doc_number", "date", "contact", "phone")}


class MinutesForm(Form):
    committee = StringField("召开联系会的委员会", validators=[DataRequired(_REQUIRED), Length(max=128)])
    year = IntegerField("年度", validators=[DataRequired(_REQUIRED), NumberRange(1949, 2200, "年度不对")])
    seq = IntegerField("期数（第几期）", validators=[DataRequired(_REQUIRED), NumberRange(1, 999, "期数为 1–999")])
    held_on = DateField("会议日期", validators=[DataRequired("请填写日期（年-月-日）")])
    place = StringField("会议地点", validators=[DataRequired(_REQUIRED), Length(max=128)])
    chair = StringField("主持人（职务 姓名）", validators=[DataRequired(_REQUIRED), Length(max=128)])
    attendees = TextAreaField("出席人员（每行一人：单位 职务 姓名）", validators=[DataRequired(_REQUIRED), Length(max=20000)])
    absent = TextAreaField("请假人员（同上，可空）", validators=[Optional(), Length(max=20000)])
    topics = TextAreaField("交换意见的议题（每行一个，可空）", validators=[Optional(), Length(max=20000)])
    decisions = TextAreaField("议定事项（每行一项，可空）", validators=[Optional(), Length(max=20000)])

    def draft(self) -> dict:
        out = {"committee": self.committee.data, "year": self.year.data, "seq": self.seq.data,
               "held_on": self.held_on.data.isoformat(), "place": self.place.data, "chair": self.chair.data,
               "attendees": people(self.attendees.data)}
        if self.absent.data:
            out["absent"] = people(self.absent.data)
        for key in ("topics", "decisions"):
            if self[key].data:
                out[key] = lines(self[key].data)
        return out
