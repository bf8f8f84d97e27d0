"""documents.read: round trips through documents.samples, hostile archives and XML, the text heuristics."""
from __future__ import annotations

import datetime
import io
import struct
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import oa_liaison_plugin.documents.read as read
from oa_liaison_plugin.documents.read import DocumentFacts, DocumentReadError, extract_facts, read_docx
from oa_liaison_plugin.documents.samples import make_issued_docx, make_long_body

D = datetime.date(2017, 1, 5)
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                 b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 b'<Default Extension="rels" '
                 b'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 b'<Default Extension="xml" ContentType="application/xml"/>'
                 b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                 b'officedocument.wordprocessingml.document.main+xml"/></Types>')
RELS = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'officeDocument" Target="word/document.xml"/></Relationships>')


def sample(**over) -> bytes:
    kw = dict(issuer="南部县教育局", doc_number="南教发〔2017〕12号",
              title="关于进一步加强县级部门与县政协专门委员会\n对口联系协商工作的通知",
              main_recipients=["各乡镇人民政府", "县级各部门"], body_paragraphs=make_long_body(2),
              cc=["县委办公室", "县人大常委会办公室", "县政协办公室"], date=D)
    kw.update(over)
    return make_issued_docx(**kw)


def doc_xml(body_inner: str, prolog: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
            f'<w:document xmlns:w="{W_NS}" '
            f'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
            f'<w:body>{body_inner}</w:body></w:document>').encode()


def paras(*texts: str) -> str:
    return "".join(f"<w:p><w:r><w:t>{t}</w:t></w:r></w:p>" for t in texts)


