"""documents.ofd: the 版头 facts of OFD files laid out like 正式公文, 密级 marks in every place an OFD can hold
one, scans, and hostile or damaged packages (built by tools/build_corpus_ofd_pdf.py's OFD writer)."""
from __future__ import annotations

import datetime
import importlib.util
import io
import sys
import warnings
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from oa_liaison_plugin.documents import ofd as ofd_module
from oa_liaison_plugin.documents.formats import read_any
from oa_liaison_plugin.documents.ofd import read_ofd
from oa_liaison_plugin.documents.read import DocumentReadError

_spec = importlib.util.spec_from_file_location(
    "build_corpus_ofd_pdf", Path(__file__).resolve().parents[1] / "tools" / "build_corpus_ofd_pdf.py")
build = sys.modules.setdefault(_spec.name, importlib.util.module_from_spec(_spec))   # dataclasses look it up
if not hasattr(build, "ofd_of"):
    _spec.loader.exec_module(build)

NS = "http://www.ofdspec.org/2016"
SECRET = build.SECRET_NOTICE


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def rezip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return out.getvalue()


def page(objects: str, *, ns: bool = True) -> bytes:
    """A page Content.xml holding ``objects`` (TextObjects...), with or without the OFD namespace."""
    if ns:
        return (f'<ofd:Page xmlns:ofd="{NS}"><ofd:Content><ofd:Layer ID="1">{objects}</ofd:Layer>'
                '</ofd:Content></ofd:Page>').encode()
    return f"<Page><Content><Layer ID=\"1\">{objects}</Layer></Content></Page>".encode()


def text_object(x: float, y: float, text: str, size: float = 5.6, prefix: str = "ofd:", **attrs) -> str:
    extra = "".join(f' {k}="{v}"' for k, v in attrs.items())
    return (f'<{prefix}TextObject ID="9" Boundary="{x} {y - size} 150 {size * 1.3}" Size="{size}"{extra}>'
            f'<{prefix}TextCode X="0" Y="{size}">{text}</{prefix}TextCode></{prefix}TextObject>')


TITLE_LINE = text_object(40, 126, "关于加强校园安全管理工作的通知", 7.8) + text_object(28, 146, "各中小学校：")


def with_page(objects: str, ns: bool = True) -> bytes:
    """The plain 通知's package with its first page replaced by ``objects`` (and the title and recipients)."""
    files = members(build.ofd_of(build.NOTICE))
    title = TITLE_LINE if ns else TITLE_LINE.replace("ofd:", "")
    files["Doc_0/Pages/Page_0/Content.xml"] = page(objects + title if objects else "", ns=ns)
    return rezip(files)


# ------------------------------------------------------------------------------------------- facts

def test_the_banner_facts_of_a_classified_notice():
    f = read_ofd(build.ofd_of(SECRET))
    assert (f.doc_number, f.title, f.issuer) == ("南教发〔2023〕12号", "关于加强校园安全管理工作的通知", "南部县教育局")
    assert (f.secrecy, f.secrecy_period, f.urgency, f.copy_number) == ("秘密", "1年", "特急", "000012")
    assert f.main_recipients == ["各中小学校", "县直属各学校"]
    assert f.cc == ["县委办公室", "县政府办公室"]
    assert f.issued_on == datetime.date(2023, 5, 8)
    assert f.doc_type == "通知" and f.format == "ofd"
    assert [(m.level, m.where) for m in f.secrecy_marks] == [("秘密", "body")]
    lines = f.body.split("\n")
    assert lines[:5] == ["000012", "秘密★1年", "特急", "南部县教育局文件", "南教发〔2023〕12号"]


