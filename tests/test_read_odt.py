"""documents.odt: ODF text read in order (lists, tables, frames), headers/footers of the master pages, notes,
hidden text, metadata, flat .fodt, and damaged or hostile packages (only ever DocumentReadError)."""
from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oa_liaison_plugin.documents.formats import read_any
from oa_liaison_plugin.documents.odt import read_odt
from oa_liaison_plugin.documents.read import DocumentFacts, DocumentReadError

NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
      'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
      'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
      'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
      'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
      'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
      'xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3"')
HEAD = ("南部县教育局文件", "南教发〔2023〕12号", "关于加强校园安全管理工作的通知", "各中小学校：")
TAIL = ("为切实加强校园安全管理，现就有关事项通知如下。", "南部县教育局", "2023年5月8日", "抄送：县委办公室，县政府办公室。",
        "南部县教育局办公室<text:tab/>2023年5月8日印发")


def p(*texts: str) -> str:
    return "".join(f"<text:p>{t}</text:p>" for t in texts)


STANDARD = p(*HEAD, *TAIL)
MIMETYPE = b"application/vnd.oasis.opendocument.text"


def content(body: str, auto_styles: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NS}>'
            f'<office:automatic-styles>{auto_styles}</office:automatic-styles>'
            f'<office:body><office:text>{body}</office:text></office:body>'
            '</office:document-content>').encode()


def styles(master: str = "", common: str = "", auto: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles {NS}>'
            f'<office:styles>{common}</office:styles>'
            f'<office:automatic-styles>{auto}</office:automatic-styles>'
            f'<office:master-styles><style:master-page style:name="Standard">{master}</style:master-page>'
            f'</office:master-styles></office:document-styles>').encode()


def meta(inner: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {NS}><office:meta>{inner}'
            f'</office:meta></office:document-meta>').encode()