def make_zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def docx_with(document: bytes, **extra: bytes) -> bytes:
    members = {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": RELS, "word/document.xml": document}
    members.update(extra)
    return make_zip(members)


def patch_central(data: bytes, name: str, *, size: int | None = None, flags: int | None = None) -> bytes:
    """Rewrite a member's central-directory entry (what zipfile trusts): declared size or flag bits."""
    buf = bytearray(data)
    at = buf.find(b"PK\x01\x02")
    while at >= 0:
        n_len, e_len, c_len = struct.unpack_from("<HHH", buf, at + 28)
        if bytes(buf[at + 46:at + 46 + n_len]).decode() == name:
            if size is not None:
                struct.pack_into("<I", buf, at + 24, size)
            if flags is not None:
                struct.pack_into("<H", buf, at + 8, flags)
        at = buf.find(b"PK\x01\x02", at + 46 + n_len + e_len + c_len)
    return bytes(buf)


def code_of(data, **kw) -> str:
    with pytest.raises(DocumentReadError) as info:
        read_docx(data, **kw)
    err = info.value
    assert err.message and any("\u4e00" <= ch <= "\u9fff" for ch in err.message)   # a Chinese message
    assert str(err).startswith(err.code)
    return err.code


# ------------------------------------------------------------------------------------ round trips

def test_round_trip_every_field(tmp_path):
    data = sample(secrecy="机密", secrecy_period="1年", copy_number="000012", urgency="特急",
                  note="此件不公开", attachments=["南部县对口联系单位名单", "联系协商工作安排表"])
    path = tmp_path / "issued.docx"
    path.write_bytes(data)
    for source in (data, path, str(path)):
        f = read_docx(source)
        assert isinstance(f, DocumentFacts)
        assert f.title == "关于进一步加强县级部门与县政协专门委员会对口联系协商工作的通知"
        assert f.doc_number == "南教发〔2017〕12号"
        assert f.issuer == "南部县教育局"
        assert f.main_recipients == ["各乡镇人民政府", "县级各部门"]
        assert f.cc == ["县委办公室", "县人大常委会办公室", "县政协办公室"]
        assert (f.secrecy, f.secrecy_period, f.copy_number, f.urgency) == ("机密", "1年", "000012", "特急")
        assert f.note == "此件不公开"
        assert f.doc_type == "通知"
        assert f.issued_on == D
        assert f.attachments == ["南部县对口联系单位名单", "联系协商工作安排表"]
        assert make_long_body(2)[3] in f.body
        assert 2 <= f.page_estimate <= 4


def test_round_trip_plain_document_has_no_secrecy_or_note():
    f = read_docx(sample())
    assert (f.secrecy, f.secrecy_period, f.copy_number, f.urgency, f.note) == (None,) * 5
    assert f.attachments == []
    assert f.issued_on == D and f.issuer == "南部县教育局"


@pytest.mark.parametrize("secrecy,period,copy_number,urgency", [
    ("秘密", "长期", "000001", None),
    ("机密", "10年", None, "加急"),
    ("绝密", None, "000300", "特急"),
    ("秘密", "6个月", None, None),
])
def test_round_trip_secrecy_variants(secrecy, period, copy_number, urgency):
    f = read_docx(sample(secrecy=secrecy, secrecy_period=period, copy_number=copy_number, urgency=urgency))
    assert (f.secrecy, f.secrecy_period, f.copy_number, f.urgency) == (secrecy, period, copy_number, urgency)
    assert f.doc_number == "南教发〔2017〕12号" and f.issuer == "南部县教育局"


@pytest.mark.parametrize("note", ["此件公开发布", "此件不公开", "此件发至县级各部门"])
def test_round_trip_note(note):
    assert read_docx(sample(note=note)).note == note


@pytest.mark.parametrize("title,doc_type", [
    ("南部县教育局关于县政协教科卫体委员会调研报告的复函", "函"),
    ("关于2017年度教育经费执行情况的报告", "报告"),
    ("关于申请追加学校维修经费的请示", "请示"),
    ("南部县人民政府令", "命令"),
    ("县级部门与县政协专门委员会对口单位负责人联系会纪要", "纪要"),
    ("关于印发《南部县教育系统安全管理办法（试行）》的通知（征求意见稿）", "通知"),
])
def test_round_trip_doc_types(title, doc_type):
    f = read_docx(sample(title=title, doc_number="南教函〔2017〕3号", main_recipients=["县政协教科卫体委员会"]))
    assert f.title == title and f.doc_type == doc_type
    assert f.main_recipients == ["县政协教科卫体委员会"]


def test_single_attachment_and_date_formats():
    f = read_docx(sample(attachments=["南部县学校名单"], date=datetime.date(2023, 12, 31)))
    assert f.attachments == ["南部县学校名单"]
    assert f.issued_on == datetime.date(2023, 12, 31)


def test_three_hundred_pages_read_fine():
    body = make_long_body(300, seed=7)
    assert sum(len(p) for p in body) >= 300 * 22 * 28
    data = sample(body_paragraphs=body, secrecy="秘密", secrecy_period="长期", note="此件公开发布",
                  attachments=["附表"])
    f = read_docx(data)
    assert 300 <= f.page_estimate <= 310
    assert (f.title, f.doc_number, f.issuer, f.secrecy, f.note, f.issued_on, f.attachments) == (
        "关于进一步加强县级部门与县政协专门委员会对口联系协商工作的通知", "南教发〔2017〕12号", "南部县教育局",
        "秘密", "此件公开发布", D, ["附表"])
    assert body[-1] in f.body and body[150] in f.body


def test_make_long_body_is_deterministic_and_sized():
    assert make_long_body(5, seed=3) == make_long_body(5, seed=3)
    assert make_long_body(5, seed=3) != make_long_body(5, seed=4)
    chars = sum(len(p) for p in make_long_body(10))
    assert 10 * 616 <= chars < 10 * 616 + 400


def test_core_title_is_the_fallback_title():
    from docx import Document
    doc = Document()
    doc.add_paragraph("现将有关事项通知如下。")
    doc.core_properties.title = "关于做好2017年防汛工作的通知"
    out = io.BytesIO()
    doc.save(out)
    f = read_docx(out.getvalue())
    assert f.title == "关于做好2017年防汛工作的通知" and f.doc_type == "通知"


# ------------------------------------------------------------------------------- text extraction

def test_tables_tabs_breaks_and_text_boxes():
    textbox = ('<w:p><w:r><w:t>前</w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires="wps">'
               '<w:drawing><w:txbxContent><w:p><w:r><w:t>框内</w:t></w:r></w:p></w:txbxContent></w:drawing>'
               '</mc:Choice><mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>框内</w:t></w:r></w:p>'
               '</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r>'
               '<w:r><w:t>后</w:t></w:r></w:p>')
    inner = (paras("南部县教育局文件", "南教发〔2017〕2号", "关于报送学校名单的通知", "各学校：")
             + '<w:p><w:pPr><w:tabs><w:tab w:val="right" w:pos="8000"/></w:tabs></w:pPr>'
               '<w:r><w:t>甲</w:t><w:tab/><w:t>乙</w:t><w:br/><w:t>丙</w:t></w:r></w:p>'
             + '<w:tbl><w:tr><w:tc><w:p><w:r><w:t>单元格一</w:t></w:r></w:p></w:tc>'
               '<w:tc><w:p><w:r><w:t>单元格二</w:t></w:r></w:p></w:tc></w:tr></w:tbl>'
             + '<w:p><w:del><w:r><w:delText>删除的字</w:delText></w:r></w:del><w:r><w:t>保留</w:t></w:r></w:p>'
             + textbox + paras("南部县教育局", "2017年1月5日"))
    f = read_docx(docx_with(doc_xml(inner)))
    lines = f.body.split("\n")
    assert "甲\t乙" in lines and "丙" in lines
    assert lines.index("单元格一") + 1 == lines.index("单元格二")
    assert "删除的字" not in f.body and "保留" in lines
    assert f.body.count("框内") == 1 and "前后" in lines
    assert f.title == "关于报送学校名单的通知" and f.main_recipients == ["各学校"]
    assert f.issued_on == D


def reference_lines(body_inner: str, ns: str = W_NS) -> list[str]:
    """The body's lines as paragraphs.xsl defines them, walked the plain way in Python."""
    from lxml import etree
    root = etree.fromstring(doc_xml(body_inner).replace(W_NS.encode(), ns.encode()))
    P, T, R = (f"{{{ns}}}{t}" for t in ("p", "t", "r"))
    mc = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
    skip = {f"{{{ns}}}del", f"{{{ns}}}moveFrom"}
    out: list[str] = []

    def alternative(el) -> list:   # the first mc:Choice if it holds text or paragraphs, else the Fallbacks
        choices = [c for c in el if c.tag == f"{mc}Choice"][:1]
        fallbacks = [c for c in el if c.tag == f"{mc}Fallback"]
        if not fallbacks or any(x.tag in (T, P) for c in choices for x in c.iter()):
            return choices
        return fallbacks

    def own(el) -> str:   # a paragraph's text, its nested paragraphs emitted first
        parts = []
        for child in el:
            if child.tag in skip or not isinstance(child.tag, str):
                continue
            if child.tag == P:
                paragraph(child)
            elif child.tag == f"{mc}AlternateContent":
                parts.extend(own(c) for c in alternative(child))
            elif child.tag == T:
                parts.append("".join(child.itertext()))
            elif el.tag == R and child.tag in (f"{{{ns}}}tab", f"{{{ns}}}ptab"):
                parts.append("\t")
            elif el.tag == R and child.tag in (f"{{{ns}}}br", f"{{{ns}}}cr"):
                parts.append("\n")
            else:
                parts.append(own(child))
        return "".join(parts)

    def paragraph(p):
        out.append(own(p))

    def find(el):
        for child in el:
            if child.tag in skip or not isinstance(child.tag, str):
                continue
            if child.tag == f"{mc}AlternateContent":
                for c in alternative(child):
                    find(c)
            else:
                paragraph(child) if child.tag == P else find(child)

    find(root[0])
    return "\n".join(out).split("\n") if out else []


TEXT = st.text(st.sampled_from(list("南部县 甲乙\t<&>")), max_size=4).map(
    lambda t: t.replace("&", "&amp;").replace("<", "&lt;"))
LEAF = st.one_of(TEXT.map(lambda t: f"<w:t xml:space=\"preserve\">{t}</w:t>"), st.just("<w:tab/>"),
                 st.just("<w:br/>"), st.just("<w:cr/>"), st.just("<w:ptab/>"),
                 TEXT.map(lambda t: f"<w:delText>{t}</w:delText>"),
                 TEXT.map(lambda t: f"<w:instrText>{t}</w:instrText>"))
WRAPPERS = ["w:r", "w:p", "w:ins", "w:del", "w:moveFrom", "w:moveTo", "w:hyperlink", "w:txbxContent", "w:tbl",
            "w:tc", "w:sdtContent", "mc:AlternateContent", "mc:Choice", "mc:Fallback", "w:tabs", "w:pPr"]
NODE = st.recursive(LEAF, lambda inner: st.tuples(st.sampled_from(WRAPPERS), st.lists(inner, max_size=4)).map(
    lambda t: f"<{t[0]}>{''.join(t[1])}</{t[0]}>"), max_leaves=25)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(NODE, max_size=5), st.sampled_from([W_NS, "http://purl.oclc.org/ooxml/wordprocessingml/main"]))
