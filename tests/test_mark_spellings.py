"""Every spelling of a 密级 mark is a mark (GB/T 9704 §7.2.2), read as a person sees the page."""
from __future__ import annotations

import io
import zipfile

import pytest
from test_read import RELS, doc_xml, docx_with, make_zip, paras

from oa_liaison_plugin.documents.formats import read_any
from oa_liaison_plugin.documents.read import DocumentReadError, read_docx
from oa_liaison_plugin.documents.samples import make_issued_docx
from oa_liaison_plugin.documents.secrecy import find_marks

HEAD = ("南部县教育局文件", "南教发〔2023〕12号", "关于开展校园安全专项检查的通知", "各乡镇中心学校：", "现将有关事项通知如下。")

SPELLINGS = [
    ("机密★2027年12月31日", "机密", "2027年12月31日"),           # declassification date
    ("秘密★解密条件：项目验收后", "秘密", "解密条件:项目验收后"),   # declassification condition
    ("秘密★1年6个月", "秘密", "1年6个月"),
    ("秘密★3年 份号：000012", "秘密", "3年"),                     # 份号 on the same line
    ("份号：000012　秘密★3年　特急", "秘密", "3年"),
    ("绝密★长期", "绝密", "长期"),
    ("機密★2年", "机密", "2年"),
]


@pytest.mark.parametrize("line,level,period", SPELLINGS)
def test_each_spelling_is_a_mark_in_text(line, level, period):
    [mark] = find_marks([line], "body")
    assert (mark.level, mark.period) == (level, period)


@pytest.mark.parametrize("line,level,period", SPELLINGS)
def test_each_spelling_holds_a_real_document_and_is_never_the_issuer(line, level, period):
    facts = read_docx(docx_with(doc_xml(paras(line, *HEAD))))
    assert (facts.secrecy, facts.secrecy_period) == (level, period)
    assert facts.issuer == "南部县教育局" and facts.doc_number == "南教发〔2023〕12号"
    # Without the 发文机关标志 line the mark line is still never taken for the issuer.
    facts = read_docx(docx_with(doc_xml(paras(line, *HEAD[1:]))))
    assert facts.secrecy == level and (facts.issuer or "").find("密") < 0


def test_prose_that_mentions_a_level_is_no_mark():
    for line in ("各单位要严守工作秘密，做好保密工作。", "关于加强国家秘密载体管理的通知", "保密期限届满后自行解密。"):
        assert find_marks([line], "body") == []


@pytest.mark.parametrize("inside", ["\u200b", "\u00ad", "\u200d", "\u2060", "\ufeff"])
def test_invisible_characters_inside_the_mark(inside):
    facts = read_docx(docx_with(doc_xml(paras(f"秘{inside}密★1年", *HEAD))))
    assert facts.secrecy == "秘密" and facts.issuer == "南部县教育局"
    assert "\u200b" not in facts.secrecy_marks[0].text


def _runs(*runs: str) -> str:
    return "<w:p>" + "".join(runs) + "</w:p>"


def test_a_mark_split_by_a_hidden_run_reads_as_seen():
    hidden = '<w:r><w:rPr><w:vanish/></w:rPr><w:t>公开</w:t></w:r>'
    body = _runs("<w:r><w:t>秘</w:t></w:r>", hidden, "<w:r><w:t>密★1年</w:t></w:r>") + paras(*HEAD)
    facts = read_docx(docx_with(doc_xml(body)))
    assert facts.secrecy == "秘密" and facts.secrecy_period == "1年"
    assert "公开" not in facts.body


def test_a_mark_only_in_hidden_text_still_holds():
    """Stricter wins: a hidden mark is not seen on the page, but it is in the file."""
    hidden = '<w:r><w:rPr><w:vanish w:val="true"/></w:rPr><w:t>机密★1年</w:t></w:r>'
    facts = read_docx(docx_with(doc_xml(_runs(hidden) + paras(*HEAD))))
    assert facts.secrecy == "机密" and any(m.where == "hidden" for m in facts.secrecy_marks)


def test_a_run_marked_not_hidden_is_read():
    run = '<w:r><w:rPr><w:vanish w:val="0"/></w:rPr><w:t>秘密★1年</w:t></w:r>'
    facts = read_docx(docx_with(doc_xml(_runs(run) + paras(*HEAD))))
    assert facts.secrecy == "秘密" and facts.secrecy_marks[0].where == "body"


