"""documents.pdf: the 版头 facts and 密级 marks of PDFs (LibreOffice's from tests/corpus/formats, and PDFs written
by tools/build_corpus_ofd_pdf.py's small writer for the layouts LibreOffice does not make), scans, encryption,
damaged files, limits and threads."""
from __future__ import annotations

import datetime
import importlib.util
import re
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from oa_liaison_plugin.documents import pdf as pdf_module
from oa_liaison_plugin.documents.formats import read_any
from oa_liaison_plugin.documents.pdf import read_pdf
from oa_liaison_plugin.documents.read import DocumentReadError

_spec = importlib.util.spec_from_file_location(
    "build_corpus_ofd_pdf", Path(__file__).resolve().parents[1] / "tools" / "build_corpus_ofd_pdf.py")
build = sys.modules.setdefault(_spec.name, importlib.util.module_from_spec(_spec))   # dataclasses look it up
if not hasattr(build, "ofd_of"):
    _spec.loader.exec_module(build)

CORPUS = Path(__file__).resolve().parent / "corpus" / "formats"
SECRET = build.SECRET_NOTICE


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def error(data: bytes, **kw) -> DocumentReadError:
    with pytest.raises(DocumentReadError) as e:
        read_pdf(data, **kw)
    return e.value


# ------------------------------------------------------------------------------------------- facts

def test_libreoffice_notice_facts():
    f = read_pdf(corpus("lo_notice_secret.pdf"))
    assert (f.doc_number, f.title, f.issuer) == ("南教发〔2023〕12号", "关于加强校园安全管理工作的通知", "南部县教育局")
    assert (f.secrecy, f.secrecy_period, f.urgency, f.copy_number) == ("秘密", "1年", "特急", "000012")
    assert f.cc == ["县委办公室", "县政府办公室"] and f.issued_on == datetime.date(2023, 5, 8)
    assert f.main_recipients == ["各中小学校", "县直属各学校"] and f.format == "pdf"
    # the 版头 first, in the order of the page
    assert [line.replace(" ", "") for line in f.body.split("\n")[:5]] == [
        "000012", "秘密★1年", "特急", "南部县教育局文件", "南教发〔2023〕12号"]


def test_libreoffice_report_and_letter():
    r = read_pdf(corpus("lo_report_plain.pdf"))
    assert (r.doc_number, r.title, r.issuer, r.secrecy) == (
        "南财发〔2023〕8号", "关于2022年县级财政预算执行情况的报告", "南部县财政局", None)
    assert r.main_recipients == ["县人大常委会"] and r.issued_on == datetime.date(2023, 6, 20)
    letter = read_pdf(corpus("lo_letter_secret.pdf"))
    assert (letter.doc_number, letter.issuer, letter.secrecy, letter.secrecy_period) == (
        "南教函〔2023〕5号", "南部县教育局", "秘密", "1年")
    assert letter.secrecy_marks[0].where == "letter_line"


@pytest.mark.parametrize("name, level, period", [
    ("lo_report_declassify_date.pdf", "机密", "2027年12月31日"),
    ("lo_notice_condition.pdf", "秘密", "解密条件:项目验收后"),
    ("lo_notice_months.pdf", "秘密", "1年6个月"),
    ("lo_notice_copy_after.pdf", "秘密", "3年"),
])
def test_the_newer_spellings_from_libreoffice(name, level, period):
    f = read_pdf(corpus(name))
    assert (f.secrecy, f.secrecy_period) == (level, period)


@pytest.mark.parametrize("level, period, expected", [
    ("机密", "2027年12月31日", "2027年12月31日"),
    ("秘密", "解密条件：项目验收后", "解密条件:项目验收后"),
    ("秘密", "1年6个月", "1年6个月"),
    ("秘密", "3年 份号：000012", "3年"),
])
def test_the_newer_spellings(level, period, expected):
    f = read_pdf(build.pdf_of(replace(build.NOTICE, secrecy=level, period=period)))
    assert (f.secrecy, f.secrecy_period, f.doc_number) == (level, expected, "南教发〔2023〕12号")


def test_unclassified_files_have_no_marks():
    for data in (corpus("lo_notice_plain.pdf"), corpus("lo_letter_plain.pdf"), build.pdf_of(build.REPORT)):
        f = read_pdf(data)
        assert f.secrecy is None and f.secrecy_marks == []


# ------------------------------------------------------------------------------------------- marks everywhere

def test_a_mark_only_in_the_page_header():
    f = read_pdf(corpus("lo_notice_header_only.pdf"))
    assert f.secrecy == "秘密" and [m.where for m in f.secrecy_marks] == ["header"]
    assert "密" not in f.body and f.body.split("\n")[0] == "南部县教育局文件"
    f = read_pdf(build.pdf_of(replace(build.NOTICE, secrecy="秘密", period="1年"), mark_in_body=False,
                              header="秘密★1年"))
    assert [(m.text, m.where) for m in f.secrecy_marks] == [("秘密★1年", "header")]   # beside the issuer
    assert f.issuer == "南部县教育局" and f.doc_number == "南教发〔2023〕12号"