def test_body_text_equals_the_plain_walk_for_any_nesting(nodes, ns):
    """paragraphs.xsl against a plain recursive walk: text boxes, Choice or Fallback copies, moved and deleted text,
    stray runs outside paragraphs, tabs in tab stops, Strict namespace."""
    from lxml import etree
    body = "".join(nodes)
    root = etree.fromstring(doc_xml(body).replace(W_NS.encode(), ns.encode()))
    assert read._paragraphs(root) == reference_lines(body, ns)


def test_main_part_found_through_rels():
    rels = RELS.replace(b"word/document.xml", b"word/document2.xml")
    data = make_zip({"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": rels,
                     "word/document2.xml": doc_xml(paras("关于放假的通知", "正文。")),
                     "word/document.xml": doc_xml(paras("关于旧稿的通知", "正文。"))})
    for _ in range(2):   # the second time from the remembered answer for these rels bytes
        assert read_docx(data).title == "关于放假的通知"
    assert read_docx(docx_with(doc_xml(paras("关于开会的通知", "正文。")))).title == "关于开会的通知"
    hostile = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
               + RELS[RELS.index(b"?>") + 2:])
    for _ in range(2):   # a refusal is never remembered as an answer
        assert code_of(docx_with(doc_xml(paras("关于开会的通知")), **{"_rels/.rels": hostile})) == "forbidden_xml"


