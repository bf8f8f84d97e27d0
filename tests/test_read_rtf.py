"""documents.rtf: the RTF tokenizer: \\uN and \\ucN, \\'hh per font charset (GBK), destinations kept and
skipped, headers/footers, table cells, shapes, fields, hidden and deleted text,
\\info and \\userprops, garbage."""
from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oa_liaison_plugin.documents.formats import read_any
from oa_liaison_plugin.documents.read import DocumentFacts, DocumentReadError
from oa_liaison_plugin.documents.rtf import read_rtf

CORPUS = Path(__file__).resolve().parent / "corpus" / "formats"
FONTS = r"{\fonttbl{\f0\fnil\fcharset134 \'cb\'ce\'cc\'e5;}{\f1\froman\fcharset0 Times New Roman;}}"
HEAD = ("南部县教育局文件", "南教发〔2023〕12号", "关于加强校园安全管理工作的通知", "各中小学校：")
TAIL = ("为切实加强校园安全管理，现就有关事项通知如下。", "南部县教育局", "2023年5月8日", "抄送：县委办公室，县政府办公室。",
        "南部县教育局办公室\t2023年5月8日印发")


def gbk(s: str) -> str:
    """Text as Word writes it in a \\ansicpg936 file: GBK bytes as \\'hh, ASCII as is, tabs as \\tab."""
    return "".join(c if c.isascii() and c not in "\\{}\t" else "\\tab " if c == "\t"
                   else "".join(f"\\'{b:02x}" for b in c.encode("gbk")) for c in s)


def uni(s: str) -> str:
    """Text as LibreOffice writes it: \\uN with a ? for readers without Unicode (\\uc1)."""
    return "".join(c if c.isascii() and c not in "\\{}\t" else "\\tab " if c == "\t"
                   else f"\\u{ord(c) if ord(c) < 32768 else ord(c) - 65536}?" for c in s)


def pars(*lines: str, enc=gbk) -> str:
    return "".join(f"{enc(x)}\\par\n" for x in lines)


def rtf(body: str, head: str = "", cpg: int = 936) -> bytes:
    return f"{{\\rtf1\\ansi\\ansicpg{cpg}\\deff0{FONTS}{head}\\pard\\plain\\f0 {body}}}".encode("ascii")


STANDARD = pars(*HEAD, *TAIL)


def where(f: DocumentFacts) -> list[tuple[str, str | None, str]]:
    return [(m.level, m.period, m.where) for m in f.secrecy_marks]


def test_facts_of_an_issued_notice():
    f = read_rtf(rtf(pars("000012", "秘密★1年", "特急") + STANDARD))
    assert (f.doc_number, f.title, f.issuer) == ("南教发〔2023〕12号", "关于加强校园安全管理工作的通知", "南部县教育局")
    assert (f.secrecy, f.secrecy_period, f.urgency, f.copy_number) == ("秘密", "1年", "特急", "000012")
    assert f.cc == ["县委办公室", "县政府办公室"] and f.issued_on == datetime.date(2023, 5, 8) and f.format == "rtf"
    assert where(f) == [("秘密", "1年", "body")]


def test_unicode_escapes_read_the_same():
    f = read_rtf(rtf(pars("秘密★1年", *HEAD, *TAIL, enc=uni)))
    assert f.secrecy == "秘密" and f.doc_number == "南教发〔2023〕12号" and f.title == HEAD[2]


@pytest.mark.parametrize("mark, level, period", [
    ("机密★2027年12月31日", "机密", "2027年12月31日"),
    ("秘密★解密条件：项目验收后", "秘密", "解密条件:项目验收后"),
    ("秘密★1年6个月", "秘密", "1年6个月"),
    ("秘密★3年 份号：000012", "秘密", "3年"),
])
def test_new_spellings(mark, level, period):
    f = read_rtf(rtf(pars(mark) + STANDARD))
    assert (f.secrecy, f.secrecy_period) == (level, period)


def test_uc_skip_counts():
    # \uc2: two fallback bytes (a GBK pair) stand for each \uN; \uc0: none; a control word counts as one
    body = r"{\uc2\u31192\'c3\'d8\u23494\'c3\'dc\u9733\'a1\'ef1\u24180\'c4\'ea\par}"
    body += r"{\uc0\u31192\u23494\u9733 1\u24180\par}"
    body += r"{\uc1\u31192\tab x\par}"
    f = read_rtf(rtf(body + STANDARD))
    assert f.body.split("\n")[:3] == ["秘密★1年", "秘密★1年", "秘x"]   # the space after \u9733 ends it


def test_surrogate_pairs_and_negative_code_points():
    f = read_rtf(rtf(r"\u-10179?\u-8704?\u-253?\par " + STANDARD))
    assert f.body.split("\n")[0] == "\U0001f600\uff03"