def test_lines_drawn_bottom_to_top_are_read_top_to_bottom():
    f = read_pdf(build.pdf_of(SECRET, reverse=True))
    assert f.body.split("\n")[:4] == ["000012", "秘密★1年", "特急", "南部县教育局文件"]
    assert (f.doc_number, f.issuer, f.secrecy, f.title) == (
        "南教发〔2023〕12号", "南部县教育局", "秘密", "关于加强校园安全管理工作的通知")
    assert f.cc == ["县委办公室", "县政府办公室"]


@pytest.mark.parametrize("scaled", [False, True])
def test_gaps_are_measured_in_the_font_size_on_the_page(scaled):
    # "1 Tf" with the size in the text matrix (PDFium then gives a font size of 1): a gap of half a character
    # is still a space, a wide one a tab.
    pages, _ = build.typeset(build.LETTER)
    left, pitch = build.LEFT, build.PITCH
    pages[0] += [build.Run(left, 234, build.SIZE3, "甲乙"),
                 build.Run(left + 2.5 * pitch, 234, build.SIZE3, "丙丁")]
    f = read_pdf(build.simple_pdf(pages, scaled=scaled))
    lines = f.body.split("\n")
    assert "甲乙 丙丁" in lines and "秘密★1年\t南教函〔2023〕5号" in lines
    assert (f.doc_number, f.issuer, f.secrecy, f.title) == (
        "南教函〔2023〕5号", "南部县教育局", "秘密", "关于商请协助开展校园周边环境集中整治的函")


@pytest.mark.parametrize("text", ["　　秘密★1年　\n", " \t\r\n\u3000\n", "甲\u2028乙\r\n\x0b丙 丁\x1c",
                                  "\u3000\x85\n\n机密 \n"])
def test_lines_are_pdfiums_lines_stripped_as_str_strip_does(text):
    # One regex finds the lines without their leading and trailing whitespace (full-width spaces too).
    expected = []
    for m in re.finditer(r"[^\r\n]+", text):
        line = m.group()
        if line.strip():
            start, end = m.start() + len(line) - len(line.lstrip()), m.end() - len(line) + len(line.rstrip())
            expected.append((start, end))
    assert [m.span() for m in pdf_module._LINE.finditer(text)] == expected


@pytest.mark.parametrize("part", ["★", "★1", "密★", "秘"])
def test_a_part_of_the_mark_drawn_last(part):
    # PDFium keeps the file's order, so the part drawn last comes at the page's end; by position it is back.
    f = read_pdf(build.pdf_of(SECRET, draw_last={"秘密★1年": part}))
    assert "秘密★1年" in f.body.split("\n")
    assert (f.secrecy, f.secrecy_period) == ("秘密", "1年")


def test_info_keys_and_custom_keys():
    f = read_pdf(build.pdf_of(build.NOTICE, info={"Title": "关于加强校园安全管理工作的通知", "Keywords": "校园；秘密"}))
    assert f.secrecy == "秘密" and f.secrecy_marks[0].where == "metadata"
    f = read_pdf(build.pdf_of(build.NOTICE, info={"密级": "机密", "保密期限": "5年"}))
    assert (f.secrecy, f.secrecy_period) == ("机密", "5年") and f.secrecy_marks[0].where == "metadata"
    f = read_pdf(build.pdf_of(build.NOTICE, info={"Classification": "绝密"}))
    assert f.secrecy == "绝密"
    f = read_pdf(build.pdf_of(build.NOTICE, info={"密级".encode("gbk"): "秘密"}))   # a name in GBK
    assert f.secrecy == "秘密" and f.secrecy_marks[0].text == "秘密"
    f = read_pdf(build.pdf_of(build.NOTICE, info={"密级": "非密", "Subject": "校园安全"}))
    assert f.secrecy is None and f.secrecy_marks == []
    assert read_pdf(corpus("lo_pypdf_info_key.pdf")).secrecy == "机密"
    assert read_pdf(corpus("lo_notice_keywords.pdf")).secrecy == "秘密"


def test_title_falls_back_to_the_info_title():
    pages, _ = build.typeset(build.NOTICE)
    no_title = [[r for r in runs if r.text != build.NOTICE.title] for runs in pages]
    f = read_pdf(build.simple_pdf(no_title, info={"Title": "元数据中的标题"}))
    assert f.title == "元数据中的标题"