# ------------------------------------------------------------------------------------ bad input

def test_not_a_zip():
    assert code_of(b"this is plainly not a word document" * 10) == "not_zip"
    assert code_of(b"") == "not_zip"


def test_truncated_zip():
    data = sample()
    assert code_of(data[: len(data) // 2]) == "truncated"
    assert code_of(data[:-30]) == "truncated"      # end-of-central-directory cut


def test_zip_bomb_declared_size():
    data = patch_central(docx_with(doc_xml(paras("关于的通知"))), "word/document.xml", size=1 << 30)
    assert code_of(data) == "zip_bomb"


def test_zip_bomb_high_ratio_member():
    data = docx_with(doc_xml(paras("关于的通知", "正文。")), **{"word/media/zeros.bin": bytes(20 * 1024 * 1024)})
    assert len(data) < 200_000
    assert code_of(data) == "zip_bomb"


def test_zip_bomb_lying_header_is_not_trusted():
    big = doc_xml(paras("关于的通知") + "<w:p>" + " " * (30 * 1024 * 1024) + "</w:p>")
    data = patch_central(docx_with(big), "word/document.xml", size=50_000)
    assert code_of(data) in ("truncated", "zip_bomb")


def test_limits_are_parameters(tmp_path):
    data = sample()
    assert code_of(data, max_uncompressed=10_000) == "zip_bomb"
    assert code_of(data, max_bytes=1000) == "too_large"
    path = tmp_path / "big.docx"
    path.write_bytes(data)
    assert code_of(path, max_bytes=1000) == "too_large"


BILLION_LAUGHS = ('<!DOCTYPE w:document [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">'
                            for i in range(1, 10))
                  + "]>")
XXE = '<!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'


def test_billion_laughs():
    xml = doc_xml(paras("关于的通知", "&lol9;"), BILLION_LAUGHS)
    assert code_of(docx_with(xml)) == "forbidden_xml"
    utf16 = xml.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert code_of(docx_with(utf16)) == "forbidden_xml"


def test_xxe_never_reads_local_files():
    xml = doc_xml(paras("关于的通知", "&x;"), XXE)
    with pytest.raises(DocumentReadError) as info:
        read_docx(docx_with(xml))
    assert info.value.code == "forbidden_xml"
    passwd = Path("/etc/passwd").read_text().splitlines()[0] if Path("/etc/passwd").exists() else "root:x:0:0"
    assert passwd not in str(info.value) and "root:" not in info.value.message
    # In depth: even past the byte check, the hardened parser neither loads nor expands the entity.
    root = read.etree.fromstring(xml, read._parser())
    assert "root:" not in "".join(root.itertext())
    assert passwd not in read.etree.tostring(root, encoding="unicode")
    # …and a DOCTYPE in docProps/core.xml is refused as well.
    core = (b'<?xml version="1.0"?>' + XXE.replace("w:document", "cp:coreProperties").encode()
            + b'<cp:coreProperties '
              b'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
              b' xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&x;</dc:title></cp:coreProperties>')
    assert code_of(docx_with(doc_xml(paras("正文。")), **{"docProps/core.xml": core})) == "forbidden_xml"


def test_legacy_doc_and_encrypted():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000)
    assert code_of(ole) == "legacy_doc"
    assert code_of(ole + "EncryptedPackage".encode("utf-16-le") + bytes(100)) == "encrypted"
    zipped = patch_central(docx_with(doc_xml(paras("关于的通知"))), "word/document.xml", flags=0x1)
    assert code_of(zipped) == "encrypted"