def test_fonts_choose_the_code_page():
    big5 = "".join(f"\\'{b:02x}" for b in "機密".encode("big5"))
    head = r"{\fonttbl{\f0\fcharset134 A;}{\f2\fcharset136 B;}{\f3\fcharset0 C;}}"
    raw = (r"{\rtf1\ansi\ansicpg936\deff0" + head + r"\pard\plain\f2 " + big5 + r"\par\f3 " + gbk("机密")
           + r"\par\f0 " + STANDARD + "}").encode()
    f = read_rtf(raw)
    # a charset 0 font in a \ansicpg936 file still reads GBK bytes (Chinese writers leave them so)
    assert f.body.split("\n")[:2] == ["機密", "机密"] and f.secrecy == "机密"


def test_double_byte_trail_byte_as_a_plain_character():
    # GBK "秘" is C3 D8; "丂" is 81 40, written \'81@ by Word
    f = read_rtf(rtf(r"\'81@\'c3\'d8\'c3\'dc\par " + STANDARD))
    assert f.body.split("\n")[0] == "丂秘密"


def test_raw_8_bit_text_is_read_in_the_code_page():
    raw = rtf("") .replace(b"\\f0 }", b"\\f0 " + "秘密★1年\\par ".encode("gbk") + STANDARD.encode() + b"}")
    assert read_rtf(raw).secrecy == "秘密"


def test_control_symbols_and_special_characters():
    f = read_rtf(rtf(r"a\~b\-c\_d\{e\}f\\g\emdash\ldblquote x\rdblquote\line h\
i\par " + STANDARD))
    assert f.body.split("\n")[:3] == ["a\u00a0bc\u2011d{e}f\\g\u2014\u201cx\u201d", "h", "i"]


def test_binary_data_is_skipped():
    # the 6 bytes after \bin6 are data: their braces close no group, their \v hides nothing
    f = read_rtf(rtf(r"{\pict\bin6 }}{{\v}" + pars("秘密★1年") + STANDARD))
    assert f.body.split("\n")[0] == "秘密★1年" and f.secrecy == "秘密"


# ------------------------------------------------------------------------------------------ places

@pytest.mark.parametrize("group, place", [
    ("header", "header"), ("headerf", "header"), ("headerl", "header"), ("headerr", "header"),
    ("footer", "footer"), ("footerf", "footer"),
])
def test_mark_only_in_a_header_or_footer(group, place):
    f = read_rtf(rtf(f"{{\\{group}\\pard\\plain\\f0 {gbk('机密★2027年12月31日')}\\par}}" + STANDARD))
    assert where(f) == [("机密", "2027年12月31日", place)] and "机密" not in f.body


def test_header_gives_the_banner_when_the_body_has_none():
    f = read_rtf(rtf(f"{{\\header\\pard {pars(*HEAD[:2])}}}" + pars(*HEAD[2:], *TAIL)))
    assert f.doc_number == "南教发〔2023〕12号" and f.issuer == "南部县教育局"


def test_mark_in_a_table_cell():
    row = r"\trowd\cellx2000\cellx6000\pard\intbl " + gbk("000012") + r"\cell " + gbk("秘密★解密条件：项目验收后") \
        + r"\cell\row\pard "
    f = read_rtf(rtf(row + STANDARD))
    assert where(f) == [("秘密", "解密条件:项目验收后", "table")] and f.doc_number == "南教发〔2023〕12号"
    assert f.body.split("\n")[:3] == ["000012", "秘密★解密条件：项目验收后", ""]


def test_mark_in_a_shape_text_box_once():
    shape = (r"{\shp{\*\shpinst\shpleft0{\sp{\sn shapeType}{\sv 202}}{\shptxt \pard " + gbk("秘密★3年 份号：000012")
             + r"\par}}{\shprslt{\*\do\dobxcolumn{\dptxbxtext " + gbk("秘密★3年 份号：000012") + r"\par}}}}")
    f = read_rtf(rtf(shape + STANDARD))
    assert where(f) == [("秘密", "3年", "textbox")] and "秘密" not in f.body


def test_notes_and_annotations():
    note = r"x{\footnote\pard " + gbk("秘密★1年") + r"\par}\par "
    assert where(read_rtf(rtf(note + STANDARD))) == [("秘密", "1年", "footnote")]
    note = r"x{\footnote\ftnalt\pard " + gbk("秘密★1年") + r"\par}\par "
    assert where(read_rtf(rtf(note + STANDARD))) == [("秘密", "1年", "endnote")]
    comment = r"x{\*\atnid ZS}{\*\atnauthor " + gbk("张三") + r"}\chatn{\*\annotation\pard " + gbk("秘密★1年") \
        + r"\par}\par "
    f = read_rtf(rtf(comment + STANDARD))
    assert where(f) == [("秘密", "1年", "comment")] and f.body.split("\n")[0] == "x"


def test_field_code_dropped_result_kept():
    code_only = r"{\field{\*\fldinst DOCPROPERTY " + gbk("秘密") + r"}{\fldrslt " + gbk("正文") + r"}}\par "
    f = read_rtf(rtf(code_only + STANDARD))
    assert f.secrecy is None and "DOCPROPERTY" not in f.body and f.body.startswith("正文")
    result = r"{\field{\*\fldinst DOCPROPERTY x}{\fldrslt " + gbk("机密★1年") + r"}}\par "
    assert where(read_rtf(rtf(result + STANDARD))) == [("机密", "1年", "field")]


