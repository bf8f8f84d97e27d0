"""GB/T 9704 drafts: layout read back from the XML, content, validation, site templates, CLI."""
from __future__ import annotations

import io
import json
import os
import runpy
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from oa_liaison_plugin.documents import drafts
from oa_liaison_plugin.documents.cli import draft
from oa_liaison_plugin.documents.drafts import DraftError, render_consultation, render_minutes, render_reply
from oa_liaison_plugin.documents.gbt9704 import cn_date, normalize_doc_number, parse_date
from oa_liaison_plugin.documents.write import PACKAGED, estimate_pages

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
ROOT = Path(__file__).resolve().parents[1]


def mm(x):
    return x * 1440 / 25.4


# ----------------------------------------------------------------------------------- fixtures


@pytest.fixture
def reply_data():
    return {"unit": "南部县教育局", "committee": "县政协教科卫体委员会", "kind": "提案",
            "title": "关于加强农村寄宿制学校建设的建议", "number": "12", "received": "2017-01-05",
            "category": "A", "signer": "王明", "contact": "李华", "phone": "0817-5512345",
            "doc_number": "南教函[2017]05号", "date": "2017-03-20"}


@pytest.fixture
def consultation_data():
    return {"unit": "南部县教育局", "committee": "县政协教科卫体委员会",
            "title": "南部县2017年城区学校布局调整方案（征求意见稿）",
            "summary": "我局起草了城区学校布局调整方案。\n方案涉及学生约1.2万人。",
            "due": "2017-04-10", "doc_number": "南教函（2017）18号", "date": "2017-03-27",
            "contact": "李华", "phone": "0817-5512345"}


@pytest.fixture
def minutes_data():
    return {"committee": "县政协教科卫体委员会", "year": 2017, "seq": 2, "held_on": "2017-06-20",
            "place": "县政协三楼会议室", "chair": "县政协教科卫体委员会主任张伟",
            "attendees": [{"name": "张伟", "post": "主任", "unit": "县政协教科卫体委员会"},
                          {"name": "王明", "post": "局长", "unit": "县教育局"}],
            "absent": [{"name": "孙强", "post": "局长", "unit": "县体育局"}],
            "observers": ["周敏"],
            "topics": ["城区学校布局调整", "基层医疗卫生服务能力建设"],
            "decisions": ["确定下半年协商议题。", "各对口单位于7月15日前报送工作情况。"]}


@pytest.fixture
def data(request, reply_data, consultation_data, minutes_data):
    return {"reply": reply_data, "consultation": consultation_data, "minutes": minutes_data}[request.param]


RENDER = {"reply": render_reply, "consultation": render_consultation, "minutes": render_minutes}
KINDS = list(RENDER)