def test_zip_without_document_xml():
    assert code_of(make_zip({"hello.txt": b"hi"})) == "not_docx"
    assert code_of(make_zip({"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": RELS})) == "not_docx"


def test_empty_body_and_bad_xml():
    assert code_of(docx_with(doc_xml("<w:p/><w:p><w:r><w:t>  </w:t></w:r></w:p>"))) == "empty_body"
    assert code_of(docx_with(doc_xml(""))) == "empty_body"
    assert code_of(docx_with(b"<w:document><w:body><w:p>")) == "bad_xml"
    assert code_of(docx_with(b"<html><body>not word</body></html>")) == "not_docx"


def test_unreadable_paths(tmp_path):
    assert code_of(tmp_path / "nope.docx") == "unreadable"
    assert code_of(str(tmp_path)) == "unreadable"          # a directory
    assert code_of("bad\x00name.docx") == "unreadable"


@pytest.mark.slow
def test_a_libreoffice_resave_still_reads(tmp_path):
    """Another producer's OOXML (LibreOffice re-saving the sample) gives the same facts."""
    import shutil
    import subprocess
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice not installed")
    src = tmp_path / "in" / "issued.docx"
    src.parent.mkdir()
    src.write_bytes(sample(secrecy="机密", secrecy_period="1年", copy_number="000012", note="此件不公开",
                           attachments=["名单", "安排表"]))
    out = tmp_path / "out"
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                    "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out), str(src)],
                   check=True, capture_output=True, timeout=180)
    a, b = read_docx(src), read_docx(out / "issued.docx")
    assert b.body.split() == a.body.split()
    for name in ("title", "doc_number", "issuer", "main_recipients", "cc", "secrecy", "secrecy_period",
                 "copy_number", "note", "doc_type", "issued_on", "attachments"):
        assert getattr(b, name) == getattr(a, name), name


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_damaged_archives_only_raise_document_read_error(data):
    good = _FUZZ_BASE
    raw = bytearray(good)
    for _ in range(data.draw(st.integers(1, 8))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(raw)))
    try:
        read_docx(bytes(raw[:cut]) if data.draw(st.booleans()) else bytes(raw))
    except DocumentReadError as exc:
        assert exc.code in read._MESSAGES