def odt(body: str = STANDARD, *, auto_styles: str = "", master: str = "", common: str = "",
        meta_xml: str = "", members: dict[str, bytes] | None = None) -> bytes:
    parts = {"mimetype": MIMETYPE, "content.xml": content(body, auto_styles),
             "styles.xml": styles(master, common), "meta.xml": meta(meta_xml)}
    parts.update(members or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in parts.items():
            if data is not None:
                zf.writestr(name, data, zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED)
    return out.getvalue()


def where(f: DocumentFacts) -> list[tuple[str, str | None, str]]:
    return [(m.level, m.period, m.where) for m in f.secrecy_marks]


def test_facts_of_an_issued_notice():
    f = read_odt(odt(p("000012", "秘密★1年", "特急") + STANDARD))
    assert (f.doc_number, f.title, f.issuer) == ("南教发〔2023〕12号", "关于加强校园安全管理工作的通知", "南部县教育局")
    assert (f.secrecy, f.secrecy_period, f.urgency, f.copy_number) == ("秘密", "1年", "特急", "000012")
    assert f.cc == ["县委办公室", "县政府办公室"] and f.issued_on == datetime.date(2023, 5, 8)
    assert f.format == "odt" and where(f) == [("秘密", "1年", "body")]


def test_unclassified():
    f = read_odt(odt())
    assert f.secrecy is None and f.secrecy_marks == [] and f.title == "关于加强校园安全管理工作的通知"


@pytest.mark.parametrize("mark, level, period", [
    ("机密★2027年12月31日", "机密", "2027年12月31日"),
    ("秘密★解密条件：项目验收后", "秘密", "解密条件:项目验收后"),
    ("秘密★1年6个月", "秘密", "1年6个月"),
    ("秘密★3年 份号：000012", "秘密", "3年"),
])
def test_new_spellings(mark, level, period):
    f = read_odt(odt(p(mark) + STANDARD))
    assert (f.secrecy, f.secrecy_period) == (level, period)


def test_spaces_tabs_line_breaks_headings_and_lists():
    body = ('<text:h text:outline-level="1">南部县<text:s text:c="2"/>教育局<text:line-break/>文件</text:h>'
            '<text:list><text:list-item><text:p>秘密<text:tab/>南教函〔2023〕5号</text:p></text:list-item>'
            '</text:list>'
            + p(*HEAD[2:], *TAIL))
    f = read_odt(odt(body))
    assert f.body.split("\n")[:3] == ["南部县  教育局", "文件", "秘密\t南教函〔2023〕5号"]
    assert where(f) == [("秘密", None, "letter_line")] and f.doc_number == "南教函〔2023〕5号"


@pytest.mark.parametrize("part, place", [
    ('<style:header>{}</style:header>', "header"), ('<style:header-first>{}</style:header-first>', "header"),
    ('<style:header-left>{}</style:header-left>', "header"), ('<style:footer>{}</style:footer>', "footer"),
    ('<style:footer-first>{}</style:footer-first>', "footer"),
])
def test_mark_only_in_a_header_or_footer(part, place):
    f = read_odt(odt(master=part.format(p("机密★2027年12月31日"))))
    assert where(f) == [("机密", "2027年12月31日", place)]


def test_header_not_displayed_is_still_scanned():
    f = read_odt(odt(master=f'<style:header style:display="false">{p("秘密★1年")}</style:header>'))
    assert where(f) == [("秘密", "1年", "hidden")]


def test_header_gives_the_banner_when_the_body_has_none():
    f = read_odt(odt(p(*HEAD[2:], *TAIL), master=f"<style:header>{p(*HEAD[:2])}</style:header>"))
    assert f.doc_number == "南教发〔2023〕12号" and f.issuer == "南部县教育局"


def test_mark_in_a_table_cell():
    table = ('<table:table><table:table-row><table:table-cell><text:p>000012</text:p></table:table-cell>'
             '<table:table-cell><text:p>秘密★解密条件：项目验收后</text:p></table:table-cell></table:table-row>'
             '</table:table>')
    f = read_odt(odt(table + STANDARD))
    assert where(f) == [("秘密", "解密条件:项目验收后", "table")] and f.doc_number == "南教发〔2023〕12号"


def test_mark_in_a_frame_text_box_and_a_shape():
    frame = ('<text:p><draw:frame draw:name="f1"><draw:text-box><text:p>秘密★3年 份号：000012</text:p>'
             '</draw:text-box></draw:frame></text:p>')
    f = read_odt(odt(frame + STANDARD))
    assert where(f) == [("秘密", "3年", "textbox")]
    shape = '<text:p>前<draw:custom-shape><text:p>机密★1年</text:p></draw:custom-shape>后</text:p>'
    f = read_odt(odt(shape + STANDARD))
    assert where(f) == [("机密", "1年", "textbox")] and f.body.split("\n")[:2] == ["前后", "机密★1年"]


def test_notes_and_comments_are_side_parts():
    note = ('<text:p>正文<text:note text:note-class="{}"><text:note-citation>1</text:note-citation>'
            '<text:note-body><text:p>秘密★1年</text:p></text:note-body></text:note></text:p>')
    assert where(read_odt(odt(note.format("footnote") + STANDARD))) == [("秘密", "1年", "footnote")]
    assert where(read_odt(odt(note.format("endnote") + STANDARD))) == [("秘密", "1年", "endnote")]
    comment = ('<text:p>正文<office:annotation><dc:creator>张三</dc:creator><text:p>秘密★1年</text:p>'
               '</office:annotation></text:p>')
    f = read_odt(odt(comment + STANDARD))
    assert where(f) == [("秘密", "1年", "comment")] and "正文" in f.body.split("\n")


def test_marks_in_the_metadata():
    f = read_odt(odt(meta_xml="<dc:title>关于加强校园安全管理工作的通知</dc:title><meta:keyword>机密★1年</meta:keyword>"))
    assert where(f) == [("机密", "1年", "properties")]
    f = read_odt(odt(meta_xml='<meta:user-defined meta:name="密级">机密</meta:user-defined>'))
    assert [(m.level, m.where) for m in f.secrecy_marks] == [("机密", "properties")]
    f = read_odt(odt(meta_xml='<meta:user-defined meta:name="密级">公开</meta:user-defined>'))
    assert f.secrecy is None
    f = read_odt(odt(p("各中小学校：", "请做好安全工作。"), meta_xml="<dc:title>关于安全工作的通知</dc:title>"))
    assert f.title == "关于安全工作的通知"


HIDDEN_SPAN = ('<style:style style:name="T1" style:family="text">'
               '<style:text-properties text:display="none"/></style:style>')


@pytest.mark.parametrize("body, auto", [
    ('<text:p><text:span text:style-name="T1">绝密★10年</text:span></text:p>', HIDDEN_SPAN),
    ('<text:p><text:hidden-text text:condition="ooow:1" text:string-value="绝密★10年">绝密★10年</text:hidden-text>'
     '</text:p>', ""),
    ('<text:p>绝密★10年<text:hidden-paragraph text:condition="ooow:1" text:is-hidden="true"/></text:p>', ""),
    ('<text:section text:name="s" text:display="none"><text:p>绝密★10年</text:p></text:section>', ""),
    ('<text:p text:style-name="P9">绝密★10年</text:p>',
     '<style:style style:name="P9" style:family="paragraph" style:parent-style-name="Hidden"/>'),
])
def test_hidden_text_is_read_as_seen_and_scanned(body, auto):
    common = ('<style:style style:name="Hidden" style:family="paragraph"><style:text-properties '
              'text:display="none"/></style:style>')
    f = read_odt(odt(body + STANDARD, auto_styles=auto, common=common))
    assert "绝密" not in f.body and where(f) == [("绝密", "10年", "hidden")] and f.secrecy == "绝密"
    assert f.title == "关于加强校园安全管理工作的通知"


def test_tracked_deletion_does_not_count_and_an_insertion_does():
    changes = ('<text:tracked-changes><text:changed-region text:id="c1"><text:deletion><office:change-info>'
               '<dc:creator>张三</dc:creator></office:change-info><text:p>秘密★1年</text:p></text:deletion>'
               '</text:changed-region></text:tracked-changes>')
    f = read_odt(odt(changes + '<text:p><text:change text:change-id="c1"/></text:p>' + STANDARD))
    assert f.secrecy is None
    inserted = ('<text:tracked-changes><text:changed-region text:id="c2"><text:insertion/>'
                '</text:changed-region></text:tracked-changes>'
                '<text:p><text:change-start text:change-id="c2"/>秘密★1年'
                '<text:change-end text:change-id="c2"/></text:p>')
    assert read_odt(odt(inserted + STANDARD)).secrecy == "秘密"


def test_ruby_text_is_not_seen_but_its_base_is():
    body = '<text:p><text:ruby><text:ruby-base>秘密</text:ruby-base><text:ruby-text>mi mi</text:ruby-text>' \
           '</text:ruby>★1年</text:p>'
    f = read_odt(odt(body + STANDARD))
    assert f.body.split("\n")[0] == "秘密★1年" and f.secrecy == "秘密"


def test_flat_fodt():
    flat = (f'<?xml version="1.0" encoding="UTF-8"?><office:document {NS}><office:meta>'
            f'<dc:title>标题</dc:title></office:meta><office:master-styles>'
            f'<style:master-page style:name="Standard"><style:header>'
            f'{p("机密★1年")}</style:header></style:master-page></office:master-styles>'
            f'<office:body><office:text>{STANDARD}</office:text></office:body></office:document>').encode()
    f = read_odt(flat)
    assert where(f) == [("机密", "1年", "header")] and f.doc_number == "南教发〔2023〕12号"


# ------------------------------------------------------------------------------------------- refusals

def test_encrypted_package():
    manifest = (b'<?xml version="1.0"?><manifest:manifest '
                b'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                b'<manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data '
                b'manifest:checksum-type="SHA1/1K"/></manifest:file-entry></manifest:manifest>')
    with pytest.raises(DocumentReadError) as e:
        read_odt(odt(members={"META-INF/manifest.xml": manifest, "content.xml": b"\x8f\x01garbage"}))
    assert e.value.code == "encrypted"


@pytest.mark.parametrize("raw, code", [
    (odt(members={"content.xml": None}), "not_odt"),
    (odt(members={"content.xml": b"<office:document-content"}), "bad_xml"),
    (odt(members={"styles.xml": b"<nope"}), "bad_part"),
    (odt(members={"content.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'}),
     "forbidden_xml"),
    (odt(body=p("", " ")), "empty_body"),
    (odt()[:200], "truncated"),
    (b"<html>not odf</html>", "not_zip"),
    (b"garbage", "bad_xml"),
    (b'<?xml version="1.0"?><x/>', "not_zip"),
])
def test_damaged_or_hostile(raw, code):
    with pytest.raises(DocumentReadError) as e:
        read_odt(raw)
    assert e.value.code == code and e.value.message


def test_content_without_office_text():
    empty = f'<office:document-content {NS}><office:body/></office:document-content>'
    raw = odt(members={"content.xml": empty.encode()})
    with pytest.raises(DocumentReadError) as e:
        read_odt(raw)
    assert e.value.code == "empty_body"


def test_deep_nesting_is_refused_not_a_recursion_error():
    body = "<text:section>" * 220 + p("秘密") + "</text:section>" * 220
    with pytest.raises(DocumentReadError):
        read_odt(odt(body + STANDARD))


def _outcome(raw: bytes) -> None:
    try:
        f = read_odt(raw)
    except DocumentReadError as exc:
        assert exc.code and exc.message
    else:
        assert isinstance(f, DocumentFacts)


FUZZ = odt(p("秘密★1年") + STANDARD, master=f"<style:header>{p('机密★1年')}</style:header>",
           meta_xml='<meta:user-defined meta:name="密级">机密</meta:user-defined>')


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(FUZZ)), st.lists(st.tuples(st.integers(0, len(FUZZ) - 1), st.integers(0, 255)),
                                           max_size=6))
def test_fuzz_truncated_and_overwritten(n, writes):
    raw = bytearray(FUZZ)
    for at, value in writes:
        raw[at] = value
    _outcome(bytes(raw[:n]))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([*"<>/=\"' 秘密★1年abc:", "<text:p>", "</text:p>", "<text:span>",
                                 '<text:s text:c="x"/>', "</text:span>", "<draw:frame>"]),
                max_size=60).map("".join))
def test_fuzz_content_markup(body):
    _outcome(odt(body + STANDARD))


def test_read_any_from_the_bytes(tmp_path):
    raw = odt(p("秘密★1年") + STANDARD)
    f = read_any(raw, name="正文.docx")
    assert f.format == "odt" and f.secrecy == "秘密"
    path = tmp_path / "正文.doc"
    path.write_bytes(raw)
    assert read_any(path).format == "odt"
