"""Realistic issued documents (GB/T 9704 order) as .docx bytes, for the demo, tests and benchmarks."""
from __future__ import annotations

import datetime
import io
import random
import re

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor, Twips

from ..numerals import cn_number

__all__ = ["make_issued_docx", "make_long_body"]

FANGSONG, HEITI, KAITI, XIAOBIAOSONG = "仿宋_GB2312", "黑体", "楷体_GB2312", "方正小标宋简体"
RED = RGBColor(0xFF, 0x00, 0x00)
TYPE_WIDTH = 11906 - 1588 - 1474          # twips: 156 mm
_PPR_AFTER_BDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
                  "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
                  "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
                  "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
                  "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def _font(run, face: str, size: float, color=None) -> None:
    run.font.size = Pt(size)
    if color is not None:
        run.font.color.rgb = color
    rfonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:ascii"), "Times New Roman")
    rfonts.set(qn("w:hAnsi"), "Times New Roman")
    rfonts.set(qn("w:eastAsia"), face)
    rfonts.set(qn("w:cs"), face)


def _para(doc, text: str = "", *, face=FANGSONG, size: float = 16, align=None, indent: float = 0,
          right: float = 0, color=None):
    """One paragraph; ``indent``/``right`` in characters of 3号 (16 pt); "\\n" in ``text`` becomes w:br."""
    p = doc.add_paragraph()
    pf = p.paragraph_format
    pf.space_before = pf.space_after = Pt(0)
    if size <= 22:
        pf.line_spacing_rule, pf.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(28.95)
    if align is not None:
        pf.alignment = align
    if indent:
        pf.first_line_indent = Pt(size * indent)
    if right:
        pf.right_indent = Pt(16 * right)
    run = None
    for part in text.split("\n") if text else []:
        if run is not None:
            run.add_break()
        run = p.add_run(part)
        _font(run, face, size, color)
    return p


def _rule(p, side: str, color: str = "000000", size: int = 8) -> None:
    """A full-width rule on one side of a paragraph (w:pBdr); ``size`` in eighths of a point."""
    ppr = p._p.get_or_add_pPr()
    bdr = ppr.find(qn("w:pBdr"))
    if bdr is None:
        bdr = OxmlElement("w:pBdr")
        ppr.insert_element_before(bdr, *_PPR_AFTER_BDR)
    el = OxmlElement(f"w:{side}")
    for k, v in (("val", "single"), ("sz", str(size)), ("space", "1"), ("color", color)):
        el.set(qn(f"w:{k}"), v)
    bdr.append(el)


