"""documents.xlsx: an attached workbook (written by openpyxl, as Excel and WPS 表格 write .xlsx) checked for marks."""
from __future__ import annotations

import io

import pytest

from oa_liaison_plugin.documents.formats import detect, read_any
from oa_liaison_plugin.documents.read import DocumentReadError

openpyxl = pytest.importorskip("openpyxl")


def workbook(rows, *, header=None, footer=None, sheet2=None, custom=None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名单"
    for row in rows:
        ws.append(row)
    if header:
        ws.oddHeader.center.text = header
    if footer:
        ws.oddFooter.right.text = footer
    if sheet2:
        other = wb.create_sheet("附表")
        for row in sheet2:
            other.append(row)
    if custom:
        from openpyxl.packaging.custom import StringProperty
        for k, v in custom.items():
            wb.custom_doc_props.append(StringProperty(name=k, value=v))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


NAMES = [["序号", "姓名", "单位", "职务"], [1, "张三", "县教育局", "股长"], [2, "李四", "县财政局", "科员"]]


def test_a_plain_list_is_read_and_unclassified():
    data = workbook(NAMES)
    assert detect(data, "名单.docx").code == "xlsx"   # from the bytes, never the name
    facts = read_any(data)
    assert facts.format == "xlsx" and facts.secrecy is None
    assert "张三\t县教育局" in facts.body and "1\t张三" in facts.body


@pytest.mark.parametrize("kw,level,where", [
    ({"rows": [["秘密★1年"], *NAMES]}, "秘密", "body"),
    ({"rows": NAMES, "header": "机密★2027年12月31日"}, "机密", "header"),
    ({"rows": NAMES, "footer": "秘密"}, "秘密", "footer"),
    ({"rows": NAMES, "sheet2": [["绝密★长期"]]}, "绝密", "body"),
    ({"rows": NAMES, "custom": {"密级": "秘密"}}, "秘密", "properties"),
])
def test_a_mark_anywhere_in_a_workbook_is_found(kw, level, where):
    facts = read_any(workbook(**kw))
    assert facts.secrecy == level and any(m.where == where for m in facts.secrecy_marks)


def test_a_damaged_workbook_is_a_clear_error():
    data = workbook(NAMES)
    with pytest.raises(DocumentReadError) as err:
        read_any(data[: len(data) // 2])
    assert err.value.message and "Traceback" not in err.value.message
