"""Forms of the meetings pages: a liaison meeting's record, the signed minutes, one-button steps."""
from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, DateField, FieldList, FormField, HiddenField, SelectField, SelectMultipleField,
                     StringField, SubmitField, TextAreaField)
from wtforms import Form as BaseForm
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ...meetings.record import ROLES, TOPIC_KINDS
from ...models import Meeting, MeetingPerson
from ..forms import Form, choices, fits, lines

_REQUIRED = "请填写此项"


ROWS = 2   # blank rows of each list on a new form; 再加一行 adds one (no script: the CSP allows none)


class AbsentRow(BaseForm):
    """One absentee: a name from the attendee list and the reason; ``remove`` drops the row."""
    name = StringField("姓名", validators=[Optional(), Length(max=64)])
    reason = StringField("请假原因", validators=[Optional(), Length(max=256)])
    remove = BooleanField("删去")

    def filled(self) -> bool:
        return bool(self.name.data) and not self.remove.data


class ObserverRow(BaseForm):
    """One attendee who sat in (列席): unit, post and name; ``remove`` drops the row."""
    organisation = StringField("单位", validators=[Optional(), fits(MeetingPerson.organisation)])
    post = StringField("职务", validators=[Optional(), fits(MeetingPerson.post)])
    name = StringField("姓名", validators=[Optional(), fits(MeetingPerson.name)])
    remove = BooleanField("删去")

    def filled(self) -> bool:
        return bool(self.name.data) and not self.remove.data


class TopicRow(BaseForm):
    """One agreed topic: 协商 or 调研, its title, the unit leading it; ``remove`` drops the row."""
    kind = SelectField("类别", choices=choices([("协商", "协商"), ("调研", "调研")]), validate_choice=False)
    title = StringField("课题名称", validators=[Optional(), Length(max=512)])
    unit = StringField("牵头单位", validators=[Optional(), Length(max=256)])
    remove = BooleanField("删去")

    def filled(self) -> bool:
        return bool(self.title.data) and not self.remove.data


class RecordForm(Form):
    held_on = DateField("会议日期", validators=[DataRequired("请填写日期（年-月-日）")])
    place = StringField("会议地点", validators=[DataRequired(_REQUIRED), fits(Meeting.place)])
    chair = StringField("主持人（职务 姓名）", validators=[DataRequired(_REQUIRED), fits(Meeting.chair)])
    attendees = SelectMultipleField("出席人员", coerce=str, validate_choice=True,
                                    widget=ListWidget(html_tag="ul", prefix_label=False), option_widget=CheckboxInput(),
                                    validators=[DataRequired("请至少选择一名出席人员")])
    absent = FieldList(FormField(AbsentRow), label="请假人员", min_entries=ROWS)
    observers = FieldList(FormField(ObserverRow), label="列席人员", min_entries=ROWS)
    topics = TextAreaField("交换意见的议题（每行一个）", validators=[Optional(), Length(max=20000)])
    decisions = TextAreaField("议定事项（每行一项）", validators=[Optional(), Length(max=20000)])
    agreed_topics = FieldList(FormField(TopicRow), label="议定的年度课题", min_entries=ROWS)
    more = SubmitField("再加一行")   # shows the form again with one more blank row of each list; saves nothing
    version = HiddenField()   # the meeting's version when its record's form was loaded

    @staticmethod
    def data_of(meeting: Meeting, topics) -> dict:
        """A recorded meeting (and its agreed ``topics``) as the form shows it: :meth:`record`'s inverse."""
        people = {role: [p for p in meeting.people if p.role == role] for role in ROLES}
        return {"held_on": meeting.held_on, "place": meeting.place, "chair": meeting.chair,
                "attendees": [f"leader-{p.leader_id}" if p.leader_id else f"member-{p.member_id}"
                              for p in people["attendee"]],
                "absent": [{"name": p.name, "reason": p.reason or ""} for p in people["absent"]],
                "observers": [{"organisation": p.organisation or "", "post": p.post or "", "name": p.name}
                              for p in people["observer"]],
                "topics": "\n".join(meeting.topics or []), "decisions": "\n".join(meeting.decisions or []),
                "agreed_topics": [{"kind": TOPIC_KINDS[t.kind], "title": t.title, "unit": t.unit.name if t.unit else ""}
                                  for t in topics],
                "version": meeting.version}

    def rows(self) -> dict:
        """The lists' rows that stay (filled, not 删去), as :meth:`data_of` gives them."""
        return {"absent": [{"name": r.form.name.data, "reason": r.form.reason.data or ""}
                           for r in self.absent if r.form.filled()],
                "observers": self._observers(""),
                "agreed_topics": [{"kind": r.form.kind.data or "协商", "title": r.form.title.data,
                                   "unit": r.form.unit.data or ""} for r in self.agreed_topics if r.form.filled()]}

    def _observers(self, blank) -> list[dict]:
        """The 列席 rows that stay, an empty unit or post as ``blank``."""
        return [{"organisation": r.form.organisation.data or blank, "post": r.form.post.data or blank,
                 "name": r.form.name.data} for r in self.observers if r.form.filled()]

    def record(self, committee: str) -> dict:
        """The record as :func:`~oa_liaison_plugin.meetings.record.record_meeting` takes it."""
        absent = [{"name": r.form.name.data, "reason": r.form.reason.data or ""}
                  for r in self.absent if r.form.filled()]
        observers = self._observers(None)
        topics = [{"kind": r.form.kind.data or "协商", "title": r.form.title.data, "unit": r.form.unit.data or None}
                  for r in self.agreed_topics if r.form.filled()]
        return {"committee": committee, "held_on": self.held_on.data.isoformat(), "place": self.place.data,
                "chair": self.chair.data, "attendees": [{"key": k} for k in self.attendees.data], "absent": absent,
                "observers": observers, "topics": lines(self.topics.data), "decisions": lines(self.decisions.data),
                "agreed_topics": topics}


class SignedForm(Form):
    file = FileField("签发后的纪要（PDF 或 .docx）", validators=[FileRequired("请选择文件")])


class StepForm(Form):
    """One button's answer: confirm or decline a proposal, move a topic to its next state (and what came of it)."""
    value = HiddenField()
    link = StringField("成果", validators=[Optional(), Length(max=40)])

    def outcome(self) -> dict:
        """``consultation-12`` / ``submission-3`` -> the keyword topics.advance takes; anything else: none."""
        kind, _, ident = (self.link.data or "").partition("-")
        if kind in ("consultation", "submission") and ident.isascii() and ident.isdigit() and len(ident) < 10:
            return {f"{kind}_id": int(ident)}
        return {}