def _cn_date(d: datetime.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


_HEADING1 = re.compile(r"^[一二三四五六七八九十]+、")
_HEADING2 = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")


def make_issued_docx(*, issuer: str, doc_number: str, title: str, main_recipients, body_paragraphs,
                     cc=(), secrecy: str | None = None, secrecy_period: str | None = None,
                     copy_number: str | None = None, urgency: str | None = None, note: str | None = None,
                     date: datetime.date | None = None, attachments=()) -> bytes:
    """An issued document laid out in GB/T 9704 order; ``title`` may hold "\\n" for a two-line title.

    The 版记 follows the signature block directly (it is not pushed to the bottom of the last page).
    """
    date = date or datetime.date.today()
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Twips(11906), Twips(16838)
    sec.top_margin, sec.bottom_margin = Twips(2098), Twips(1984)
    sec.left_margin, sec.right_margin = Twips(1588), Twips(1474)
    grid = sec._sectPr.find(qn("w:docGrid"))
    if grid is not None:
        grid.set(qn("w:type"), "lines")
        grid.set(qn("w:linePitch"), "579")
    center, right = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT

    if copy_number:
        _para(doc, copy_number)
    if secrecy:
        _para(doc, f"{secrecy}★{secrecy_period}" if secrecy_period else secrecy, face=HEITI)
    if urgency:
        _para(doc, urgency, face=HEITI)
    _para(doc)
    mark = f"{issuer}文件"
    _para(doc, mark, face=XIAOBIAOSONG, size=36 if len(mark) <= 10 else 26, align=center, color=RED)
    _para(doc)
    _para(doc)
    _rule(_para(doc, doc_number, align=center), "bottom", "FF0000", 12)
    _para(doc)
    _para(doc, title, face=XIAOBIAOSONG, size=22, align=center)
    _para(doc)
    if main_recipients:
        _para(doc, "、".join(main_recipients) + "：")
    for text in body_paragraphs:
        face = HEITI if _HEADING1.match(text) else KAITI if _HEADING2.match(text) else FANGSONG
        _para(doc, text, face=face, indent=2)
    if attachments:
        _para(doc)
        many = len(attachments) > 1
        for i, name in enumerate(attachments, 1):
            label = f"{i}.{name}" if many else name
            if i == 1:
                _para(doc, f"附件：{label}", indent=2)
            else:
                p = _para(doc, label)
                p.paragraph_format.left_indent = Pt(16 * 5)   # aligned under the first name
    _para(doc)
    _para(doc)
    _para(doc, issuer, align=right, right=2)
    _para(doc, _cn_date(date), align=right, right=2)
    if note:
        _para(doc, f"（{note}）", indent=2)
    _para(doc)
    # 版记: 抄送 line and 印发 line in 4号, between rules
    if cc:
        p = _para(doc, "抄送：" + "，".join(cc) + "。", size=14)
        p.paragraph_format.left_indent = Pt(14)
        _rule(p, "top", size=4)
    printer = issuer if issuer.endswith("办公室") else f"{issuer}办公室"
    p = _para(doc, f"{printer}\t{_cn_date(date)}印发", size=14)
    p.paragraph_format.left_indent = p.paragraph_format.right_indent = Pt(14)
    p.paragraph_format.tab_stops.add_tab_stop(Twips(TYPE_WIDTH - 280), WD_TAB_ALIGNMENT.RIGHT)
    if not cc:
        _rule(p, "top", size=4)
    _rule(p, "bottom", size=4)
    out = io.BytesIO()
    doc.core_properties.title = title.replace("\n", "")
    doc.save(out)
    return out.getvalue()


_SENTENCES = (
    "各地各部门要切实提高政治站位，把这项工作摆在更加突出的位置，主要负责同志亲自抓、负总责。",
    "要坚持以人民为中心的发展思想，着力解决群众急难愁盼问题，不断增强人民群众的获得感、幸福感、安全感。",
    "县教育局要统筹推进义务教育薄弱环节改善与能力提升，加快补齐农村学校办学条件短板。",
    "深入实施学前教育普及普惠行动，新建、改扩建公办幼儿园，力争普惠性幼儿园覆盖率稳定在百分之八十五以上。",
    "进一步落实教师待遇保障政策，确保义务教育教师平均工资收入水平不低于当地公务员平均工资收入水平。",
    "县卫生健康局要持续深化医药卫生体制改革，推进紧密型县域医疗卫生共同体建设。",
    "加强基层医疗卫生机构标准化建设，完善乡镇卫生院和村卫生室服务功能，提升基层首诊能力。",
    "做好重大传染病防控和突发公共卫生事件应急处置工作，健全监测预警和应急响应机制。",
    "县财政局要严格落实过紧日子要求，从严控制一般性支出，集中财力保障基本民生和重点项目。",
    "加强预算绩效管理，强化绩效目标审核和结果运用，对低效无效资金一律压减或收回。",
    "规范政府债务管理，严禁违法违规举债融资，坚决守住不发生系统性风险的底线。",
    "县住房城乡建设局要加快老旧小区改造步伐，完善水电气路等配套设施，改善群众居住条件。",
    "统筹推进城乡供水一体化建设，提升农村自来水普及率和供水保障水平。",
    "深入开展城乡环境综合整治，加强建筑工地扬尘管控，规范渣土运输管理。",
    "县生态环境局要坚持精准治污、科学治污、依法治污，持续改善全县生态环境质量。",
    "深入打好蓝天、碧水、净土保卫战，强化嘉陵江流域水污染综合治理，确保出境断面水质稳定达标。",
    "严格落实河湖长制，常态化开展河道巡查和清漂保洁，坚决遏制非法采砂等违法行为。",
    "加强农业面源污染防治，推进畜禽粪污资源化利用和化肥农药减量增效。",
    "县农业农村局要抓好粮食生产，稳定播种面积，严守耕地保护红线，确保粮食安全。",
    "巩固拓展脱贫攻坚成果同乡村振兴有效衔接，健全防止返贫动态监测和帮扶机制。",
    "县人力资源社会保障局要实施就业优先政策，做好高校毕业生、农民工等重点群体就业工作。",
    "扎实推进全民参保计划，稳步提高城乡居民基本养老保险待遇水平。",
    "县民政局要健全分层分类的社会救助体系，确保困难群众基本生活得到有效保障。",
    "加快发展养老服务，推进乡镇敬老院改造提升和社区居家养老服务设施建设。",
    "县应急管理局要压紧压实安全生产责任，深入开展重点行业领域安全隐患排查整治。",
    "各乡镇人民政府要按照属地管理原则，建立工作台账，明确责任人和完成时限，逐项抓好落实。",
    "各相关部门要加强协调配合，形成工作合力，定期会商研判，及时解决工作推进中的困难和问题。",
    "要主动接受人大法律监督和政协民主监督，认真办理人大代表建议和政协委员提案。",
    "对涉及群众切身利益的重大事项，要广泛听取意见，事前与县政协相关专门委员会沟通协商。",
    "县政府督查室将会同有关部门加强督促检查，对工作不力、进展缓慢的单位予以通报批评。",
    "各单位要于每季度末前将工作进展情况书面报送县政府办公室，同时抄送县政协对口专门委员会。",
    "要加强政策宣传解读，充分利用报刊、广播电视和政务新媒体，营造全社会共同参与的良好氛围。",
    "严格执行中央八项规定及其实施细则精神，持之以恒纠治形式主义、官僚主义，切实减轻基层负担。",
    "各项资金要专款专用，严禁截留、挤占、挪用，审计部门要加强跟踪审计和监督检查。",
    "要建立健全长效机制，总结推广好经验好做法，推动各项工作制度化、规范化、常态化。",
)
_HEADINGS = ("总体要求", "主要任务", "重点工作", "保障措施", "工作要求", "职责分工", "实施步骤", "监督考核")
_SUBHEADINGS = ("加强组织领导", "强化统筹协调", "落实资金保障", "严格督查考核", "注重宣传引导", "防范化解风险")


def make_long_body(pages: int, seed: int = 0) -> list[str]:
    """Plausible government prose, deterministic per ``seed``, about 22×28 characters per page."""
    rng = random.Random(seed)
    target, total, out = max(1, pages) * 22 * 28, 0, []
    h1 = h2 = 0
    while total < target:
        if not out or rng.random() < 0.15:
            h1, h2 = h1 % 10 + 1, 0   # numbering restarts after 十, as in a long document's parts
            out.append(f"{cn_number(h1)}、{_HEADINGS[(h1 - 1) % len(_HEADINGS)]}")
        elif rng.random() < 0.25:
            h2 = h2 % 10 + 1
            out.append(f"（{cn_number(h2)}）{rng.choice(_SUBHEADINGS)}。" + rng.choice(_SENTENCES))
        else:
            out.append("".join(rng.sample(_SENTENCES, rng.randint(3, 6))))
        total += len(out[-1])
    return out