_FUZZ_BASE = docx_with(doc_xml(paras("南部县教育局文件", "南教发〔2017〕2号", "关于的通知", "各学校：", "正文。",
                                     "南部县教育局", "2017年1月5日")))


# ---------------------------------------------------------------------------------- heuristics

HEAD = ["份号：000123", "机 密 ★ 10 年", "加急", "南部县财政局文件"]
TAIL = ["南部县财政局", "2017年3月8日", "(此件公开发布)", "抄送: 县政府办公室; 县政协办公室.",
        "南部县财政局办公室\t2017年3月8日印发"]


@pytest.mark.parametrize("number", ["南财发[2017]5号", "南财发 [ 2017 ] 5 号", "南财发(2017)5号", "南财发（2017）5号",
                                    "南财发［2017］5号", "南财发〔２０１７〕０５号", "南财发﹝2017﹞5号"])
def test_extract_facts_half_width_brackets_and_spaces(number):
    f = extract_facts([*HEAD, number, "关于下达2017年教育专项资金的通知", "县教育局 , 县卫计局 :",
                       "现将有关事项通知如下。", "附件: 1. 资金分配表", "2. 项目清单", *TAIL])
    assert f.doc_number == "南财发〔2017〕5号"
    assert (f.copy_number, f.secrecy, f.secrecy_period, f.urgency) == ("000123", "机密", "10年", "加急")
    assert f.issuer == "南部县财政局" and f.title == "关于下达2017年教育专项资金的通知"
    assert f.main_recipients == ["县教育局", "县卫计局"]
    assert f.cc == ["县政府办公室", "县政协办公室"]
    assert f.attachments == ["资金分配表", "项目清单"]
    assert f.note == "此件公开发布" and f.issued_on == datetime.date(2017, 3, 8) and f.doc_type == "通知"


@pytest.mark.parametrize("head,expect", [
    (["机密★1年"], ("机密", "1年", None, None)),
    (["秘密★长期"], ("秘密", "长期", None, None)),
    (["绝密"], ("绝密", None, None, None)),
    (["机密 ★ 10年"], ("机密", "10年", None, None)),
    (["机密＊１年"], ("机密", "1年", None, None)),
    (["000008", "秘密★6个月", "特急"], ("秘密", "6个月", "000008", "特急")),
    (["000008 绝密★长期"], ("绝密", "长期", "000008", None)),
    (["密级：机密", "保密期限：5年"], ("机密", "5年", None, None)),
    (["機密★長期"], ("机密", "长期", None, None)),
    (["　絕密 ☆ 1年　"], ("绝密", "1年", None, None)),
    ([], (None, None, None, None)),
])
def test_extract_facts_secrecy_forms(head, expect):
    f = extract_facts([*head, "南部县公安局文件", "南公发〔2017〕9号", "关于开展专项行动的通知", "各派出所：", "正文。"])
    assert (f.secrecy, f.secrecy_period, f.copy_number, f.urgency) == expect
    assert f.issuer == "南部县公安局"


def test_extract_facts_body_mentions_do_not_count():
    f = extract_facts(["南部县教育局文件", "南教发〔2017〕1号", "关于做好保密工作的通知", "各学校：",
                       "机密文件不得擅自复制，依据南委发〔2016〕10号文件执行。", "南部县教育局", "2017年1月5日"])
    assert f.secrecy is None and f.doc_number == "南教发〔2017〕1号"


