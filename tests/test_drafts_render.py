"""Drafts rendered by LibreOffice (skipped where soffice/pdftotext are absent): pages, text, positions.

The real files are rendered, never a modified copy: LibreOffice is the office suite of many domestic
(信创) desktops beside WPS, and what a clerk opens there must be the GB/T 9704 page — 28 characters
a line, 22 lines a page. PNGs land in test-artifacts/drafts/ for a human look.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from oa_liaison_plugin.documents.drafts import render_consultation, render_minutes, render_reply
from oa_liaison_plugin.documents.write import estimate_pages

TOOLS = ("soffice", "pdftotext", "pdfinfo")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not all(map(shutil.which, TOOLS)),
                                 reason="LibreOffice (soffice) or poppler-utils (pdftotext) not installed")]

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "drafts"
PT_PER_MM = 72 / 25.4
TYPE_TOP, TYPE_BOTTOM = 37, 297 - 35      # mm from the paper's top edge

REPLY = {"unit": "南部县教育局", "committee": "县政协教科卫体委员会", "kind": "提案",
         "title": "关于加强农村寄宿制学校建设的建议", "number": "12", "received": "2017-01-05",
         "category": "A", "signer": "王明", "contact": "李华", "phone": "0817-5512345",
         "doc_number": "南教函[2017]05号", "date": "2017-03-20"}
CONSULTATION = {"unit": "南部县教育局", "committee": "县政协教科卫体委员会",
                "title": "南部县2017年城区学校布局调整方案（征求意见稿）",
                "summary": "我局起草了城区学校布局调整方案，拟对城区6所小学、3所初中的学区范围作出调整。\n"
                           "方案涉及学生约1.2万人，属于重大事项。",
                "due": "2017-04-10", "doc_number": "南教函（2017）18号", "date": "2017-03-27",
                "contact": "李华", "phone": "0817-5512345"}
MINUTES = {"committee": "县政协教科卫体委员会", "year": 2017, "seq": 2, "held_on": "2017-06-20",
           "place": "县政协三楼会议室", "chair": "县政协教科卫体委员会主任张伟",
           "attendees": [{"name": "张伟", "post": "主任", "unit": "县政协教科卫体委员会"},
                         {"name": "王明", "post": "局长", "unit": "县教育局"},
                         {"name": "赵丽", "post": "副局长", "unit": "县卫生和计划生育局"}],
           "absent": [{"name": "孙强", "post": "局长", "unit": "县体育局"}], "observers": ["周敏"],
           "topics": ["城区学校布局调整"], "decisions": ["确定下半年协商议题。"]}
LONG = dict(CONSULTATION, summary="一二三四五六七八九十" * 150)

FONTS_CONF = """<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>
<include ignore_missing="yes">/etc/fonts/fonts.conf</include>
<alias binding="same"><family>黑体</family><prefer><family>Noto Sans CJK SC</family></prefer></alias>
""" + "".join(f'<alias binding="same"><family>{f}</family>'
              '<prefer><family>Noto Serif CJK SC</family></prefer></alias>\n'
              for f in ("仿宋_GB2312", "楷体_GB2312", "宋体", "方正小标宋简体")) + "</fontconfig>"


def to_pdf(tmp: Path, files: list[Path]) -> dict[str, Path]:
    """Convert .docx files with LibreOffice (CJK fonts mapped as a Chinese desktop has them): stem -> PDF."""
    (tmp / "fonts.conf").write_text(FONTS_CONF, encoding="utf-8")
    env = dict(os.environ, FONTCONFIG_FILE=str(tmp / "fonts.conf"))
    proc = subprocess.run(["soffice", f"-env:UserInstallation={(tmp / 'profile').as_uri()}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(tmp), *map(str, files)],
                          env=env, capture_output=True, text=True, timeout=300)
    out = {p.stem: p.with_suffix(".pdf") for p in files}
    missing = [name for name, pdf in out.items() if not pdf.exists()]
    assert not missing, f"soffice did not convert {missing}: {proc.stdout}{proc.stderr}"
    return out


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("drafts-render")
    drafts = {"reply": render_reply(REPLY), "consultation": render_consultation(CONSULTATION),
              "minutes": render_minutes(MINUTES), "long": render_consultation(LONG)}
    files = []
    for name, data in drafts.items():
        path = tmp / f"{name}.docx"
        path.write_bytes(data)
        files.append(path)
    out = to_pdf(tmp, files)
    if shutil.which("pdftoppm"):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for name, pdf in out.items():
            subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(ARTIFACTS / name)], check=True)
    out["_estimates"] = {name: estimate_pages(data) for name, data in drafts.items()}
    return out


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M)[1])


def page_text(pdf: Path, page: int | None = None) -> str:
    span = ["-f", str(page), "-l", str(page)] if page else []
    text = subprocess.run(["pdftotext", "-raw", *span, str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", text)


def words(pdf: Path, page: int) -> list[tuple[str, float, float]]:
    """(word, top mm, bottom mm) on one page."""
    html = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    return [(w, float(y0) / PT_PER_MM, float(y1) / PT_PER_MM) for y0, y1, w in
            re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" '
                       r'yMax="([\d.]+)">([^<]*)</word>', html)]


@pytest.mark.parametrize("name,expected", [
    ("reply", ["南部县教育局", "南教函〔2017〕5号", "签发人：王明", "关于加强农村寄宿制学校建设建议的答复",
               "《关于加强农村寄宿制学校建设的建议》（第12号）已于2017年1月5日收悉", "2017年3月20日",
               "抄送：县政协办公室，县委办公室，县政府办公室。"]),
    ("consultation", ["南教函〔2017〕18号", "请于2017年4月10日前", "意见反馈表", "反馈时限", "2017年4月10日前"]),
    ("minutes", ["对口单位负责人联系会纪要", "第2期", "出席：县政协教科卫体委员会主任张伟", "请假：县体育局局长孙强",
                 "列席：周敏", "分送：", "2017年6月20日印发"]),
])
def test_all_text_is_rendered(pdfs, name, expected):
    text = page_text(pdfs[name])
    for piece in expected:
        assert piece in text, (name, piece)


@pytest.mark.parametrize("name", ["reply", "consultation", "minutes", "long"])
def test_page_count_matches_estimate(pdfs, name):
    assert pages(pdfs[name]) == pdfs["_estimates"][name]


def test_letter_page_numbers_start_on_page_two(pdfs):
    pdf = pdfs["reply"]
    assert "—1—" not in page_text(pdf, 1) and "—2—" in page_text(pdf, 2)
    assert "—1—" in page_text(pdfs["minutes"], 1)


def test_positions_on_the_page(pdfs):
    pdf = pdfs["reply"]
    first = words(pdf, 1)
    issuer = next(w for w in first if w[0] == "南部县教育局")
    assert abs(issuer[1] - 30) < 1.5                         # issuer mark 30 mm from the paper's top edge
    dashes = [w for w in words(pdf, 2) if w[0] == "—"]
    centre = (dashes[0][1] + dashes[0][2]) / 2
    assert abs(centre - (TYPE_BOTTOM + 7)) < 1.5             # page number 7 mm under the type area
    cc = next(w for w in words(pdf, 2) if w[0].startswith("抄送"))
    assert TYPE_BOTTOM - 10 < cc[2] <= TYPE_BOTTOM + 0.5     # 版记 on the last line of the type area
    mark = next(w for w in words(pdfs["minutes"], 1) if w[0].startswith("对口单位负责人联系会纪要"))
    assert abs(mark[1] - (TYPE_TOP + 35)) < 2                # 纪要 mark 35 mm below the type area top


def lines(pdf: Path, page: int) -> list[str]:
    """The text lines of the type area on one page, top to bottom (characters grouped by their baseline)."""
    html = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    rows: dict[float, list[tuple[float, str]]] = {}
    for x0, y0, y1, w in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" '
                                    r'yMax="([\d.]+)">([^<]*)</word>', html):
        top, bottom = float(y0) / PT_PER_MM, float(y1) / PT_PER_MM
        if TYPE_TOP - 1 < top and bottom < TYPE_BOTTOM + 1:
            rows.setdefault(round(bottom, 0), []).append((float(x0), w))
    return ["".join(w for _, w in sorted(row)) for _, row in sorted(rows.items())]


def test_a_full_page_holds_22_lines_of_28_characters(pdfs):
    """The real file in LibreOffice: a full page of body text is 22 lines of 28 characters (GB/T 9704 §5.2.2)."""
    page = lines(pdfs["long"], 2)
    assert len(page) == 22, page
    full = [line for line in page if re.fullmatch(r"[一二三四五六七八九十]+", line)]
    assert len(full) >= 20 and all(len(line) == 28 for line in full), [len(line) for line in full]


def test_the_reply_body_is_not_spread_out(pdfs):
    """A reply's paragraph lines hold 26–28 characters (fewer only where a bracket may not end a line)."""
    page = lines(pdfs["reply"], 1)
    text = "".join(page)
    assert "《关于加强农村寄宿制学校建设的建议》（第12号）已于2017年1月5日收悉" in text
    start = next(i for i, line in enumerate(page) if line.startswith("你委"))
    end = next(i for i, line in enumerate(page) if line.endswith("如下："))
    assert end > start
    for line in page[start:end]:   # every line but the paragraph's last
        assert len(line) >= 25, page[start:end + 1]


