"""The input models' one refusal: pydantic's errors as InputError(field, message), in Chinese, naming the JSON path."""
from __future__ import annotations

import datetime as dt
from typing import Literal

import pytest
from pydantic import field_validator

from oa_liaison_plugin.errors import InputError
from oa_liaison_plugin.inputs import Input, parse


class Person(Input):
    name: str
    born: dt.date | None = None


class Meeting(Input):
    title: str
    position: Literal["同意", "修改意见", "不同意"] = "同意"
    attendees: list[Person] = []

    @field_validator("title")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("标题不能为空")
        return v


def refused(data, prefix=""):
    with pytest.raises(InputError) as err:
        parse(Meeting, data, prefix)
    return err.value.field, err.value.message


def test_a_missing_field_is_named_by_its_path_and_missing_comes_first():
    assert refused({"attendees": [{"name": 1}]}, "data") == ("data.title", "缺少必填项")
    assert refused({"title": "会", "attendees": [{"born": "x"}]}) == ("attendees[0].name", "缺少必填项")


def test_each_kind_of_error_is_said_in_chinese():
    assert refused({"title": "会", "attendees": [{"name": "甲", "born": "昨天"}]}) == \
        ("attendees[0].born", "日期应写成 YYYY-MM-DD")
    assert refused({"title": "会", "position": "好"}) == ("position", "应为以下之一：同意、修改意见、不同意")
    assert refused({"title": "会", "attendees": "甲"}) == ("attendees", "应为列表")
    assert refused({"title": "  "}) == ("title", "标题不能为空")
    assert refused([1]) == (None, "应为对象（键值对）")


def test_good_input_is_parsed_and_undeclared_keys_are_kept():
    m = parse(Meeting, {"title": "会", "attendees": [{"name": "甲", "born": "2017-03-20"}], "extra": 1})
    assert m.attendees[0].born == dt.date(2017, 3, 20) and m.model_extra == {"extra": 1}


def test_the_table_file_is_one_model_whose_json_schema_accepts_the_shipped_table():
    import jsonschema

    from oa_liaison_plugin.inputs.table import TableFile
    from oa_liaison_plugin.table.file import default_table
    schema = TableFile.model_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    shipped = default_table()
    jsonschema.validate(shipped, schema)
    TableFile.model_validate(shipped)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**shipped, "units": [{"committee": "教科文卫体委员会"}]}, schema)   # a unit needs a name


def test_a_unit_in_a_file_and_a_unit_in_the_form_are_checked_by_one_model(app):
    """The table file's ``units[3].name`` and the unit form's 单位简称 get the same problem from UnitEntry."""
    from oa_liaison_plugin.models import Jurisdiction, db
    from oa_liaison_plugin.table import file as t
    from oa_liaison_plugin.table import ops
    with app.app_context():
        data = t.export("nanbu")
        data["units"][3]["name"] = "县\x07局"
        with pytest.raises(t.TableError) as in_file:
            t.validate(data)
        jur = db.session.query(Jurisdiction).filter_by(code="nanbu").one()
        with pytest.raises(t.TableError) as in_form:
            ops.create_unit(jur, {"name": "县\x07局", "committee": "教科文卫体委员会"})
    (a,), (b,) = in_file.value.errors, in_form.value.errors
    assert (a.code, a.field, a.message, a.where) == ("control_character", "name", "含控制字符", "units[3].name")
    assert (b.code, b.field, b.message, b.where) == ("control_character", "name", "含控制字符", "单位简称")