def test_xmp_metadata():
    xmp = ('<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
           '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
           'xmlns:oa="http://example.gov.cn/oa/1.0/" oa:密级="机密"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>')
    f = read_pdf(build.pdf_of(build.NOTICE, xmp=xmp))
    assert f.secrecy == "机密" and f.secrecy_marks[0].where == "metadata"
    damaged = xmp.replace("</rdf:RDF>", "")
    assert read_pdf(build.pdf_of(build.NOTICE, xmp=damaged)).secrecy is None   # skipped: the text decides
    hostile = xmp.replace("<rdf:RDF", '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><rdf:RDF')
    assert error(build.pdf_of(build.NOTICE, xmp=hostile)).code == "forbidden_xml"


def test_annotations():
    f = read_pdf(build.pdf_of(build.NOTICE, annotations={1: ["秘密★1年"]}))
    assert f.secrecy == "秘密" and [m.where for m in f.secrecy_marks] == ["annotation"]


# ------------------------------------------------------------------------------------------- scans and errors

def test_scans_have_no_text():
    for data in (corpus("scan_notice_secret.pdf"), build.simple_pdf([[]], picture_pages={0})):
        err = error(data)
        assert (err.code, err.message) == ("no_text", "扫描件，无文字层，无法核对密级")


def test_a_scan_with_a_stamped_page_number_is_still_a_scan():
    stamp = [[build.Run(100, 280, 4.9, "第1页共2页")], [build.Run(100, 280, 4.9, "第2页共2页")]]
    assert error(build.simple_pdf(stamp, picture_pages={0, 1})).code == "no_text"


def test_encrypted_with_an_open_password_is_held():
    err = error(corpus("qpdf_notice_password.pdf"))
    assert (err.code, err.message) == ("encrypted", "PDF 文件已加密（设有打开密码），无法核对密级")


def test_encrypted_with_an_owner_password_only_is_read():
    f = read_pdf(corpus("qpdf_notice_owner_only.pdf"))
    assert (f.secrecy, f.doc_number, f.issuer) == ("秘密", "南教发〔2023〕12号", "南部县教育局")


def test_truncated_damaged_and_not_a_pdf():
    data = build.pdf_of(SECRET)
    err = error(data[: len(data) // 2])
    assert err.code == "truncated" and "PDF" in err.message
    err = error(b"%PDF-1.7\n" + b"\x00garbage" * 200 + b"\n%%EOF\n")
    assert err.code == "bad_pdf" and "PDF" in err.message
    assert error(b"hello, world").code == "not_pdf"
    for err in (error(data[: len(data) // 2]), error(b"%PDF-1.7\n%%EOF\n")):
        assert "另存为" not in err.message and ".docx" not in err.message


def test_a_broken_cross_reference_table_is_repaired_or_refused():
    data = build.pdf_of(SECRET)
    at = data.rindex(b"startxref")
    broken = data[:at] + b"startxref\n999999\n%%EOF\n"
    try:
        f = read_pdf(broken)
    except DocumentReadError as err:
        assert err.code == "bad_pdf"
    else:   # PDFium rebuilds the table by scanning the objects: all of the text is read
        assert f.secrecy == "秘密"


def test_limits(monkeypatch):
    data = build.pdf_of(SECRET)
    assert pdf_module.MAX_PAGES == 2_000
    err = error(data, max_pages=1)
    assert err.code == "too_many_pages" and "PDF" in err.message
    monkeypatch.setattr(pdf_module, "MAX_CHARS", 50)
    assert error(data).code == "too_large"
    assert error(data, max_bytes=1000).code == "too_large"


def test_too_many_annotations_or_secrecy_keys_are_refused_not_cut_short(monkeypatch):
    monkeypatch.setattr(pdf_module, "MAX_ANNOTS", 1)
    assert error(build.pdf_of(build.NOTICE, annotations={0: ["甲", "乙"]})).code == "too_large"
    monkeypatch.setattr(pdf_module, "MAX_CUSTOM_KEYS", 1)
    info = {"密级": "无", "密级2": "无", "Classification": "秘密"}
    assert error(build.pdf_of(build.NOTICE, info=info)).code == "too_large"


def test_threads_share_pdfium_safely():
    files = [corpus("lo_notice_secret.pdf"), corpus("lo_report_plain.pdf"), build.pdf_of(build.LETTER)]
    expected = [read_pdf(d).doc_number for d in files]
    results, failures = [], []

    def work(k: int) -> None:
        try:
            for _ in range(5):
                results.append((k, read_pdf(files[k % 3]).doc_number))
        except Exception as exc:   # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures and len(results) == 30
    assert all(number == expected[k % 3] for k, number in results)


def test_read_any_tells_a_pdf_from_its_bytes(tmp_path):
    path = tmp_path / "正文.docx"
    path.write_bytes(corpus("lo_notice_secret.pdf"))
    f = read_any(path)
    assert f.format == "pdf" and f.secrecy == "秘密"
    with pytest.raises(DocumentReadError) as e:
        read_any(corpus("qpdf_notice_password.pdf"), name="x.ofd")
    assert e.value.code == "encrypted"