def test_skipped_destinations_hold_no_text():
    junk = (r"{\colortbl;\red0\green0\blue0;}{\stylesheet{\s0 " + gbk("秘密") + r";}}{\*\generator " + gbk("秘密")
            + r";}{\*\unknowndest " + gbk("秘密★1年") + r"}{\*\bkmkstart " + gbk("秘密") + r"}{\pict abcdef}")
    f = read_rtf(rtf(junk + STANDARD))
    assert f.secrecy is None and f.body.split("\n")[0] == HEAD[0]


def test_info_and_user_properties():
    info = r"{\info{\title " + gbk(HEAD[2]) + r"}{\keywords " + gbk("机密★1年") + r"}{\author x}}"
    f = read_rtf(rtf(STANDARD, head=info))
    assert where(f) == [("机密", "1年", "properties")]
    upr = (r"{\info{\upr{\title ????}{\*\ud{\title " + uni("关于安全工作的通知") + r"}}}}"
           r"{\*\userprops{\propname AppVersion}\proptype30{\staticval 14}{\propname " + uni("密级")
           + r"}\proptype30{\staticval " + uni("机密") + "}}")
    f = read_rtf(rtf(pars("各中小学校：", "请做好安全工作。"), head=upr))
    assert f.title == "关于安全工作的通知" and [(m.level, m.where) for m in f.secrecy_marks] == [("机密", "properties")]
    public = r"{\*\userprops{\propname " + uni("密级") + r"}\proptype30{\staticval " + uni("公开") + "}}"
    assert read_rtf(rtf(STANDARD, head=public)).secrecy is None


def test_hidden_text_is_read_as_seen_and_scanned():
    f = read_rtf(rtf(r"{\v " + gbk("绝密★10年") + r"}\par " + STANDARD))
    assert "绝密" not in f.body and where(f) == [("绝密", "10年", "hidden")]
    assert f.title == HEAD[2]
    f = read_rtf(rtf(r"\v " + gbk("绝密★10年") + r"\v0\par " + STANDARD))
    assert where(f) == [("绝密", "10年", "hidden")]


def test_tracked_deletion_does_not_count():
    f = read_rtf(rtf(r"{\deleted\revauthdel1 " + gbk("秘密★1年") + r"}\par " + STANDARD))
    assert f.secrecy is None


# ------------------------------------------------------------------------------------------- refusals

@pytest.mark.parametrize("raw, code", [
    (b"", "not_rtf"), (b"hello", "not_rtf"), (b"{\\rtf1 }", "empty_body"),
    (b"{\\rtf1 \\par\\par}", "empty_body"),
    (b"{\\rtf1" + b"{" * 5000 + b"x" + b"}" * 5000 + b"}", "bad_rtf"),
])
def test_refusals(raw, code):
    with pytest.raises(DocumentReadError) as e:
        read_rtf(raw)
    assert e.value.code == code and e.value.message


def test_unbalanced_and_cut_files_still_read():
    raw = rtf(pars("秘密★1年") + STANDARD)
    assert read_rtf(raw[:-1]).secrecy == "秘密"
    assert read_rtf(raw + b"}}}}").secrecy == "秘密"
    assert read_rtf(b"\xef\xbb\xbf\r\n" + raw).secrecy == "秘密"


def test_size_limit():
    with pytest.raises(DocumentReadError) as e:
        read_rtf(rtf(STANDARD), max_bytes=100)
    assert e.value.code == "too_large"


def _outcome(raw: bytes) -> None:
    try:
        f = read_rtf(raw)
    except DocumentReadError as exc:
        assert exc.code and exc.message
    else:
        assert isinstance(f, DocumentFacts)


TOKENS = ["{", "}", "\\", "\\par ", "1", "-", " ", "?", "秘密", "★", "\r\n", "@", *(
    "\\" + w for w in """u u- uc2 ' 'c3 'd8 '81 * bin bin99999999 v v0 f0 f9 fonttbl header fldinst fldrslt
                         upr ud cell intbl ansicpg936 ansicpg999 fcharset134 propname staticval userprops
                         deleted shptxt""".split())]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=80))
def test_fuzz_token_soup(tokens):
    _outcome(("{\\rtf1 " + "".join(tokens)).encode("utf-8"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_fuzz_bytes_after_the_magic(tail):
    _outcome(b"{\\rtf1" + tail)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.rtf"))[:2], ids=lambda p: p.name)
def test_corpus_files_cut_and_spoiled(path):
    raw = path.read_bytes()
    for n in range(0, len(raw), 1499):
        _outcome(raw[:n])
    for at in range(0, len(raw), 211):
        _outcome(raw[:at] + b"}{\\'" + raw[at + 3:])


def test_read_any_from_the_bytes(tmp_path):
    raw = rtf(pars("秘密★1年") + STANDARD)
    f = read_any(b"\r\n" + raw, name="正文.docx")
    assert f.format == "rtf" and f.secrecy == "秘密"
    path = tmp_path / "正文.doc"
    path.write_bytes(raw)
    assert read_any(path).format == "rtf"
