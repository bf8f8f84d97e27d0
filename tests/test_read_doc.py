"""documents.doc: Word 97-2003 .doc/.wps read in-process: stories, places of marks, fields, hidden and deleted
runs, properties, encryption, files that are not Word, damaged files (only ever DocumentReadError)."""
from __future__ import annotations

import datetime
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oa_liaison_plugin.documents.doc import read_doc
from oa_liaison_plugin.documents.formats import read_any
from oa_liaison_plugin.documents.read import DocumentFacts, DocumentReadError

from word97 import SUMMARY, compound_file, lines, make_doc, property_stream, word_streams

CORPUS = Path(__file__).resolve().parent / "corpus" / "formats"
HEAD = ("南部县教育局文件", "南教发〔2023〕12号", "关于加强校园安全管理工作的通知", "各中小学校：")
TAIL = ("为切实加强校园安全管理，现就有关事项通知如下。", "一、各学校要落实安全管理主体责任。", "南部县教育局", "2023年5月8日",
        "抄送：县委办公室，县政府办公室。", "南部县教育局办公室\t2023年5月8日印发")
BODY = lines(*HEAD, *TAIL)
# Header stories: six note separators, then even header, odd header, even footer, odd footer, first header,
# first footer.
SEPARATORS = ["\x03\r", "\x04\r", "\r", "\r", "\r", "\r"]


def headers(odd_header: str = "", odd_footer: str = "", first_header: str = "") -> list[str]:
    return SEPARATORS + ["", odd_header and odd_header + "\r", "", odd_footer and odd_footer + "\r",
                         first_header and first_header + "\r", ""]


def where(facts: DocumentFacts) -> list[tuple[str, str | None, str]]:
    return [(m.level, m.period, m.where) for m in facts.secrecy_marks]


# ----------------------------------------------------------------------------------------------- facts

def test_facts_of_an_issued_notice():
    f = read_doc(make_doc(lines("000012", "秘密★1年", "特急", *HEAD, *TAIL)))
    assert (f.doc_number, f.title, f.issuer) == ("南教发〔2023〕12号", "关于加强校园安全管理工作的通知", "南部县教育局")
    assert (f.secrecy, f.secrecy_period, f.urgency, f.copy_number) == ("秘密", "1年", "特急", "000012")
    assert f.cc == ["县委办公室", "县政府办公室"] and f.main_recipients == ["各中小学校"]
    assert f.issued_on == datetime.date(2023, 5, 8) and f.doc_type == "通知" and f.format == "doc"
    assert where(f) == [("秘密", "1年", "body")]


def test_unclassified_notice_has_no_mark():
    f = read_doc(make_doc(BODY))
    assert f.secrecy is None and f.secrecy_marks == [] and f.doc_number == "南教发〔2023〕12号"


@pytest.mark.parametrize("mark, level, period", [
    ("机密★2027年12月31日", "机密", "2027年12月31日"),
    ("秘密★解密条件：项目验收后", "秘密", "解密条件:项目验收后"),
    ("秘密★1年6个月", "秘密", "1年6个月"),
    ("秘密★3年 份号：000012", "秘密", "3年"),
    ("绝密★长期", "绝密", "长期"),
])
def test_new_spellings(mark, level, period):
    f = read_doc(make_doc(lines(mark, *HEAD, *TAIL)))
    assert (f.secrecy, f.secrecy_period) == (level, period)


def test_letter_line():
    f = read_doc(make_doc(lines("南部县教育局", "秘密★1年\t南教函〔2023〕5号", "关于商请协助的函", "县公安局：",
                                "特此函商。", "南部县教育局", "2023年5月8日")))
    assert (f.secrecy, f.doc_number, f.issuer, f.doc_type) == ("秘密", "南教函〔2023〕5号", "南部县教育局", "函")
    assert where(f) == [("秘密", "1年", "letter_line")]


# ------------------------------------------------------------------------------------- marks in every place

def test_mark_only_in_the_page_header():
    f = read_doc(make_doc(BODY, headers=headers(odd_header="机密★2027年12月31日")))
    assert where(f) == [("机密", "2027年12月31日", "header")] and f.secrecy == "机密"
    assert "机密" not in f.body