def test_a_report_to_the_peoples_congress_and_a_letter():
    r = read_ofd(build.ofd_of(build.REPORT))
    assert (r.doc_number, r.title, r.issuer, r.secrecy) == (
        "南财发〔2023〕8号", "关于2022年县级财政预算执行情况的报告", "南部县财政局", None)
    assert r.main_recipients == ["县人大常委会"] and r.cc == ["县委办公室", "县政府办公室", "县审计局"]
    assert r.issued_on == datetime.date(2023, 6, 20) and r.secrecy_marks == []
    letter = read_ofd(build.ofd_of(build.LETTER))
    assert (letter.doc_number, letter.issuer, letter.doc_type) == ("南教函〔2023〕5号", "南部县教育局", "函")
    assert (letter.secrecy, letter.secrecy_period) == ("秘密", "1年")
    # mark left, 文号 right-aligned on one baseline: one line, the gap a tab
    assert "秘密★1年\t南教函〔2023〕5号" in letter.body.split("\n")
    assert letter.secrecy_marks[0].where == "letter_line"


@pytest.mark.parametrize("level, period, expected", [
    ("机密", "2027年12月31日", "2027年12月31日"),
    ("秘密", "解密条件：项目验收后", "解密条件:项目验收后"),
    ("秘密", "1年6个月", "1年6个月"),
    ("秘密", "3年 份号：000012", "3年"),
])
def test_the_newer_spellings(level, period, expected):
    f = read_ofd(build.ofd_of(replace(build.NOTICE, secrecy=level, period=period)))
    assert (f.secrecy, f.secrecy_period) == (level, expected)
    assert (f.doc_number, f.issuer) == ("南教发〔2023〕12号", "南部县教育局")


def test_unclassified_notice_has_no_marks():
    f = read_ofd(build.ofd_of(build.NOTICE, signed=True))
    assert f.secrecy is None and f.secrecy_marks == []
    assert f.title == "关于加强校园安全管理工作的通知"


# ------------------------------------------------------------------------------------------- marks everywhere

def test_a_mark_only_in_the_template_page():
    f = read_ofd(build.ofd_of(replace(build.NOTICE, secrecy="秘密", period="1年"), mark_in_body=False,
                              header="秘密★1年"))
    assert "密" not in f.body
    assert f.secrecy == "秘密"
    assert [(m.text, m.where) for m in f.secrecy_marks] == [("秘密★1年", "header")]
    assert f.doc_number == "南教发〔2023〕12号" and f.issuer == "南部县教育局"


def test_a_template_no_page_uses_still_counts():
    data = build.ofd_of(build.NOTICE, header="机密")
    files = members(data)
    for name in files:
        if name.startswith("Doc_0/Pages/"):
            files[name] = files[name].replace(b"<ofd:Template ", b"<ofd:Unused ")
    assert read_ofd(rezip(files)).secrecy == "机密"


@pytest.mark.parametrize("custom, expected", [
    ({"密级": "秘密", "保密期限": "1年"}, ("秘密", "1年")),
    ({"密级": "机密★5年"}, ("机密", "5年")),
    ({"Classification": "绝密"}, ("绝密", None)),
    ({"密级": "公开"}, (None, None)),
    ({"文种": "通知"}, (None, None)),
])
def test_custom_data(custom, expected):
    f = read_ofd(build.ofd_of(build.NOTICE, custom=custom))
    assert (f.secrecy, f.secrecy_period) == expected
    assert all(m.where == "metadata" for m in f.secrecy_marks)


def test_keywords_of_the_doc_info():
    f = read_ofd(build.ofd_of(build.NOTICE, keywords=["校园安全", "秘密"]))
    assert f.secrecy == "秘密" and f.secrecy_marks[0].where == "metadata"


def test_one_character_per_text_object_in_shuffled_file_order():
    data = build.ofd_of(SECRET, one_char=True, seed=3)
    raw_page = members(data)["Doc_0/Pages/Page_0/Content.xml"].decode()
    assert "秘密" not in raw_page and raw_page.count("<ofd:TextObject") > 200
    f = read_ofd(data)
    assert f.body.split("\n")[:5] == ["000012", "秘密★1年", "特急", "南部县教育局文件", "南教发〔2023〕12号"]
    assert (f.secrecy, f.secrecy_period, f.doc_number, f.issuer) == ("秘密", "1年", "南教发〔2023〕12号", "南部县教育局")