def test_ruby_over_the_mark_reads_its_base_text():
    ruby = ('<w:r><w:ruby><w:rubyPr><w:rubyAlign w:val="center"/></w:rubyPr>'
            '<w:rt><w:r><w:t>mì mì</w:t></w:r></w:rt><w:rubyBase><w:r><w:t>秘密</w:t></w:r></w:rubyBase>'
            '</w:ruby></w:r>')
    facts = read_docx(docx_with(doc_xml(_runs(ruby, "<w:r><w:t>★1年</w:t></w:r>") + paras(*HEAD))))
    assert facts.secrecy == "秘密" and facts.secrecy_period == "1年"
    ruby_each = "".join(f'<w:r><w:ruby><w:rt><w:r><w:t>{p}</w:t></w:r></w:rt><w:rubyBase><w:r><w:t>{c}</w:t></w:r>'
                        f'</w:rubyBase></w:ruby></w:r>' for c, p in (("机", "jī"), ("密", "mì")))
    assert read_docx(docx_with(doc_xml(_runs(ruby_each) + paras(*HEAD)))).secrecy == "机密"


DOC_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships '
            'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rIdA" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/aFChunk" '
            'Target="{target}"/></Relationships>')


def _alt_chunk_docx(target: str, chunk: bytes) -> bytes:
    body = '<w:altChunk xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rIdA"/>'
    return docx_with(doc_xml(paras(*HEAD) + body), **{"word/_rels/document.xml.rels": DOC_RELS.format(target=target)
                                                      .encode(), f"word/{target}": chunk})


@pytest.mark.parametrize("target,chunk", [
    ("chunk.htm", "<html><body><p>机密★1年</p><p>名单</p></body></html>".encode()),
    ("chunk.txt", "秘密★6个月\r\n名单".encode("utf-16")),
    ("chunk.rtf", rb"{\rtf1\ansi\ansicpg936 {\pard \'c3\'d8\'c3\'dc\'a1\'ef1\'c4\'ea\par}}"),
])
def test_a_mark_in_an_alt_chunk_part_is_read(target, chunk):
    facts = read_docx(_alt_chunk_docx(target, chunk))
    assert facts.secrecy in ("机密", "秘密") and any(m.where == "altchunk" for m in facts.secrecy_marks)


def test_a_whole_docx_as_an_alt_chunk_is_read():
    inner = make_issued_docx(issuer="南部县教育局", doc_number="南教发〔2023〕1号", title="关于名单的通知",
                             main_recipients=["各学校"], body_paragraphs=["名单如下。"], secrecy="机密",
                             secrecy_period="5年")
    facts = read_docx(_alt_chunk_docx("chunk.docx", inner))
    assert facts.secrecy == "机密"


def test_an_alt_chunk_nested_in_an_alt_chunk_is_refused():
    inner = _alt_chunk_docx("chunk.htm", b"<p>x</p>")
    with pytest.raises(DocumentReadError) as err:
        read_docx(_alt_chunk_docx("chunk.docx", inner))
    assert err.value.code == "bad_part" and "altChunk" in err.value.message


def _with_duplicate(name: str, first: bytes, second: bytes, base: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w") as zf:
        for info in src.infolist():
            zf.writestr(info, first if info.filename == name else src.read(info))
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # zipfile warns about the duplicate name: that is the point
            zf.writestr(name, second)
    return out.getvalue()


def test_two_document_parts_are_ambiguous_and_held():
    base = docx_with(doc_xml(paras(*HEAD)))
    data = _with_duplicate("word/document.xml", doc_xml(paras(*HEAD)), doc_xml(paras("秘密★1年", *HEAD)), base)
    with pytest.raises(DocumentReadError) as err:
        read_any(data)
    assert err.value.code == "ambiguous" and "同名" in err.value.message


def test_names_that_differ_only_in_case_are_ambiguous():
    data = make_zip({"[Content_Types].xml": b"<Types/>", "_rels/.rels": RELS,
                     "word/document.xml": doc_xml(paras(*HEAD)), "word/Document.xml": doc_xml(paras("机密", *HEAD))})
    with pytest.raises(DocumentReadError) as err:
        read_docx(data)
    assert err.value.code == "ambiguous"