def test_mark_only_in_the_footer_is_told_from_a_header():
    f = read_doc(make_doc(BODY, headers=headers(odd_footer="秘密★1年6个月")))
    assert where(f) == [("秘密", "1年6个月", "footer")]


def test_first_page_header_gives_the_banner_when_the_body_has_none():
    f = read_doc(make_doc(lines(*HEAD[2:], *TAIL), headers=headers(first_header="南部县教育局文件\r南教发〔2023〕12号")))
    assert f.doc_number == "南教发〔2023〕12号" and f.issuer == "南部县教育局"


def test_without_a_usable_plcfhdd_all_of_the_story_is_header():
    f = read_doc(make_doc(BODY, headers=headers(odd_footer="秘密★1年"), plcf_hdd=[5, 3]))
    assert where(f) == [("秘密", "1年", "header")]


def test_mark_in_a_table_cell():
    f = read_doc(make_doc("000012\x07秘密★6个月\x07\x07" + BODY))
    assert where(f) == [("秘密", "6个月", "table")] and f.doc_number == "南教发〔2023〕12号"
    assert f.body.split("\n")[:3] == ["000012", "秘密★6个月", ""]


@pytest.mark.parametrize("story, place", [("textboxes", "textbox"), ("header_textboxes", "header"),
                                          ("footnotes", "footnote"), ("endnotes", "endnote"),
                                          ("comments", "comment")])
def test_mark_in_other_stories(story, place):
    f = read_doc(make_doc(BODY, **{story: "\x05秘密★3年 份号：000012\r"}))
    assert where(f) == [("秘密", "3年", place)]


def test_mark_in_summary_and_custom_properties():
    f = read_doc(make_doc(BODY, summary={2: "关于加强校园安全管理工作的通知", 5: "机密★1年"}))
    assert where(f) == [("机密", "1年", "properties")]
    f = read_doc(make_doc(BODY, custom={"密级": "机密", "KSOProductBuildVer": "2052-11.1.0"}))
    assert [(m.level, m.where) for m in f.secrecy_marks] == [("机密", "properties")]
    f = read_doc(make_doc(BODY, custom={"Classification": "秘密"}, codepage=936))   # GBK strings
    assert [(m.level, m.where) for m in f.secrecy_marks] == [("秘密", "properties")]
    assert read_doc(make_doc(BODY, custom={"密级": "公开"})).secrecy is None


def test_summary_title_is_the_fallback_title():
    f = read_doc(make_doc(lines("各中小学校：", "请做好安全工作。"), summary={2: "关于安全工作的通知"}))
    assert f.title == "关于安全工作的通知"


def test_damaged_property_stream_is_skipped():
    streams = word_streams(BODY)
    streams["\x05SummaryInformation"] = b"\xfe\xff" + b"\xff" * 100
    f = read_doc(compound_file(streams))
    assert f.doc_number == "南教发〔2023〕12号"


# ------------------------------------------------------------------------------------- the text of a story

def test_field_code_dropped_result_kept():
    body = "\x13 DOCPROPERTY 秘密 \x14正文\x15" + BODY
    f = read_doc(make_doc(lines("x") + body))
    assert f.secrecy is None and "DOCPROPERTY" not in f.body
    f = read_doc(make_doc("\x13 DOCPROPERTY 密级 \x14机密★1年\x15\r" + BODY))
    assert where(f) == [("机密", "1年", "field")]


def test_nested_fields_and_an_unclosed_field_keep_no_code_and_lose_no_text():
    f = read_doc(make_doc("\x13 IF \x13 REF x \x14a\x15 = a \x14秘密★1年\x15\r" + BODY))
    assert where(f) == [("秘密", "1年", "field")] and "REF" not in f.body
    f = read_doc(make_doc("\x13秘密★1年\r" + BODY))   # a field that never ends: its text stays in
    assert f.secrecy == "秘密"


def test_breaks_and_special_characters():
    f = read_doc(make_doc(lines("南部县\x0b教育局\x0c文件", "a\x1eb\x1fc\x01\x08\x02", *HEAD, *TAIL)))
    assert f.body.split("\n")[:5] == ["南部县", "教育局", "文件", "a-bc", HEAD[0]]