def test_extract_facts_issuer_from_signature_and_letter_format():
    f = extract_facts(["县政协教科卫体委员会：", "你委提出的《关于加强乡村教师队伍建设的建议》收悉。现答复如下：",
                       "一、……", "南部县教育局", "2017年5月4日", "（联系人：张三，电话：0817-5522222）"])
    assert f.issuer == "南部县教育局" and f.main_recipients == ["县政协教科卫体委员会"]
    assert f.issued_on == datetime.date(2017, 5, 4) and f.note == "联系人：张三，电话：0817-5522222"
    g = extract_facts(["南部县教育局", "南教函〔2017〕34号", "南部县教育局关于县政协调研报告的复函",
                       "县政协教科卫体委员会：", "正文。", "南部县教育局", "二〇一七年十二月二十一日"])
    assert (g.issuer, g.doc_type, g.issued_on) == ("南部县教育局", "函", datetime.date(2017, 12, 21))


def test_extract_facts_on_the_notice(notice_text):
    f = extract_facts(notice_text.replace("**", "").split("\n"))
    assert f.doc_number == "南委办〔2017〕1号" and f.issuer == "中共南部县委办公室"
    assert f.title == "关于建立健全县级部门与县政协专门委员会对口联系协商制度的通知"
    assert f.main_recipients == ["县级各部门"] and f.issued_on == D and f.doc_type == "通知"


def test_extract_facts_recipients_keep_bracketed_names_whole():
    f = extract_facts(["关于召开联系会的通知", "县发改局（县粮食局、县物价局），县卫计局：", "正文。"])
    assert f.main_recipients == ["县发改局（县粮食局、县物价局）", "县卫计局"]


def test_extract_facts_empty_and_core_title():
    assert extract_facts([]) == DocumentFacts(body="", page_estimate=0)
    f = extract_facts(["", "  "], core_title=" 关于某事的批复 ")
    assert f.title == "关于某事的批复" and f.doc_type == "批复" and f.page_estimate == 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="关于通知函令〔〕[]()（）：:，、。★机密秘绝年月日号文件局0123456789一二十〇 \t\n附抄送印发此件",
                        max_size=30), max_size=25))
def test_extract_facts_never_raises(paragraphs):
    f = extract_facts(paragraphs)
    assert f.body == "\n".join(paragraphs)


# ------------------------------------------------------------------------------ the parts beside the body

HDR_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            b'2006/relationships"><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'relationships/header" Target="hdr/top.xml"/></Relationships>')


