"""Forms for one unit, one name pattern, and a whole table file."""
from __future__ import annotations

import datetime as dt
import re

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ...models import Unit, UnitPattern
from ...jsonfile import MAX_BYTES as MAX_TABLE_TEXT
from ...table.file import NOTE_MAX, REGEX_MAX
from ..forms import Form, fits, lines

_DATE_TAIL = re.compile(r"^(.*?)[\s|｜,，]+(\d{4}-\d{1,2}-\d{1,2})$")


def parse_former(text: str | None) -> list[dict]:
    """Lines "旧名称" or "旧名称 2019-03-01" -> [{"name", "until"}]; a bad date raises ValueError."""
    out = []
    for line in lines(text):
        m = _DATE_TAIL.match(line)
        if m:
            y, mo, d = (int(x) for x in m[2].split("-"))
            try:
                until = dt.date(y, mo, d).isoformat()
            except ValueError:
                raise ValueError(f"“{line}”中的日期不存在") from None
            out.append({"name": m[1].strip(), "until": until})
        else:
            out.append({"name": line, "until": None})
    return out


def former_text(former: list[dict]) -> str:
    return "\n".join(f"{f['name']} {f['until']}" if f.get("until") else f["name"] for f in former)


class UnitForm(Form):
    version = HiddenField()   # the unit's version when the form was loaded
    name = StringField("单位简称", validators=[DataRequired("请填写单位简称"), fits(Unit.name)])
    full_name = StringField("单位全称", validators=[Optional(), fits(Unit.full_name)])
    committee = SelectField("对口专门委员会", choices=[], validate_choice=False)
    more_committees = SelectMultipleField("合并单位的其他对口委员会", choices=[], validate_choice=False)
    parent = StringField("所属单位（下属单位才填）", validators=[Optional(), fits(Unit.name)])
    aliases = TextAreaField("别名（每行一个）", validators=[Length(max=20000)])
    former_names = TextAreaField("曾用名（每行一个，可加停用日期）", validators=[Length(max=20000)])

    def validate_former_names(self, field):
        try:
            parse_former(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def item(self) -> dict:
        """The unit as an entry of the table file."""
        out = {"name": self.name.data}
        linked = list(dict.fromkeys(filter(None, [self.committee.data, *(self.more_committees.data or [])])))
        if len(linked) == 1:
            out["committee"] = linked[0]
        elif linked:
            out["committees"] = linked
        if self.parent.data:
            out["parent"] = self.parent.data
        if self.full_name.data:
            out["full_name"] = self.full_name.data
        out["aliases"] = lines(self.aliases.data)
        former = parse_former(self.former_names.data)
        if former:
            out["former_names"] = former
        return out


class PatternForm(Form):
    name = StringField("名称", validators=[DataRequired("请填写名称"), fits(UnitPattern.name)])
    committee = SelectField("对口专门委员会", choices=[], validate_choice=False,
                            validators=[DataRequired("请选择委员会")])
    regex = StringField("单位名称的正则表达式", validators=[DataRequired("请填写正则表达式"), Length(max=REGEX_MAX)])
    note = TextAreaField("说明", validators=[Optional(), Length(max=NOTE_MAX)])
    version = HiddenField()   # the pattern's version when the form was loaded

    def item(self) -> dict:
        return {"name": self.name.data, "committee": self.committee.data, "regex": self.regex.data,
                "note": self.note.data or None}


class ImportForm(Form):
    file = FileField("对口联系表文件（.json）", validators=[FileRequired("请选择文件"),
                                                      FileAllowed(["json"], "只能上传 .json 文件（由“导出”得到的格式）")])


class ImportApplyForm(Form):
    """The checked file carried by the confirmation page: applied only with ``confirmed`` and every loss ticked."""
    text = HiddenField("对口联系表文件", validators=[DataRequired("没有要导入的对口联系表"), Length(max=MAX_TABLE_TEXT)])
    confirmed = HiddenField()
