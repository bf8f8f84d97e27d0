"""Property: a 密级 mark, however spelled and wherever it stands in a file, is found and the file never copied."""
from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from oa_liaison_plugin.documents.read import read_docx
from oa_liaison_plugin.documents.secrecy import find_marks
from oa_liaison_plugin.models import Copy, Document, db

_spec = importlib.util.spec_from_file_location(
    "build_corpus", Path(__file__).resolve().parents[1] / "tools" / "build_corpus.py")
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)

LEVELS = {"秘密": "秘密", "机密": "机密", "绝密": "绝密", "機密": "机密", "絕密": "绝密"}
PLACES = ["header", "first_header", "even_header", "footer", "textbox", "vml_textbox", "fallback_textbox", "table",
          "letter_line", "body_head", "body_end", "signature_textbox", "content_control", "insertion", "field",
          "frame", "core_keywords", "custom_property"]
ISSUERS = ["南部县教育局", "南部县财政局", "南部县人民政府办公室", "南部县火星局"]
PROSE = ["为切实做好保密工作，现将有关事项通知如下。", "各单位要严防泄露国家秘密，涉密文件不得通过互联网传输。",
         "一、加强组织领导。", "二、落实工作责任，确保机密事项管理到位。", "请认真贯彻执行。"]
_ids = itertools.count()

marks = st.builds(
    lambda label, level, space, star, period: (f"{label}{level[0]}{space}{level[1]}{star}{period}", LEVELS[level]),
    st.sampled_from(["", "", "密级：", "密级:"]), st.sampled_from(sorted(LEVELS)), st.sampled_from(["", "", " ", "　"]),
    st.sampled_from(["", "★", "☆", "*", " ★ ", "＊"]), st.sampled_from(["", "1年", "6个月", "长期", "１０年", "十年"]))
documents = st.fixed_dictionaries({
    "issuer": st.sampled_from(ISSUERS), "serial": st.integers(1, 300), "letter": st.booleans(),
    "title": st.sampled_from(["关于加强校园安全管理工作的通知", "关于做好保密工作的通知", "关于报送统计数据的函",
                              "关于印发《南部县民生实事实施方案》的通知"]),
    "body": st.lists(st.sampled_from(PROSE), min_size=1, max_size=5),
    "cc": st.lists(st.sampled_from(["县委办公室", "县政府办公室", "县人大常委会办公室"]), max_size=3, unique=True)})
hosts = st.fixed_dictionaries({}, optional={
    "secrecy": st.sampled_from(["无", "公开", "秘密", ""]), "issuer": st.sampled_from(ISSUERS),
    "title": st.just("关于加强校园安全管理工作的通知"),
    "flags": st.fixed_dictionaries({}, optional={"important": st.booleans(), "major": st.booleans(),
                                                 "npc": st.booleans()})})


def build(doc: dict, mark: str, place: str) -> bytes:
    """A WPS-shaped .docx of a random document with ``mark`` at ``place``."""
    c = corpus
    number = f"南{'府办函' if doc['letter'] else '教发'}〔2023〕{doc['serial']}号"
    head = [] if doc["letter"] else [f"{doc['issuer']}文件"]
    top = [doc["issuer"]] if doc["letter"] else []
    lines_top = [*top, *head]
    number_line = f"{mark}\t{number}" if place == "letter_line" else number
    tail = [doc["issuer"], "2023年5月8日"] + ([f"抄送：{'，'.join(doc['cc'])}。"] if doc["cc"] else [])
    body = [*lines_top, number_line, doc["title"], "县级各部门：", *doc["body"]]
    kw: dict = {}
    before = after = ""
    sign = c.paras(tail)
    if place == "body_head":
        body.insert(0, mark)
    elif place == "body_end":
        tail.append(mark)
        sign = c.paras(tail)
    elif place in ("header", "first_header", "even_header", "footer"):
        kind = {"header": "default", "first_header": "first", "even_header": "even", "footer": "default"}[place]
        parts = [(kind, c.paras([mark]))] + ([] if kind == "default" else [("default", c.paras(["南部县"]))])
        kw = {"footers" if place == "footer" else "headers": parts, "title_pg": kind == "first", "even": kind == "even"}
    elif place in ("textbox", "vml_textbox", "fallback_textbox"):
        choice, fallback = {"textbox": (True, True), "vml_textbox": (False, False),
                            "fallback_textbox": (False, True)}[place]
        before = c.para("", c.wps_textbox([mark], choice=choice, fallback=fallback))
    elif place == "signature_textbox":
        sign = c.para(tail[0], c.wps_textbox([mark])) + c.paras(tail[1:])
    elif place == "table":
        before = "<w:tbl><w:tr><w:tc>" + c.para("000012") + "</w:tc><w:tc>" + c.para(mark) + "</w:tc></w:tr></w:tbl>"
    elif place == "content_control":
        before = "<w:sdt><w:sdtPr/><w:sdtContent>" + c.para(mark) + "</w:sdtContent></w:sdt>"
    elif place == "insertion":
        before = '<w:p><w:ins w:id="1" w:author="a">' + c.run(mark) + "</w:ins></w:p>"
    elif place == "field":
        before = c.field(mark)
    elif place == "frame":
        before = c.para(mark, ppr='<w:framePr w:w="2000" w:wrap="around" w:vAnchor="text" w:hAnchor="page"/>')
    elif place == "core_keywords":
        kw = {"core_keywords": mark}
    elif place == "custom_property":
        kw = {"custom": {"密级": mark}}
    return c.wps_docx(before + c.paras(body) + after + sign, **kw)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(doc=documents, mark=marks, place=st.sampled_from(PLACES), host=hosts)
def test_a_mark_anywhere_is_found_and_never_copied(lite_app, doc, mark, place, host):
    spelled, level = mark
    data = build(doc, spelled, place)
    facts = read_docx(data)
    assert facts.secrecy == level and facts.secrecy_marks, (place, spelled, facts.secrecy_marks)
    liaison = lite_app.extensions["oa_liaison"]
    event = {"id": f"anywhere-{next(_ids)}", "file": data, **host}
    result = liaison.document_issued(event)
    assert result["status"] == "held" and not result["committees"] and not result["units"], (place, spelled, result)
    with lite_app.app_context():
        row = db.session.scalar(select(Document).where(Document.host_id == event["id"]))
        assert db.session.scalar(select(func.count(Copy.id)).where(Copy.document_id == row.id)) == 0


WORDS = ["做好", "保密", "工作", "严防", "泄露", "国家", "文件", "管理", "各单位", "要", "涉及", "载体", "的", "事项",
         "不得", "传输", "培训", "关于"]


@settings(max_examples=300, deadline=None)
@given(before=st.lists(st.sampled_from(WORDS), min_size=1, max_size=6), level=st.sampled_from(sorted(LEVELS)),
       after=st.lists(st.sampled_from(WORDS), max_size=6), end=st.sampled_from(["", "。", "，", "；"]))
def test_prose_mentioning_a_level_is_no_mark(before, level, after, end):
    line = "".join(before) + level + "".join(after) + end
    assert find_marks([line], "body") == []
