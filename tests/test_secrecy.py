"""documents.secrecy: what is a 密级 mark, what is prose, how host values and levels rank."""
from __future__ import annotations

import pytest

from oa_liaison_plugin.documents.secrecy import (LEVELS, NOT_CLASSIFIED, Mark, find_marks, level_of,
                                                 restricting_note, strictest)


@pytest.mark.parametrize("line, level, period", [
    ("秘密", "秘密", None),
    ("秘　密★6个月", "秘密", "6个月"),
    ("机 密", "机密", None),
    ("绝密★长期", "绝密", "长期"),
    ("機密★1年", "机密", "1年"),
    ("絕密☆10年", "绝密", "10年"),
    ("秘密*6个月", "秘密", "6个月"),
    ("秘密 ★ 1年", "秘密", "1年"),
    ("★秘密", "秘密", None),
    ("密级：秘密　保密期限：6个月", "秘密", "6个月"),
    ("密级:机密", "机密", None),
    ("份号：000012　机密★1年　特急", "机密", "1年"),
    ("000012", None, None),
    ("000012 秘密★1年", "秘密", "1年"),
    ("【秘密】", "秘密", None),
    ("No.000012　秘密", "秘密", None),
    ("密级：内部", "内部", None),
    ("秘密\t南府办函〔2023〕56号", "秘密", None),
    ("秘密★1年      南府办函〔2023〕56号", "秘密", "1年"),
    ("南部县教育局\t秘密★1年", "秘密", "1年"),
    ("特急", None, None),
    ("密级：无", None, None),
    ("密级：", None, None),
])
def test_marks(line, level, period):
    marks = find_marks([line], "header")
    if level is None:
        assert marks == []
    else:
        assert [(m.level, m.period) for m in marks] == [(level, period)]
        assert marks[0].text in line and "密" in marks[0].text


@pytest.mark.parametrize("prose", [
    "做好保密工作，严防泄露国家秘密。",
    "关于做好保密工作的通知",
    "关于加强国家秘密载体管理的意见",
    "本文件属机密，请妥善保管。",
    "各单位要严格执行保密制度，涉及秘密事项的文件不得通过互联网传输",
    "（三）机密文件管理",
    "秘密的事情",
    "绝密级文件的管理办法",
    "保密期限：6个月",
    "南部县保密局",
])
def test_prose_is_no_mark(prose):
    assert find_marks([prose], "body") == []


def test_letter_line_and_where():
    marks = find_marks(["南部县人民政府办公室", "秘密\t南府办函〔2023〕56号", "秘密★1年"], "body")
    assert [m.where for m in marks] == ["letter_line", "body"]
    assert find_marks(["秘密\t南府办函〔2023〕56号"], "header")[0].where == "header"
    assert isinstance(marks[0], Mark) and marks[0].level in LEVELS


@pytest.mark.parametrize("value, level", [
    (None, None), ("", None), ("无", None), ("　公开 ", None), ("NONE", None), ("非密", None), ("不涉密", None),
    ("秘密", "秘密"), ("秘密★6个月", "秘密"), ("密级：机密", "机密"), ("秘 密", "秘密"), ("絕密", "绝密"),
    ("机密★1年", "机密"), ("内部", "内部"), (" 敏感 ", "敏感"),
])
def test_level_of(value, level):
    assert level_of(value) == level


def test_not_classified_is_normalised():
    assert "无" in NOT_CLASSIFIED and "none" in NOT_CLASSIFIED and "秘密" not in NOT_CLASSIFIED


def test_strictest():
    assert strictest([]) is None
    assert strictest([None, "无", ""]) is None
    assert strictest(["秘密", None, "机密"]) == "机密"
    assert strictest(["绝密★长期", "秘密"]) == "绝密"
    assert strictest(["内部", None]) == "内部"
    assert strictest(["内部", "秘密"]) == "秘密"


@pytest.mark.parametrize("note, phrase", [
    ("此件不公开", "不公开"), ("内部资料，注意保密", "内部资料"), ("此件仅限县级领导阅读", "仅限县级领导阅读"),
    ("不得转发", "不得转发"), ("此件公开发布", None), ("此件主动公开", None), (None, None), ("", None),
])
def test_restricting_note(note, phrase):
    assert restricting_note(note) == phrase