def test_compressed_pieces_are_cp1252_with_the_special_mapping():
    body = lines(*HEAD, "Budget \u201cfinal\u201d \u2014 \u20ac", *TAIL)
    at = body.index("Budget")
    f = read_doc(make_doc(body, compressed=[(at, at + 19)]))
    assert "Budget \u201cfinal\u201d \u2014 \u20ac" not in f.body   # 0x80 is not mapped by MS-DOC
    assert "Budget \u201cfinal\u201d \u2014 \x80" in f.body
    assert f.doc_number == "南教发〔2023〕12号"


def test_hidden_mark_is_read_as_seen_and_scanned():
    body = lines("绝密★10年", *HEAD, *TAIL)
    f = read_doc(make_doc(body, hidden=[(0, 6)]))
    assert "绝密" not in f.body and where(f) == [("绝密", "10年", "hidden")] and f.secrecy == "绝密"
    assert f.title == "关于加强校园安全管理工作的通知"


def test_hidden_text_inside_a_line():
    body = lines(*HEAD, "南部县教育局\t秘密★1年", *TAIL[1:])
    at = body.index("秘密")
    f = read_doc(make_doc(body, hidden=[(at, at + 5)]))
    assert "南部县教育局" in f.body.split("\n") and f.secrecy == "秘密"


def test_tracked_deletion_does_not_count():
    f = read_doc(make_doc(lines("秘密★1年", *HEAD, *TAIL), deleted=[(0, 6)]))
    assert f.secrecy is None and "秘密" not in f.body


def test_table_stream_per_fib_flag():
    f = read_doc(make_doc(lines("秘密★1年", *HEAD, *TAIL), table_name="0Table"))
    assert f.secrecy == "秘密"


# ------------------------------------------------------------------------------------------- refusals

def test_encrypted_doc():
    with pytest.raises(DocumentReadError) as e:
        read_doc(make_doc(BODY, encrypted=True))
    assert e.value.code == "encrypted" and "无法核对密级" in e.value.message


def test_encrypted_docx_in_an_ole_container():
    raw = compound_file({"EncryptionInfo": b"\x04\x00\x04\x00" + b"\x00" * 200,
                         "EncryptedPackage": b"\x00" * 5000})
    with pytest.raises(DocumentReadError) as e:
        read_any(raw, name="正文.docx")
    assert e.value.code == "encrypted"


@pytest.mark.parametrize("stream, label", [("Workbook", "Excel"), ("PowerPoint Document", "PowerPoint"),
                                           ("CONTENTS", "Works"), ("Other", "OLE")])
def test_ole_file_that_is_not_word(stream, label):
    with pytest.raises(DocumentReadError) as e:
        read_doc(compound_file({stream: b"\x00" * 5000}))
    assert e.value.code == "unsupported_format" and label in e.value.message
    assert "另存为 .docx 或 .doc" in e.value.message


def test_word_95_is_refused():
    with pytest.raises(DocumentReadError) as e:
        read_doc(make_doc(BODY, nfib=0x68))
    assert e.value.code == "unsupported_format" and "Word 6.0/95" in e.value.message


def test_empty_body_and_size_limit():
    with pytest.raises(DocumentReadError) as e:
        read_doc(make_doc("\r\r"))
    assert e.value.code == "empty_body"
    with pytest.raises(DocumentReadError) as e:
        read_doc(make_doc(BODY), max_bytes=1000)
    assert e.value.code == "too_large"


def test_missing_table_stream():
    streams = word_streams(BODY)
    del streams["1Table"]
    with pytest.raises(DocumentReadError) as e:
        read_doc(compound_file(streams))
    assert e.value.code == "damaged"