def test_positions_that_scramble_the_mark_are_read_in_file_order_too():
    # One character per TextObject, written in reading order, but placed right to left: position order reads
    # "年1★密秘", the file's order "秘密★1年". Both are read; the stricter wins.
    chars = "秘密★1年"
    objects = "".join(text_object(100 - 6 * k, 45, ch) for k, ch in enumerate(chars))
    f = read_ofd(with_page(objects))
    assert f.secrecy == "秘密"
    assert [(m.text, m.where) for m in f.secrecy_marks] == [("秘密★1年", "file_order")]


def test_a_mark_split_across_text_objects():
    f = read_ofd(build.ofd_of(replace(build.NOTICE, secrecy="秘密", period="1年"),
                              split={"秘密★1年": ["秘", "密★", "1年"]}))
    assert (f.secrecy, f.secrecy_period) == ("秘密", "1年")
    assert "秘密★1年" in f.body.split("\n")


def test_a_mark_beside_the_issuer_in_a_page_header_laid_out_in_the_page():
    objects = text_object(28, 20, "南部县教育局", 4.9) + text_object(160, 20, "秘密★1年", 4.9)
    objects += text_object(60, 84, "南部县教育局文件", 12) + text_object(80, 106, "南教发〔2023〕12号")
    f = read_ofd(with_page(objects))
    assert f.secrecy == "秘密" and f.secrecy_marks[0].where == "header"
    assert f.body.split("\n")[0] == "南部县教育局文件" and f.issuer == "南部县教育局"


def test_annotations():
    f = read_ofd(build.ofd_of(build.NOTICE, annotations={0: "秘密★1年"}))
    assert f.secrecy == "秘密"
    assert {m.where for m in f.secrecy_marks} == {"annotation"}


def test_elements_without_namespace_page_blocks_and_ctm():
    objects = ("<PageBlock>" + text_object(28, 45, "机密", prefix="") + "</PageBlock>"
               + text_object(28, 84, "南部县教育局文件", 12, prefix="")
               # drawn at half size and moved by its CTM: still on its own line below the issuer
               + text_object(0, 0, "南教发〔2023〕12号", 5.6, prefix="", CTM="1 0 0 1 60 106"))
    f = read_ofd(with_page(objects, ns=False))
    assert f.secrecy == "机密"
    assert f.body.split("\n")[:3] == ["机密", "南部县教育局文件", "南教发〔2023〕12号"]
    assert f.issuer == "南部县教育局" and f.doc_number == "南教发〔2023〕12号"


def test_text_codes_with_delta_x_and_without_x():
    obj = ('<ofd:TextObject ID="9" Boundary="28 40 150 8" Size="5.6">'
           '<ofd:TextCode X="0" Y="5.6" DeltaX="g 1 5.6">秘密</ofd:TextCode>'
           '<ofd:TextCode DeltaX="5.6 5.6">★1年</ofd:TextCode></ofd:TextObject>')
    f = read_ofd(with_page(obj))
    assert f.secrecy == "秘密" and "秘密★1年" in f.body.split("\n")


def test_a_repeated_boundary_under_another_ctm_is_placed_by_its_own_object():
    # The reader parses each number string once per file and looks it up after: two objects with one Boundary
    # string, the second moved 20 mm down by its CTM, stand on two lines.
    same = 'Boundary="28 40 150 8" Size="5.6"'
    objects = (f'<ofd:TextObject ID="1" {same}><ofd:TextCode X="0" Y="5.6">南部县教育局文件</ofd:TextCode>'
               f'</ofd:TextObject><ofd:TextObject ID="2" {same} CTM="1 0 0 1 0 20">'
               '<ofd:TextCode X="0" Y="5.6">机密</ofd:TextCode></ofd:TextObject>')
    f = read_ofd(with_page(objects))
    assert f.body.split("\n")[:2] == ["南部县教育局文件", "机密"]
    assert f.secrecy == "机密"

# ------------------------------------------------------------------------------------------- scans and errors