class Docx:
    """A rendered draft opened for inspection: parts parsed with lxml, styles resolved by hand."""

    def __init__(self, data: bytes):
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.doc, self.styles, self.settings = (self.xml(f"word/{n}.xml")
                                                for n in ("document", "styles", "settings"))
        rels = {r.get("Id"): "word/" + r.get("Target") for r in self.xml("word/_rels/document.xml.rels")}
        self.sect = self.doc.find(f"{W}body/{W}sectPr")
        self.parts = {(el.tag[len(W):-len("Reference")], el.get(W + "type")): self.xml(rels[el.get(R + "id")])
                      for el in self.sect if el.tag in (W + "headerReference", W + "footerReference")}

    def xml(self, name):
        return etree.fromstring(self.zip.read(name))

    def style(self, sid):
        return self.styles.find(f"{W}style[@{W}styleId='{sid}']")

    def body_paragraphs(self):
        return list(self.doc.find(W + "body").iter(W + "p"))

    def para(self, start, root=None):
        for p in (root if root is not None else self.doc).iter(W + "p"):
            if text(p).startswith(start):
                return p
        raise AssertionError(f"no paragraph starting with {start!r}")

    def texts(self, root=None):
        return [text(p) for p in (root if root is not None else self.doc).iter(W + "p")]

    def _style_chain(self, run, para):
        chain = [run.find(f"{W}rPr")]
        rstyle = run.find(f"{W}rPr/{W}rStyle")
        if rstyle is not None:
            chain.append(self.style(rstyle.get(W + "val")).find(f"{W}rPr"))
        pstyle = para.find(f"{W}pPr/{W}pStyle")
        chain.append(self.style(pstyle.get(W + "val") if pstyle is not None else "Normal").find(f"{W}rPr"))
        chain.append(self.styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr"))
        return [c for c in chain if c is not None]

    def run_prop(self, run, para, tag, attr="val"):
        for rpr in self._style_chain(run, para):
            el = rpr.find(W + tag)
            if el is not None and el.get(W + attr) is not None:
                return el.get(W + attr)
        return None

    def runs(self, para):
        return [r for r in para.iter(W + "r") if r.find(W + "t") is not None]


def text(p):
    return "".join(t.text or "" for t in p.iter(W + "t"))


def all_text(root):
    return "".join(text(p) for p in root.iter(W + "p"))


@pytest.fixture
def docx(data, request):
    return Docx(RENDER[request.node.callspec.params["data"]](data))


# ------------------------------------------------------------------------------ GB/T layout


@pytest.mark.parametrize("data", KINDS, indirect=True)
def test_page_is_a4_with_gbt_margins(docx):
    size, margins = docx.sect.find(W + "pgSz"), docx.sect.find(W + "pgMar")
    assert (size.get(W + "w"), size.get(W + "h")) == ("11906", "16838")
    assert {k: margins.get(W + k) for k in ("top", "bottom", "left", "right")} == \
        {"top": "2098", "bottom": "1984", "left": "1588", "right": "1474"}


@pytest.mark.parametrize("data", KINDS, indirect=True)
def test_document_grid_holds_22_lines_of_28_characters(docx):
    grid = docx.sect.find(W + "docGrid")
    # lines only: a character grid is laid out by LibreOffice at 14 characters a line (see gbt9704.CHAR_SQUEEZE)
    assert grid.get(W + "type") == "lines" and grid.get(W + "charSpace") is None
    pitch = int(grid.get(W + "linePitch"))
    area_h, area_w = 16838 - 2098 - 1984, 11906 - 1588 - 1474                 # twips
    assert 22 * pitch <= area_h < 23 * pitch and abs(22 * pitch - mm(225)) < mm(1)
    defaults = docx.styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    body = int(defaults.find(W + "sz").get(W + "val")) * 10 + int(defaults.find(W + "spacing").get(W + "val"))
    assert int(docx.style("Normal").find(f"{W}rPr/{W}sz").get(W + "val")) == 32
    assert 28 * body <= area_w < 29 * body                                     # 28 squeezed characters a line


@pytest.mark.parametrize("data", KINDS, indirect=True)
def test_body_is_16pt_fangsong_and_no_theme_fonts_anywhere(docx):
    normal = docx.style("Normal").find(f"{W}rPr")
    assert normal.find(W + "sz").get(W + "val") == "32"
    assert normal.find(W + "rFonts").get(W + "eastAsia") == "仿宋_GB2312"
    roots = [docx.doc, docx.styles, *docx.parts.values()]
    for root in roots:
        for el in root.iter():
            assert not [a for a in el.attrib if a.lower().endswith("theme")], etree.tostring(el)
        for fonts in root.iter(W + "rFonts"):
            faces = {fonts.get(W + a) for a in ("ascii", "hAnsi", "eastAsia", "cs")}
            assert len(faces) == 1 and None not in faces, etree.tostring(fonts)


@pytest.mark.parametrize("data", KINDS, indirect=True)
def test_body_lines_are_exact_grid_pitch_without_widow_control(docx):
    for sid in ("Normal", "GbBody", "GbHeading1", "GbHeading2"):
        ppr = docx.style(sid).find(W + "pPr")
        assert ppr.find(W + "spacing").get(W + "line") == docx.sect.find(W + "docGrid").get(W + "linePitch")
        assert ppr.find(W + "spacing").get(W + "lineRule") == "exact"
        assert ppr.find(W + "widowControl").get(W + "val") == "0"


@pytest.mark.parametrize("data", ["reply", "consultation"], indirect=True)
def test_title_is_22pt_xiaobiaosong_centred_and_not_bold(docx):
    title = next(p for p in docx.body_paragraphs()
                 if p.find(f"{W}pPr/{W}pStyle[@{W}val='GbTitle']") is not None)
    run = docx.runs(title)[0]
    assert docx.run_prop(run, title, "sz") == "44"
    assert docx.run_prop(run, title, "rFonts", "eastAsia") == "方正小标宋简体"
    assert docx.run_prop(run, title, "b") in (None, "0", "false")
    assert docx.style("GbTitle").find(f"{W}pPr/{W}jc").get(W + "val") == "center"


def test_headings_heiti_level_one_kaiti_level_two(minutes_data):
    d = Docx(render_minutes(minutes_data))
    h1, h2 = d.para("一、情况通报"), d.para("（一）城区学校布局调整")
    assert d.run_prop(d.runs(h1)[0], h1, "rFonts", "eastAsia") == "黑体"
    assert d.run_prop(d.runs(h2)[0], h2, "rFonts", "eastAsia") == "楷体_GB2312"
    for h in (h1, h2):
        assert d.run_prop(d.runs(h)[0], h, "b") in (None, "0")
        assert d.run_prop(d.runs(h)[0], h, "sz") == "32"


@pytest.mark.parametrize("data", KINDS, indirect=True)
def test_page_numbers_odd_right_even_left_songti_14pt(docx):
    assert docx.settings.find(W + "evenAndOddHeaders") is not None
    for kind, jc in (("default", "right"), ("even", "left")):
        footer = docx.parts[("footer", kind)]
        p = footer.find(W + "p")
        assert p.find(f"{W}pPr/{W}jc").get(W + "val") == jc
        assert "PAGE" in "".join(footer.itertext()) and footer.find(f".//{W}fldChar") is not None
        assert text(p) == "— 1 —"
        run = docx.runs(p)[0]
        assert docx.run_prop(run, p, "sz") == "28"
        assert docx.run_prop(run, p, "rFonts", "eastAsia") == "宋体"
    # the dashes sit 7 mm under the type area: footer distance + space after + half the 14 pt line
    style = docx.style("GbPageNumber").find(W + "pPr")
    footer, after = docx.sect.find(W + "pgMar").get(W + "footer"), style.find(W + "spacing").get(W + "after")
    centre = int(footer) + int(after) + 140
    assert abs(centre - (1984 - mm(7))) < mm(0.5)


@pytest.mark.parametrize("data", ["reply", "consultation"], indirect=True)
def test_letter_format_red_issuer_double_rules_and_no_number_on_page_one(docx, data):
    assert docx.sect.find(W + "titlePg") is not None
    header = docx.parts[("header", "first")]
    issuer = docx.para(data["unit"], header)
    style = docx.style("GbIssuer")
    assert style.find(f"{W}rPr/{W}color").get(W + "val") == "FF0000"
    assert style.find(f"{W}rPr/{W}rFonts").get(W + "eastAsia") == "方正小标宋简体"
    assert issuer.find(f"{W}pPr/{W}pStyle").get(W + "val") == "GbIssuer"
    upper = style.find(f"{W}pPr/{W}pBdr/{W}bottom")
    assert (upper.get(W + "val"), upper.get(W + "color")) == ("thickThinSmallGap", "FF0000")  # thick/thin
    ind = style.find(f"{W}pPr/{W}ind")
    left, right = int(ind.get(W + "left")), int(ind.get(W + "right"))
    assert abs((11906 - 1588 - 1474 - left - right) - mm(170)) < 2 and abs(1588 + left - mm(20)) < 2
    first_footer = docx.parts[("footer", "first")]
    lower = first_footer.find(f".//{W}pBdr/{W}bottom")
    assert (lower.get(W + "val"), lower.get(W + "color")) == ("thinThickSmallGap", "FF0000")  # thin/thick
    assert "PAGE" not in "".join(first_footer.itertext())


def test_minutes_red_heading_and_numbered_from_page_one(minutes_data):
    d = Docx(render_minutes(minutes_data))
    assert d.sect.find(W + "titlePg") is None
    heading = d.para("对口单位负责人联系会纪要")
    run = d.runs(heading)[0]
    assert d.run_prop(run, heading, "color") == "FF0000"
    assert d.run_prop(run, heading, "rFonts", "eastAsia") == "方正小标宋简体"
    assert d.run_prop(run, heading, "b") in (None, "0")
    # 35 mm below the top of the type area (space before + half the leading above the glyphs)
    spacing = d.style("GbMark").find(f"{W}pPr/{W}spacing")
    top = int(spacing.get(W + "before")) + (int(spacing.get(W + "line")) - 520) / 2
    assert abs(top - mm(35)) < mm(1)


def test_minutes_banji_between_rules_floats_at_bottom(minutes_data):
    d = Docx(render_minutes(minutes_data))
    tbl = next(t for t in d.doc.iter(W + "tbl") if text(t).startswith("　分送："))
    lines = [d.para("　分送：", tbl), d.para("　县政协教科卫体委员会", tbl)]
    assert "印发" in text(lines[1]) and "2017年6月20日印发" in text(lines[1])
    assert lines[0].getparent().getparent().getparent() is tbl is lines[1].getparent().getparent().getparent()
    # In a text box standing on the bottom margin (LibreOffice does not float a full-width w:tblpPr table).
    wp = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
    anchor = next(a for a in tbl.iterancestors() if a.tag == wp + "anchor")
    place = anchor.find(wp + "positionV")
    assert (place.get("relativeFrom"), place.find(wp + "align").text) == ("margin", "bottom")
    assert int(anchor.find(wp + "extent").get("cx")) == (11906 - 1588 - 1474) * 635
    assert int(tbl.find(f"{W}tblPr/{W}tblW").get(W + "w")) == 11906 - 1588 - 1474
    borders = {b.tag[len(W):]: int(b.get(W + "sz")) for b in tbl.find(f"{W}tblPr/{W}tblBorders")}
    assert borders == {"top": 8, "bottom": 8, "insideH": 6}    # 0.35 mm outside, 0.25 mm between
    for p in lines:
        run = d.runs(p)[0]
        assert d.run_prop(run, p, "sz") == "28"
        assert d.run_prop(run, p, "rFonts", "eastAsia") == "仿宋_GB2312"


@pytest.mark.parametrize("data", ["reply"], indirect=True)
def test_letter_banji_is_14pt_fangsong_without_rules(docx):
    p = docx.para("　抄送：")
    assert p.find(f"{W}pPr/{W}pBdr") is None                  # 信函格式: no rules, no 印发 line
    assert p.find(f"{W}pPr/{W}framePr").get(W + "yAlign") == "bottom"
    run = docx.runs(p)[0]
    assert docx.run_prop(run, p, "sz") == "28" and docx.run_prop(run, p, "rFonts", "eastAsia") == "仿宋_GB2312"
    assert not any("印发" in t for t in docx.texts())


def test_minutes_attendance_lines_label_heiti_names_fangsong(minutes_data):
    d = Docx(render_minutes(minutes_data))
    for label, names in (("出席", "县政协教科卫体委员会主任张伟，县教育局局长王明"), ("请假", "县体育局局长孙强"),
                         ("列席", "周敏")):
        p = d.para(f"{label}：")
        assert text(p) == f"{label}：{names}"
        label_run, names_run = d.runs(p)
        assert d.run_prop(label_run, p, "rFonts", "eastAsia") == "黑体"
        assert d.run_prop(names_run, p, "rFonts", "eastAsia") == "仿宋_GB2312"
        ind = p.find(f"{W}pPr/{W}ind")      # wrapped lines start after "出席：" (2 + 3 characters)
        assert (ind.get(W + "leftChars"), ind.get(W + "hangingChars")) == ("500", "300")


# ------------------------------------------------------------------------------------ content


def test_reply_content(reply_data):
    d = Docx(render_reply(reply_data))
    texts = d.texts()
    assert "南教函〔2017〕5号" in texts
    assert "签发人：王明" in texts
    signer = d.para("签发人：")
    assert d.run_prop(d.runs(signer)[1], signer, "rFonts", "eastAsia") == "楷体_GB2312"
    assert "关于加强农村寄宿制学校建设建议的答复" in texts
    assert "县政协教科卫体委员会：" in texts
    opening = d.para("你委提出的提案")
    assert "《关于加强农村寄宿制学校建设的建议》" in text(opening)
    assert "第12号" in text(opening) and "2017年1月5日收悉" in text(opening)
    assert [t for t in texts if t[:2] in ("一、", "二、", "三、")] == ["一、基本情况", "二、办理情况", "三、下一步工作"]
    assert any(t.startswith("衷心感谢你委对我局工作的关心和支持") for t in texts)
    assert texts[-4:] == ["南部县教育局", "2017年3月20日", "（联系人：李华，联系电话：0817-5512345）",
                          "　抄送：县政协办公室，县委办公室，县政府办公室。"]


def test_reply_category_top_right_of_page_one(reply_data):
    header = Docx(render_reply(reply_data)).parts[("header", "first")]
    first = header.find(W + "p")
    assert text(first) == "A" and first.find(f"{W}pPr/{W}jc").get(W + "val") == "right"


def test_reply_categories_are_configurable(reply_data):
    reply_data.update(categories={"一类": "已采纳", "二类": "列入计划"}, category="二类")
    header = Docx(render_reply(reply_data)).parts[("header", "first")]
    assert text(header.find(W + "p")) == "二类"
    reply_data["category"] = "A"
    with pytest.raises(DraftError) as err:
        render_reply(reply_data)
    assert err.value.field == "category" and "一类、二类" in err.value.message


def test_reply_cc_override_and_none(reply_data):
    reply_data["cc"] = ["县人大常委会办公室", "县教育局办公室"]
    assert "　抄送：县人大常委会办公室，县教育局办公室。" in Docx(render_reply(reply_data)).texts()
    reply_data["cc"] = "县政协办公室、县委办公室"
    assert "　抄送：县政协办公室，县委办公室。" in Docx(render_reply(reply_data)).texts()
    reply_data["cc"] = []
    assert not any("抄送" in t for t in Docx(render_reply(reply_data)).texts())


def test_reply_issuer_full_and_english_kind(reply_data):
    reply_data.update(issuer_full="南部县教育和体育局", kind="report", title="农村教育调研报告")
    d = Docx(render_reply(reply_data))
    assert "南部县教育和体育局" in d.texts(d.parts[("header", "first")])
    assert any(t.startswith("你委报送的调研报告《农村教育调研报告》") for t in d.texts())
    assert "关于《农村教育调研报告》的答复" in d.texts()


def test_consultation_content_and_opinion_form(consultation_data):
    d = Docx(render_consultation(consultation_data))
    texts = d.texts()
    assert "南教函〔2017〕18号" in texts
    assert "关于征求《南部县2017年城区学校布局调整方案（征求意见稿）》意见的函" in texts
    assert "我局起草了城区学校布局调整方案。" in texts and "方案涉及学生约1.2万人。" in texts
    assert any("请于2017年4月10日前将意见填入《意见反馈表》" in t for t in texts)
    assert "附件：意见反馈表" in texts
    attachment = next(p for p in d.body_paragraphs() if text(p) == "附件")
    assert attachment.find(f"{W}pPr/{W}pageBreakBefore") is not None
    assert "意见反馈表" in texts
    table = d.doc.find(f".//{W}tbl")
    rows = [[text(p) for p in tr.iter(W + "p")] for tr in table.iter(W + "tr")]
    assert rows[0] == ["事项名称", "南部县2017年城区学校布局调整方案（征求意见稿）"]
    assert rows[1] == ["反馈单位", "县政协教科卫体委员会"]
    assert rows[3] == ["反馈时限", "2017年4月10日前"]
    assert rows[4][0] == "意见和建议"
    assert int(table.findall(f"{W}tr")[4].find(f"{W}trPr/{W}trHeight").get(W + "val")) > mm(50)
    assert sum(int(c.get(W + "w")) for c in table.iter(W + "gridCol")) == 11906 - 1588 - 1474


def test_minutes_content(minutes_data):
    d = Docx(render_minutes(minutes_data))
    texts = d.texts()
    assert "第2期" in texts
    assert "县政协教科卫体委员会2017年6月20日" in texts        # committee <tab> date over the red line
    assert d.para("县政协教科卫体委员会").find(f".//{W}tab") is not None
    opening = next(t for t in texts if t.startswith("2017年6月20日，"))
    assert "县政协三楼会议室" in opening and "会议由县政协教科卫体委员会主任张伟主持" in opening
    assert [t for t in texts if t[:2] in ("一、", "二、", "三、")] == ["一、情况通报", "二、交换意见", "三、议定事项"]
    assert "1.确定下半年协商议题。" in texts and "2.各对口单位于7月15日前报送工作情况。" in texts
    assert "　分送：县政协办公室，县委办公室，县政府办公室，各对口联系单位。" in texts


def test_minutes_without_absent_or_observers_and_with_a_doc_number(minutes_data):
    del minutes_data["absent"], minutes_data["observers"]
    minutes_data["doc_number"] = "南政协教纪[2017]2号"
    texts = Docx(render_minutes(minutes_data)).texts()
    assert "南政协教纪〔2017〕2号" in texts and "第2期" not in texts
    assert any(t.startswith("出席：") for t in texts)
    assert not any(t.startswith(("请假：", "列席：")) for t in texts)


@pytest.mark.parametrize("data", KINDS, indirect=True)
def test_dates_have_no_leading_zeros(docx):
    body = all_text(docx.doc) + "".join(all_text(p) for p in docx.parts.values())
    assert "年0" not in body and "月0" not in body
    assert "2017年" in body


def test_date_and_doc_number_helpers():
    assert cn_date(parse_date("2017-01-05")) == "2017年1月5日"
    assert cn_date(parse_date("2017-10-30")) == "2017年10月30日"
    for bad in ("2017/01/05", "2017-02-30", "20170105", 20170105, "17-1-5"):
        assert parse_date(bad) is None
    for raw in ("南教函[2017]5号", "南教函(2017)5号", "南教函（2017）5号", "南教函［2017］5号", "南教函【2017】5号",
                "南教函〔2017〕5号", "南教函〔2017〕第5号", "南教函[2017]005号", "南教函 [ 2017 ] 5 号", "南教函［２０１７］５号"):
        assert normalize_doc_number(raw) == "南教函〔2017〕5号", raw
    assert normalize_doc_number("南教函2017年5号") is None and normalize_doc_number("〔2017〕5号") is None


def test_user_text_is_never_evaluated_as_a_template(reply_data):
    reply_data["title"] = "关于{{ 7*7 }}和{% if 1 %}X{% endif %}的建议"
    texts = Docx(render_reply(reply_data)).texts()
    assert any("{{ 7*7 }}" in t and "{% if 1 %}" in t for t in texts)
    assert not any("49" in t for t in texts)


def test_extra_context_overrides_wording(reply_data):
    d = Docx(render_reply(reply_data, extra_context={"closing": "特此函复。", "sections": ["答复意见"]}))
    assert "特此函复。" in d.texts() and "一、答复意见" in d.texts() and "二、办理情况" not in d.texts()
    with pytest.raises(DraftError) as err:
        render_reply(reply_data, extra_context=["not", "a", "mapping"])
    assert err.value.field == "extra_context"


def test_templates_are_trimmed_and_output_is_deterministic(reply_data):
    for name in ("reply.docx", "consultation.docx", "minutes.docx"):
        assert (PACKAGED / name).stat().st_size < 10_000
        with zipfile.ZipFile(PACKAGED / name) as zf:
            assert len(zf.read("word/styles.xml")) < 12_000
    assert render_reply(reply_data) == render_reply(reply_data)
    assert len(render_reply(reply_data)) < 15_000


def test_packaged_templates_match_the_build_script(tmp_path):
    build = runpy.run_path(str(ROOT / "tools" / "build_draft_templates.py"))["build"]
    for path in build(tmp_path):
        with zipfile.ZipFile(path) as new, zipfile.ZipFile(PACKAGED / path.name) as old:
            assert new.namelist() == old.namelist()
            for name in new.namelist():
                assert new.read(name) == old.read(name), f"{path.name}:{name}: rerun the build script"


@pytest.mark.parametrize("data", KINDS, indirect=True)
def test_pages_estimate(docx, data, request):
    kind = request.node.callspec.params["data"]
    assert estimate_pages(RENDER[kind](data)) == 2          # all three sample drafts run onto a second page
    data = dict(data)
    key = {"reply": "number", "consultation": "summary", "minutes": "place"}[kind]   # each printed once
    data[key] = data[key] + "很长的内容" * 300              # 1500 characters = 54 lines: 2.4 more pages
    assert estimate_pages(RENDER[kind](data)) in (4, 5)


# ---------------------------------------------------------------------------------- bad input


BAD = [
    ("reply", "received", "2017/13/01", '字段 received 格式错误：应为 YYYY-MM-DD，实际为 "2017/13/01"'),
    ("reply", "received", "2017-02-30", '字段 received 格式错误：应为 YYYY-MM-DD，实际为 "2017-02-30"'),
    ("reply", "date", 20170320, "字段 date 格式错误：应为 YYYY-MM-DD，实际为 20170320"),
    ("reply", "kind", "意见", '字段 kind 取值错误：应为 提案、调研报告、建言献策、社情民意 之一，实际为 "意见"'),
    ("reply", "category", "D", '字段 category 取值错误：应为 A、B、C 之一，实际为 "D"'),
    ("reply", "phone", "电话待定", '字段 phone 格式错误：应为 电话号码，如 0817-5512345，实际为 "电话待定"'),
    ("reply", "doc_number", "南教发〔2017〕5号", "字段 doc_number 格式错误：应为 函的发文字号"),
    ("reply", "doc_number", "五号文", '字段 doc_number 格式错误：应为 发文字号，如 南教函〔2017〕5号，实际为 "五号文"'),
    ("reply", "title", 42, "字段 title 格式错误：应为 非空文本，实际为 42"),
    ("reply", "title", "标题\x07", "字段 title 格式错误：应为 不含控制字符的文本"),
    ("reply", "cc", 5, "字段 cc 格式错误：应为 文本列表"),
    ("reply", "cc", ["县委办", ""], "字段 cc[1] 格式错误：应为 非空文本"),
    ("reply", "categories", ["A"], "字段 categories 格式错误：应为 类别代码到说明的对象"),
    ("consultation", "due", "4月10日", '字段 due 格式错误：应为 YYYY-MM-DD，实际为 "4月10日"'),
    ("consultation", "summary", "   ", "缺少字段 summary（事项概要）"),
    ("minutes", "attendees", [], "缺少字段 attendees（出席人员）"),
    ("minutes", "attendees", "张三", "字段 attendees 格式错误：应为 人员列表"),
    ("minutes", "seq", 0, "字段 seq 格式错误：应为 正整数，如 2，实际为 0"),
    ("minutes", "year", "17", '字段 year 格式错误：应为 四位年份，如 2017，实际为 "17"'),
    ("minutes", "held_on", None, "缺少字段 held_on（会议日期）"),
]


@pytest.mark.parametrize("kind,field,value,message", BAD)
def test_bad_field_names_the_field(kind, field, value, message, reply_data, consultation_data, minutes_data):
    data = {"reply": reply_data, "consultation": consultation_data, "minutes": minutes_data}[kind]
    data[field] = value
    with pytest.raises(DraftError) as err:
        RENDER[kind](data)
    assert err.value.field.split("[")[0] == field
    assert err.value.message.startswith(message), err.value.message
    assert str(err.value) == err.value.message


@pytest.mark.parametrize("kind", KINDS)
def test_every_required_field_is_checked(kind, reply_data, consultation_data, minutes_data):
    data = {"reply": reply_data, "consultation": consultation_data, "minutes": minutes_data}[kind]
    spec = drafts.DRAFTS[kind][0]
    required = [name for name, t in spec.items() if not t.endswith("?")]
    assert set(required) <= set(data)
    for name in required:
        partial = {k: v for k, v in data.items() if k != name}
        with pytest.raises(DraftError) as err:
            RENDER[kind](partial)
        assert err.value.field == name and err.value.message.startswith(f"缺少字段 {name}（")


def test_person_without_name_and_non_object_input(minutes_data):
    minutes_data["attendees"].append({"post": "局长", "unit": "县财政局"})
    with pytest.raises(DraftError) as err:
        render_minutes(minutes_data)
    assert err.value.field == "attendees[2].name"
    with pytest.raises(DraftError) as err:
        render_reply(["not", "an", "object"])
    assert "JSON 对象" in err.value.message


# ------------------------------------------------------------------------------ site templates


def _with_header(src: Path, dst: Path, header_xml_runs: str):
    """Copy a packaged template, replacing the first-page header's issuer line by the given runs."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "word/header1.xml":
                data = data.decode().replace('<w:r><w:t xml:space="preserve">{{ issuer }}</w:t></w:r>',
                                             header_xml_runs).encode()
                assert header_xml_runs.encode() in data
            zout.writestr(info, data)


def run_xml(t):
    return f'<w:r><w:t xml:space="preserve">{t}</w:t></w:r>'


def test_site_template_is_used_first_with_fields_split_across_runs(tmp_path, reply_data):
    # Word often splits "{{ issuer }}" over runs when a clerk edits the letterhead.
    _with_header(PACKAGED / "reply.docx", tmp_path / "reply.docx",
                 run_xml("{{ iss") + run_xml("uer }}（") + run_xml("{{ motto }}） "))
    d = Docx(render_reply(reply_data, templates_dir=tmp_path, extra_context={"motto": "为民办实事"}))
    assert "南部县教育局（为民办实事） " in d.texts(d.parts[("header", "first")])
    # the packaged default stays in use for kinds the site does not override
    m = Docx(render_minutes(dict(MINUTES_MIN), templates_dir=tmp_path))
    assert "对口单位负责人联系会纪要" in m.texts()


MINUTES_MIN = {"committee": "县政协经济委员会", "year": 2017, "seq": 1, "held_on": "2017-03-01",
               "place": "县政协会议室", "chair": "李主任", "attendees": ["张三"]}


def test_site_template_unknown_field_names_field_and_file(tmp_path, reply_data):
    _with_header(PACKAGED / "reply.docx", tmp_path / "reply.docx", run_xml("{{ issuer }}{{ seal_text }}"))
    with pytest.raises(DraftError) as err:
        render_reply(reply_data, templates_dir=tmp_path)
    assert err.value.field == "seal_text"
    assert str(tmp_path / "reply.docx") in err.value.message and "seal_text" in err.value.message
    assert err.value.template == str(tmp_path / "reply.docx")


@pytest.mark.parametrize("field", ["{{ issuer.__class__.__mro__ }}", "{{ issuer | nosuchfilter }}",
                                   "{{ issuer }", "{% if issuer %}"])
def test_site_template_sandbox_and_syntax_errors(tmp_path, reply_data, field):
    _with_header(PACKAGED / "reply.docx", tmp_path / "reply.docx", run_xml(field))
    with pytest.raises(DraftError) as err:
        render_reply(reply_data, templates_dir=tmp_path)
    assert str(tmp_path / "reply.docx") in err.value.message


def test_site_template_from_any_docx_gets_body_styles_and_loses_theme_fonts(tmp_path, reply_data):
    import docx as python_docx
    site = python_docx.Document()            # python-docx's default: theme fonts, no Gb styles, no {{ body }}
    site.add_paragraph("{{ issuer }}便笺")
    site.save(tmp_path / "reply.docx")
    d = Docx(render_reply(reply_data, templates_dir=tmp_path))
    texts = d.texts()
    assert texts[0] == "南部县教育局便笺"
    assert "关于加强农村寄宿制学校建设建议的答复" in texts                  # body appended after the letterhead
    assert d.doc.find(W + "body")[-1].tag == W + "sectPr"
    assert d.style("GbTitle") is not None and d.style("GbIssuer") is not None
    for root in (d.doc, d.styles):
        for el in root.iter(W + "rFonts"):
            assert not [a for a in el.attrib if a.lower().endswith("theme")]
    fonts = d.styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
    assert fonts.get(W + "eastAsia") == "仿宋_GB2312"


def test_missing_site_template_falls_back_to_packaged(tmp_path, reply_data):
    assert render_reply(reply_data, templates_dir=tmp_path) == render_reply(reply_data)
    assert render_reply(reply_data, templates_dir=tmp_path / "absent") == render_reply(reply_data)


def test_broken_site_template(tmp_path, reply_data):
    (tmp_path / "reply.docx").write_bytes(b"not a zip")
    with pytest.raises(DraftError) as err:
        render_reply(reply_data, templates_dir=tmp_path)
    assert "不是可读的 .docx" in err.value.message


# ------------------------------------------------------------------------------------------ CLI


def invoke(*args):
    return CliRunner().invoke(draft, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize("data", KINDS, indirect=True)
def test_cli_success_json(tmp_path, data, request):
    kind = request.node.callspec.params["data"]
    (tmp_path / "in.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out.docx"
    result = invoke(kind, "--input", tmp_path / "in.json", "--out", out, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"out": str(out), "kind": kind, "pages_estimate": 2}
    assert out.read_bytes() == RENDER[kind](data)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.json", "out.docx"]     # no temp file left


def test_cli_success_summary_in_chinese(tmp_path, reply_data):
    (tmp_path / "in.json").write_text(json.dumps(reply_data, ensure_ascii=False), encoding="utf-8")
    result = invoke("reply", "--input", tmp_path / "in.json", "--out", tmp_path / "o.docx")
    assert result.exit_code == 0 and result.stdout.strip() == f"已生成复函草稿：{tmp_path / 'o.docx'}（约 2 页）"


def test_cli_bad_field_exit_2_no_traceback_out_absent(tmp_path, reply_data):
    reply_data["received"] = "2017/13/01"
    (tmp_path / "in.json").write_text(json.dumps(reply_data, ensure_ascii=False), encoding="utf-8")
    result = invoke("reply", "--input", tmp_path / "in.json", "--out", tmp_path / "o.docx")
    assert result.exit_code == 2
    assert result.stderr.strip() == '错误：字段 received 格式错误：应为 YYYY-MM-DD，实际为 "2017/13/01"'
    assert "Traceback" not in result.output and result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.json"]


def test_cli_failure_leaves_existing_out_untouched(tmp_path, minutes_data):
    out = tmp_path / "o.docx"
    out.write_bytes(b"previous draft")
    del minutes_data["chair"]
    (tmp_path / "in.json").write_text(json.dumps(minutes_data, ensure_ascii=False), encoding="utf-8")
    result = invoke("minutes", "--input", tmp_path / "in.json", "--out", out)
    assert result.exit_code == 2 and "缺少字段 chair" in result.stderr
    assert out.read_bytes() == b"previous draft"


def test_cli_failed_rename_cleans_up(tmp_path, reply_data, monkeypatch):
    out = tmp_path / "o.docx"
    out.write_bytes(b"previous draft")
    (tmp_path / "in.json").write_text(json.dumps(reply_data, ensure_ascii=False), encoding="utf-8")

    def refuse(src, dst):
        raise PermissionError("read-only")
    monkeypatch.setattr(os, "replace", refuse)
    result = invoke("reply", "--input", tmp_path / "in.json", "--out", out)
    assert result.exit_code == 2 and "无法写入" in result.stderr
    assert out.read_bytes() == b"previous draft"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.json", "o.docx"]


@pytest.mark.parametrize("content,message", [("{not json", "不是有效的 JSON：第 1 行第 2 列"),
                                             ('["a list"]', "输入应为 JSON 对象")])
def test_cli_malformed_input(tmp_path, content, message):
    (tmp_path / "in.json").write_text(content, encoding="utf-8")
    result = invoke("consultation", "--input", tmp_path / "in.json", "--out", tmp_path / "o.docx")
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "o.docx").exists()


def test_cli_missing_input_and_output_folder(tmp_path, reply_data):
    result = invoke("reply", "--input", tmp_path / "absent.json", "--out", tmp_path / "o.docx")
    assert result.exit_code == 2 and "无法读取输入文件" in result.stderr
    (tmp_path / "in.json").write_text(json.dumps(reply_data, ensure_ascii=False), encoding="utf-8")
    result = invoke("reply", "--input", tmp_path / "in.json", "--out", tmp_path / "no" / "o.docx")
    assert result.exit_code == 2 and "输出目录不存在" in result.stderr


def test_cli_templates_dir(tmp_path, reply_data):
    site = tmp_path / "site"
    site.mkdir()
    _with_header(PACKAGED / "reply.docx", site / "reply.docx", run_xml("{{ letterhead_motto }}"))
    (tmp_path / "in.json").write_text(json.dumps(reply_data, ensure_ascii=False), encoding="utf-8")
    args = ("reply", "--input", tmp_path / "in.json", "--out", tmp_path / "o.docx", "--templates-dir", site)
    result = invoke(*args)
    assert result.exit_code == 2 and "letterhead_motto" in result.stderr
    assert str(site / "reply.docx") in result.stderr
    shutil.copy(PACKAGED / "reply.docx", site / "reply.docx")
    result = invoke(*args)
    assert result.exit_code == 0


def test_cli_group_has_the_three_commands():
    assert draft.name == "draft" and set(draft.commands) == {"reply", "consultation", "minutes"}
    result = invoke("reply", "--help")
    assert all(opt in result.output for opt in ("--input", "--out", "--templates-dir", "--json"))


@pytest.mark.parametrize("title, lines", [
    ("关于加强农村寄宿制学校建设建议的答复", ["关于加强农村寄宿制学校建设建议的答复"]),
    ("关于南部县2017年城区学校布局调整方案（征求意见稿）征求意见的函",
     ["关于南部县2017年城区学校布局调整方案", "（征求意见稿）征求意见的函"]),
    ("关于征求《南部县2017年城区学校布局调整方案（征求意见稿）》意见的函",       # two lines between words, not three
     ["关于征求《南部县2017年城区学校", "布局调整方案（征求意见稿）》意见的函"]),
    ("关于进一步加强和改进全县农村义务教育阶段寄宿制学校建设管理工作建议的答复",
     ["关于进一步加强和改进全县农村义务教育", "阶段寄宿制学校建设管理工作建议的答复"]),
    ("南部县人民政府关于提请县人大常委会审议《南部县城市总体规划（2017—2035年）》的议案",
     ["南部县人民政府关于提请县人大常委会审议", "《南部县城市总体规划", "（2017—2035年）》的议案"]),
])
def test_long_titles_break_between_words_into_even_lines(title, lines):
    """GB/T 9704 §7.3.3: a title's lines keep words whole (no 建设|议) and are of like length."""
    from oa_liaison_plugin.documents.titles import PER_LINE, title_lines
    from oa_liaison_plugin.documents.gbt9704 import text_width
    assert title_lines(title) == lines and all(text_width(line) <= PER_LINE for line in lines)


def test_a_long_reply_title_is_written_as_broken_lines(reply_data):
    d = Docx(render_reply(dict(reply_data, reply_title="关于进一步加强和改进全县农村义务教育阶段寄宿制学校建设管理工作建议的答复")))
    para = next(p for p in d.body_paragraphs() if "义务教育" in text(p))
    assert len(para.findall(f".//{W}br")) == 1
    assert [t.text for t in para.iter(W + "t")] == ["关于进一步加强和改进全县农村义务教育", "阶段寄宿制学校建设管理工作建议的答复"]


def test_the_cli_uses_the_official_names_from_the_table(tmp_path, reply_data):
    """县教育局 -> 南部县教育局 in the letterhead and signature, 教科文卫体委员会 -> 县政协教科文卫体委员会 as addressee."""
    from oa_liaison_plugin.cli import main
    from oa_liaison_plugin.documents.read import read_docx
    src = tmp_path / "reply.json"
    src.write_text(json.dumps(dict(reply_data, unit="县教育局", committee="教科文卫体委员会"), ensure_ascii=False),
                   "utf-8")
    out = tmp_path / "reply.docx"
    result = CliRunner().invoke(main, ["--instance", str(tmp_path / "inst"), "draft", "reply", "--input", str(src),
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    d = Docx(out.read_bytes())
    header = [text(p) for part in d.parts.values() for p in part.iter(W + "p")]
    assert "南部县教育局" in header                                            # 发文机关标志
    texts = d.texts()
    assert "县政协教科文卫体委员会：" in texts and "南部县教育局" in texts      # 主送 and signature
    assert read_docx(out.read_bytes()).main_recipients == ["县政协教科文卫体委员会"]
    src.write_text(json.dumps(dict(reply_data, unit="县火星局"), ensure_ascii=False), "utf-8")
    result = CliRunner().invoke(main, ["--instance", str(tmp_path / "inst"), "draft", "reply", "--input", str(src),
                                       "--out", str(out)])
    assert result.exit_code == 0 and "县火星局" in result.stderr and "不在对口联系表中" in result.stderr
    assert "县火星局" in Docx(out.read_bytes()).texts()


def test_the_drafts_inputs_are_models_whose_schema_docs_drafts_md_describes():
    """docs/drafts.md's field tables and the models' JSON Schemas list the same fields, optional the same."""
    import re
    from pathlib import Path

    from oa_liaison_plugin.documents.drafts import MODELS
    text = (Path(__file__).parent.parent / "docs" / "drafts.md").read_text("utf-8")
    for kind, model in MODELS.items():
        section = text.split(f"### {kind} — ")[1].split("\n### ")[0]
        documented, optional = set(), set()
        for row in re.findall(r"^\| (`[^|]+) \|", section, re.M):
            for name, mark in re.findall(r"`(\w+)`( \?)?", row):
                documented.add(name)
                if mark:
                    optional.add(name)
        schema = model.model_json_schema()
        assert set(schema["properties"]) == documented, kind
        assert set(schema["required"]) == documented - optional, kind