def header_xml(inner: str, prolog: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<w:hdr xmlns:w="{W_NS}">{inner}</w:hdr>').encode()


def test_a_header_named_by_the_relationships_is_read_wherever_it_lies():
    data = docx_with(doc_xml(paras("南部县教育局文件", "南教发〔2017〕1号", "关于开会的通知", "各学校：", "正文。")),
                     **{"word/_rels/document.xml.rels": HDR_RELS, "word/hdr/top.xml": header_xml(paras("绝密★长期"))})
    f = read_docx(data)
    assert (f.secrecy, f.secrecy_period) == ("绝密", "长期")
    assert [(m.level, m.where) for m in f.secrecy_marks] == [("绝密", "header")]
    assert "绝密" not in f.body   # the body stays the body


def test_the_strictest_mark_of_all_parts_wins():
    data = docx_with(doc_xml(paras("秘密★1年", "南部县教育局文件", "南教发〔2017〕1号", "关于开会的通知", "正文。")),
                     **{"word/footer1.xml": header_xml(paras("机密★5年")).replace(b"w:hdr", b"w:ftr")})
    f = read_docx(data)
    assert (f.secrecy, f.secrecy_period) == ("机密", "5年")
    assert {m.where for m in f.secrecy_marks} == {"body", "footer"}


def test_a_damaged_or_hostile_header_is_a_read_error():
    body = doc_xml(paras("关于开会的通知", "正文。"))
    assert code_of(docx_with(body, **{"word/header1.xml": b"<w:hdr"})) == "bad_part"
    hostile = header_xml(paras("x"), '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>')
    assert code_of(docx_with(body, **{"word/header2.xml": hostile})) == "forbidden_xml"
    with pytest.raises(DocumentReadError) as err:
        read_docx(docx_with(body, **{"word/header1.xml": b"<w:hdr"}))
    assert "页眉" in err.value.message


def test_properties_marks_and_unknown_labelled_values():
    custom = (b'<?xml version="1.0"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
              b'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
              b'<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="SecurityClassification">'
              b'<vt:lpwstr>\xe5\x86\x85\xe9\x83\xa8</vt:lpwstr></property></Properties>')   # 内部
    f = read_docx(docx_with(doc_xml(paras("关于开会的通知", "正文。")), **{"docProps/custom.xml": custom}))
    assert f.secrecy == "内部" and f.secrecy_marks[0].where == "properties"
    public = custom.replace("内部".encode(), "公开".encode())
    assert read_docx(docx_with(doc_xml(paras("关于开会的通知", "正文。")), **{"docProps/custom.xml": public})).secrecy is None


def test_letter_line_gives_mark_urgency_and_number():
    f = extract_facts(["南部县人民政府办公室", "000012", "秘密\t南府办函〔2023〕56号", "关于报送材料的函", "各部门：", "正文。"])
    assert (f.secrecy, f.doc_number, f.copy_number) == ("秘密", "南府办函〔2023〕56号", "000012")
    g = extract_facts(["南部县人民政府办公室", "特急\t南府办函〔2023〕57号", "关于报送材料的函", "各部门：", "正文。"])
    assert (g.secrecy, g.urgency, g.doc_number, g.issuer) == (None, "特急", "南府办函〔2023〕57号", "南部县人民政府办公室")


def test_joint_issuers_side_by_side_give_the_first():
    f = extract_facts(["南部县财政局　　南部县教育局", "文件", "南财发〔2023〕5号", "关于拨付资金的通知", "各学校：", "正文。"])
    assert f.issuer == "南部县财政局"
    g = extract_facts(["南 部 县 教 育 局 文 件", "南教发〔2023〕5号", "关于开会的通知", "各学校：", "正文。"])
    assert g.issuer == "南部县教育局"


def test_table_form_printing_line_is_not_a_cc_name():
    tail = ["南部县教育局", "2023年5月8日", "抄送：县委办公室，县政府办公室", "南部县教育局办公室", "2023年5月8日印发"]
    assert extract_facts(["关于开会的通知", "各学校：", "正文。", *tail]).cc == ["县委办公室", "县政府办公室"]
    wrapped = ["南部县教育局", "2023年5月8日", "抄送：县委办公室，", "县政府办公室。", "南部县教育局办公室 2023年5月8日印发"]
    assert extract_facts(["关于开会的通知", "各学校：", "正文。", *wrapped]).cc == ["县委办公室", "县政府办公室"]


def test_footnotes_and_comments_are_read_but_not_body():
    rels = HDR_RELS.replace(b"relationships/header", b"relationships/footnotes").replace(b"hdr/top.xml",
                                                                                        b"footnotes.xml")
    notes = (f'<?xml version="1.0"?><w:footnotes xmlns:w="{W_NS}"><w:footnote w:id="1">{paras("秘密★3个月")}'
             f'</w:footnote></w:footnotes>').encode()
    f = read_docx(docx_with(doc_xml(paras("关于开会的通知", "正文。")),
                            **{"word/_rels/document.xml.rels": rels, "word/footnotes.xml": notes}))
    assert [(m.level, m.period, m.where) for m in f.secrecy_marks] == [("秘密", "3个月", "footnote")]
    assert "秘密" not in f.body