def test_image_only_ofd_is_a_scan():
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    with pytest.raises(DocumentReadError) as e:
        read_ofd(build.ofd_of(SECRET, images=[png]))
    assert (e.value.code, e.value.message) == ("no_text", "扫描件，无文字层，无法核对密级")


def test_a_scan_with_a_few_stamped_characters_is_still_a_scan():
    files = members(build.ofd_of(SECRET, images=[b"\x89PNG"]))
    content = files["Doc_0/Pages/Page_0/Content.xml"].decode()
    files["Doc_0/Pages/Page_0/Content.xml"] = content.replace(
        "</ofd:Layer>", text_object(100, 280, "第1页") + "</ofd:Layer>").encode()
    with pytest.raises(DocumentReadError) as e:
        read_ofd(rezip(files))
    assert e.value.code == "no_text"


def test_pages_without_any_text():
    with pytest.raises(DocumentReadError) as e:
        read_ofd(with_page(""))
    assert e.value.code == "no_text"


def _error(data: bytes, **kw) -> DocumentReadError:
    with pytest.raises(DocumentReadError) as e:
        read_ofd(data, **kw)
    return e.value


def _clerk_message_about_ofd(err: DocumentReadError) -> None:
    assert "OFD" in err.message and ".docx" not in err.message and "另存为" not in err.message


def test_missing_or_damaged_entry_files():
    files = members(build.ofd_of(build.NOTICE))
    no_entry = dict(files)
    del no_entry["OFD.xml"]
    err = _error(rezip(no_entry))
    assert err.code == "not_ofd"
    _clerk_message_about_ofd(err)
    err = _error(rezip({**files, "OFD.xml": files["OFD.xml"][:200]}))
    assert err.code == "bad_xml"
    _clerk_message_about_ofd(err)
    no_document = {k: v for k, v in files.items() if k != "Doc_0/Document.xml"}
    err = _error(rezip(no_document))
    assert err.code == "bad_ofd" and "Document.xml" in err.message
    _clerk_message_about_ofd(err)
    no_page = {k: v for k, v in files.items() if k != "Doc_0/Pages/Page_0/Content.xml"}
    err = _error(rezip(no_page))
    assert err.code == "bad_ofd" and "第 1 页" in err.message
    no_root = {**files, "OFD.xml": files["OFD.xml"].replace(b"<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>",
                                                            b"")}
    assert _error(rezip(no_root)).code == "bad_ofd"