def dark_rows(pdf: Path, page: int, tmp: Path) -> list[float]:
    """Heights (mm from the top) of horizontal lines drawn across most of the type area's width."""
    out = tmp / f"{pdf.stem}-{page}"
    subprocess.run(["pdftoppm", "-gray", "-r", "100", "-f", str(page), "-l", str(page), str(pdf), str(out)],
                   check=True)
    raw = next(tmp.glob(f"{pdf.stem}-{page}*.pgm")).read_bytes()
    header = raw.split(b"\n", 3)                       # P5, width height, maxval, pixels
    width, height = map(int, header[1].split())
    pixels = header[3]
    px_per_mm = 100 / 25.4
    left, right = int(28 * px_per_mm), int((210 - 26) * px_per_mm)
    rows = []
    for y in range(height):
        row = pixels[y * width + left:y * width + right]
        if sum(1 for v in row if v < 160) > 0.9 * len(row):
            rows.append(round(y / px_per_mm, 1))
    return rows


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils' pdftoppm not installed")
def test_the_minutes_banji_rules_are_drawn(pdfs, tmp_path):
    """纪要's 版记 has its rules in LibreOffice too: above, between and below the two lines."""
    last = pages(pdfs["minutes"])
    rules = dark_rows(pdfs["minutes"], last, tmp_path)
    groups = [r for i, r in enumerate(rules) if i == 0 or r - rules[i - 1] > 1]   # one per drawn line
    marks = [w for w in words(pdfs["minutes"], last) if w[0].startswith(("分送", "县政协"))]
    assert len(groups) >= 3, rules
    top, bottom = min(w[1] for w in marks), max(w[2] for w in marks)
    assert any(g < top for g in groups) and any(g > bottom for g in groups), (groups, top, bottom)


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils' pdftoppm not installed")
def test_the_minutes_banji_stands_at_the_bottom_of_the_last_page(pdfs, tmp_path):
    """纪要's 版记 (分送 … 印发) ends on the last line of the type area, its bottom rule there too (§7.4.1)."""
    last = pages(pdfs["minutes"])
    issued = next(w for w in words(pdfs["minutes"], last) if w[0].endswith("印发"))
    assert TYPE_BOTTOM - 10 < issued[2] <= TYPE_BOTTOM + 0.5, issued
    rules = dark_rows(pdfs["minutes"], last, tmp_path)
    assert TYPE_BOTTOM - 3 < max(rules) <= TYPE_BOTTOM + 1.5, rules


def test_the_signature_stays_with_the_body(tmp_path):
    """The date is never alone on a page, nor the signature without body text: the closing goes along."""
    long = dict(REPLY, title="关于加强农村寄宿制学校建设建设建设的建议",
                sections=[f"第{i}项工作的办理情况" for i in range(1, 15)])
    for name, data in (("short", REPLY), ("long", long)):
        (tmp_path / f"{name}.docx").write_bytes(render_reply(data))
    out = to_pdf(tmp_path, [tmp_path / "short.docx", tmp_path / "long.docx"])
    assert "2017年3月20日" in page_text(out["short"], 1)      # a short reply signs on page 1
    [page] = [n for n in range(1, pages(out["long"]) + 1) if "2017年3月20日" in page_text(out["long"], n)]
    text = page_text(out["long"], page)
    assert page > 1 and "南部县教育局2017年3月20日" in text and "衷心感谢你委对我局工作的关心和支持" in text