@pytest.mark.parametrize("spoil", [
    lambda w, t: (w[:100], t),                                      # a FIB cut short
    lambda w, t: (b"\x00\x00" + w[2:], t),                          # not Word's wIdent
    lambda w, t: (w, b""),                                          # no CLX
    lambda w, t: (w, b"\x07" + t[1:]),                              # an unknown CLX entry
    lambda w, t: (w, t[:1] + struct.pack("<I", 10_000) + t[5:]),    # a piece table longer than the stream
    lambda w, t: (w, t[:1] + struct.pack("<I", 17) + t[5:]),        # a piece table of no whole PCD
    lambda w, t: (w, t[:15] + struct.pack("<I", 0x3FFFFFF0) + t[19:]),  # a piece past the stream's end
    lambda w, t: (w[:76] + struct.pack("<i", -5) + w[80:], t),      # a negative ccpText
    lambda w, t: (w[:76] + struct.pack("<i", 10 ** 6) + w[80:], t),  # stories past the text
])
def test_spoiled_structures_are_damaged_never_a_traceback(spoil):
    streams = word_streams(BODY)
    streams["WordDocument"], streams["1Table"] = spoil(streams["WordDocument"], streams["1Table"])
    with pytest.raises(DocumentReadError) as e:
        read_doc(compound_file(streams))
    assert e.value.code == "damaged"


def _outcome(raw: bytes) -> None:
    try:
        facts = read_doc(raw)
    except DocumentReadError as exc:
        assert exc.code and exc.message
    else:
        assert isinstance(facts, DocumentFacts)


FUZZ_DOC = make_doc(lines("秘密★1年", *HEAD, *TAIL), headers=headers(odd_footer="秘密★1年"), hidden=[(0, 3)],
                    textboxes="秘密★1年\r", summary={2: "标题", 5: "秘密"}, custom={"密级": "秘密"})
FUZZ_STREAMS = word_streams(lines("秘密★1年", *HEAD, *TAIL), headers=headers(odd_footer="秘密★1年"),
                            hidden=[(0, 3)], deleted=[(10, 12)], textboxes="秘密★1年\r")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(FUZZ_DOC)))
def test_fuzz_truncated(n):
    _outcome(FUZZ_DOC[:n])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(FUZZ_DOC) - 1), st.integers(0, 7)), min_size=1, max_size=8))
def test_fuzz_bit_flips_anywhere(flips):
    raw = bytearray(FUZZ_DOC)
    for at, bit in flips:
        raw[at] ^= 1 << bit
    _outcome(bytes(raw))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["WordDocument", "1Table"]), st.data())
def test_fuzz_inside_the_word_structures(name, data):
    """Flips and overwrites where the FIB, the CLX, the PlcfHdd and the character runs lie (a sound container
    around them, so the reader's own parsing is what is fuzzed)."""
    streams = dict(FUZZ_STREAMS)
    raw = bytearray(streams[name])
    limit = min(len(raw), 1024) if name == "WordDocument" else len(raw)
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, limit - 1))
        raw[at] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        raw = raw[:data.draw(st.integers(0, len(raw)))]
    streams[name] = bytes(raw)
    _outcome(compound_file(streams))


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.doc"))[:3], ids=lambda p: p.name)
def test_corpus_files_truncated_and_flipped(path):
    raw = path.read_bytes()
    for n in range(0, len(raw), 997):
        _outcome(raw[:n])
    for at in range(0, len(raw), 61):
        flipped = bytearray(raw)
        flipped[at] ^= 0x5A
        _outcome(bytes(flipped))


def test_property_stream_offsets_out_of_bounds():
    bad = bytearray(property_stream([(SUMMARY, {2: "标题", 5: "秘密"}, None)]))
    struct.pack_into("<I", bad, 44, 10 ** 6)
    streams = word_streams(BODY)
    streams["\x05SummaryInformation"] = bytes(bad)
    assert read_doc(compound_file(streams)).doc_number == "南教发〔2023〕12号"


# ----------------------------------------------------------------------------------- detection from bytes

def test_read_any_tells_a_doc_from_its_bytes_not_its_name(tmp_path):
    raw = make_doc(lines("秘密★1年", *HEAD, *TAIL))
    f = read_any(raw, name="正文.docx")
    assert f.format == "doc" and f.secrecy == "秘密"
    path = tmp_path / "x.docx"
    path.write_bytes(raw)
    assert read_any(path).format == "doc"
    wps = tmp_path / "正文.wps"
    wps.write_bytes(raw)
    f = read_any(wps)
    assert f.format == "wps" and f.secrecy == "秘密"


def test_read_any_refuses_an_excel_file():
    with pytest.raises(DocumentReadError) as e:
        read_any(compound_file({"Workbook": b"\x00" * 5000}), name="正文.doc")
    assert e.value.code == "unsupported_format"