def test_truncated_and_not_a_zip():
    data = build.ofd_of(build.NOTICE)
    for cut in (len(data) // 2, len(data) - 10, 40):
        err = _error(data[:cut])
        assert err.code == "truncated"
        _clerk_message_about_ofd(err)
    assert _error(b"not a zip at all").code == "not_zip"


@pytest.mark.parametrize("where", ["OFD.xml", "Doc_0/Document.xml", "Doc_0/Pages/Page_0/Content.xml"])
def test_dtd_entities_and_xxe_are_refused(where):
    files = members(build.ofd_of(build.NOTICE))
    xxe = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    body = files[where].split(b"?>", 1)[1]
    files[where] = xxe + body.replace(b"</ofd:", b"&x;</ofd:", 1)
    assert _error(rezip(files)).code == "forbidden_xml"
    laughs = b'<?xml version="1.0"?><!DOCTYPE z [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    files[where] = laughs + body
    assert _error(rezip(files)).code == "forbidden_xml"


def test_a_zip_bomb_is_refused():
    files = members(build.ofd_of(build.NOTICE))
    files["Doc_0/Pages/Page_0/Content.xml"] = page(" " * (8 * 1024 * 1024))
    assert _error(rezip(files)).code == "zip_bomb"


def test_duplicate_entries_are_ambiguous():
    files = members(build.ofd_of(SECRET))
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # zipfile warns of the duplicate it is asked to write
        with zipfile.ZipFile(out, "w") as zf:
            for name, data in files.items():
                zf.writestr(name, data)
            zf.writestr("Doc_0/Pages/Page_0/Content.xml", page(text_object(28, 45, "普通")))
    err = _error(out.getvalue())
    assert err.code == "ambiguous"


def test_a_bomb_behind_a_small_declared_size_is_refused():
    files = members(build.ofd_of(build.NOTICE))
    files["Doc_0/Pages/Page_0/Content.xml"] = page(" " * (3 * 1024 * 1024))
    data = bytearray(rezip(files))
    name = b"Doc_0/Pages/Page_0/Content.xml"
    entry = data.index(b"PK\x01\x02")
    while data[entry + 46:entry + 46 + len(name)] != name:   # the member's central directory entry
        entry = data.index(b"PK\x01\x02", entry + 4)
    data[entry + 24:entry + 28] = (1000).to_bytes(4, "little")   # declared: 1,000 bytes
    assert _error(bytes(data)).code == "zip_bomb"


def test_stored_members_and_damaged_data():
    files = members(build.ofd_of(SECRET))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    assert read_ofd(out.getvalue()).secrecy == "秘密"
    data = bytearray(build.ofd_of(SECRET))
    at = data.index(b"Doc_0/Pages/Page_0/Content.xml") + 40   # inside the page's deflated data
    data[at:at + 8] = b"\xff" * 8
    assert _error(bytes(data)).code in ("truncated", "bad_xml")


def test_a_local_header_naming_another_member_is_ambiguous():
    data = bytearray(build.ofd_of(SECRET))
    at = data.index(b"Doc_0/Pages/Page_0/Content.xml")   # the local header's copy comes first
    data[at:at + 30] = b"Doc_0/Pages/Page_9/Content.xml"
    assert _error(bytes(data)).code == "ambiguous"


def test_page_and_text_limits(monkeypatch):
    data = build.ofd_of(build.NOTICE)
    assert ofd_module.MAX_PAGES == 2_000
    err = _error(data, max_pages=1)
    assert err.code == "too_many_pages" and "OFD" in err.message
    monkeypatch.setattr(ofd_module, "MAX_TEXT_CODES", 10)
    assert _error(data).code == "too_large"


def test_more_documents_or_templates_than_allowed_are_refused_not_cut_short(monkeypatch):
    monkeypatch.setattr(ofd_module, "MAX_TEMPLATES", 0)
    assert _error(build.ofd_of(build.NOTICE, header="秘密")).code == "too_large"
    monkeypatch.setattr(ofd_module, "MAX_DOCS", 0)
    assert _error(build.ofd_of(build.NOTICE)).code == "too_large"


def test_a_missing_annotation_part_is_refused():
    files = members(build.ofd_of(build.NOTICE, annotations={0: "秘密"}))
    del files["Doc_0/Annots/Page_0/Annotation.xml"]
    assert _error(rezip(files)).code == "bad_ofd"


def test_paths_outside_the_package_are_missing_parts():
    files = members(build.ofd_of(build.NOTICE))
    files["OFD.xml"] = files["OFD.xml"].replace(b"Doc_0/Document.xml", b"../../etc/Document.xml")
    assert _error(rezip(files)).code == "bad_ofd"


def test_absolute_locations():
    files = members(build.ofd_of(SECRET))
    files["OFD.xml"] = files["OFD.xml"].replace(b">Doc_0/Document.xml<", b">/Doc_0/Document.xml<")
    doc = files["Doc_0/Document.xml"]
    files["Doc_0/Document.xml"] = doc.replace(b'BaseLoc="Pages/', b'BaseLoc="/Doc_0/Pages/')
    assert read_ofd(rezip(files)).secrecy == "秘密"


def test_read_any_tells_an_ofd_from_its_bytes(tmp_path):
    path = tmp_path / "正文.docx"
    path.write_bytes(build.ofd_of(SECRET))
    f = read_any(path)
    assert f.format == "ofd" and f.secrecy == "秘密" and f.doc_number == "南教发〔2023〕12号"
    assert read_any(build.ofd_of(build.NOTICE), name="x.docx").format == "ofd"
    with pytest.raises(DocumentReadError) as e:
        read_any(build.ofd_of(SECRET, images=[b"\x89PNG"]), name="x.pdf")
    assert e.value.code == "no_text"
