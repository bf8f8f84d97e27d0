"""Property: no classified (密级) document is ever copied, whatever else it contains."""
from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from oa_liaison_plugin.documents.samples import make_issued_docx
from oa_liaison_plugin.models import Copy, Document, db

LEVELS = ["秘密", "机密", "绝密", "機密", "絕密"]
TITLE_WORDS = ["关于", "实施方案", "重大事项", "改革", "人大常委会", "审议", "规划", "教育", "放假", "通知", "报告",
               "民生", "生态文明", "党风廉政", "调研报告"]
ISSUERS = ["南部县教育局", "南部县财政局", "县政协教科文卫体委员会", "南部县公安局交通警察大队", "南部县火星局", ""]
_ids = itertools.count()

secrecy_marks = st.builds(
    lambda level, star, period, pad: f"{pad}{level}{star}{period}{pad}",
    st.sampled_from(LEVELS), st.sampled_from(["", "★", " ★ ", "☆"]),
    st.sampled_from(["", "1年", "10年", "长期"]), st.sampled_from(["", " ", "　"]))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mark=secrecy_marks,
       where=st.sampled_from(["host", "file", "both", "host_period"]),
       words=st.lists(st.sampled_from(TITLE_WORDS), min_size=1, max_size=6),
       issuer=st.sampled_from(ISSUERS),
       flags=st.fixed_dictionaries({}, optional={"major": st.booleans(), "important": st.booleans(),
                                                 "npc": st.booleans()}),
       recipients=st.lists(st.sampled_from(["南部县人民代表大会常务委员会", "县级各部门", "县政协"]), max_size=2),
       body=st.text(alphabet="实施方案改革重大事项审议教育机密秘密★，。", max_size=200))
def test_no_classified_document_is_ever_copied(lite_app, mark, where, words, issuer, flags, recipients, body):
    liaison = lite_app.extensions["oa_liaison"]
    level = mark.strip().rstrip("★☆ 0123456789年长期").strip()
    event = {"id": f"p-{next(_ids)}", "issuer": issuer or None, "title": "".join(words), "flags": flags,
             "main_recipients": recipients, "body": body or None}
    if where in ("host", "both"):
        event["secrecy"] = mark
    if where == "host_period":
        event["secrecy"], event["secrecy_period"] = level, "1年"
    if where in ("file", "both"):
        event["file"] = make_issued_docx(issuer=issuer or "南部县教育局", doc_number="南教发〔2017〕1号",
                                         title="".join(words), main_recipients=recipients or ["县级各部门"],
                                         body_paragraphs=[body or "正文"], secrecy=level, secrecy_period="1年")
        event.pop("body")
    result = liaison.document_issued(event)
    assert result["status"] in ("held", "error"), result
    assert not result["committees"] and not result["units"]
    with lite_app.app_context():
        row = db.session.scalar(select(Document).where(Document.host_id == event["id"]))
        assert db.session.scalar(select(func.count(Copy.id)).where(Copy.document_id == row.id)) == 0


# ------------------------------------------------------- every format, every spelling, in an attachment too

import importlib.util  # noqa: E402
import io  # noqa: E402
import sys  # noqa: E402
import zipfile  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402
from xml.sax.saxutils import escape  # noqa: E402

import word97  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    "build_corpus_ofd_pdf", Path(__file__).resolve().parents[1] / "tools" / "build_corpus_ofd_pdf.py")
build = sys.modules.setdefault(_spec.name, importlib.util.module_from_spec(_spec))   # dataclasses look it up
_spec.loader.exec_module(build)

# Every spelling of GB/T 9704 §7.2.2 and the ones files really carry.
SPELLINGS = ["{l}", "{l}★1年", "{l}★1年6个月", "{l}★2027年12月31日", "{l}★解密条件：项目验收后", "{l}★3年 份号：000012",
             "份号：000012　{l}★6个月　特急", "密级：{l}　保密期限：6个月", "{l} ★ 10年", "{l}☆长期", "{l}*1年"]
INVISIBLE = ["", "\u200b", "\u00ad", "\u2060", "\ufeff"]
HEAD = ["南部县教育局文件", "南教发〔2023〕12号", "关于开展校园安全专项检查的通知", "各乡镇中心学校：", "现将有关事项通知如下。"]

marks_any = st.builds(lambda spelling, level, cut: spelling.format(l=level[:1] + cut + level[1:]),
                      st.sampled_from(SPELLINGS), st.sampled_from(LEVELS), st.sampled_from(INVISIBLE))


def _rtf(lines: list[str]) -> bytes:
    def enc(s):
        return "".join(c if ord(c) < 128 and c not in "\\{}" else f"\\u{ord(c) - 65536 if ord(c) > 32767 else ord(c)}?"
                       for c in s)
    return ("{\\rtf1\\ansi\\ansicpg936\\uc1 " + "".join(f"{{\\pard {enc(x)}\\par}}" for x in lines) + "}").encode()


def _odt(lines: list[str]) -> bytes:
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
               '<office:text>' + "".join(f"<text:p>{escape(x)}</text:p>" for x in lines) +
               '</office:text></office:body></office:document-content>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        zf.writestr("content.xml", content)
        zf.writestr("META-INF/manifest.xml", '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:'
                                             'xmlns:manifest:1.0"/>')
    return out.getvalue()


def _docx_header(mark: str) -> bytes:
    from docx import Document as Docx
    d = Docx()
    d.sections[0].header.paragraphs[0].text = mark
    for line in HEAD:
        d.add_paragraph(line)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


# Each writer puts the mark line where that format's files carry it (the first line, or a page header).
WRITERS = {
    "docx": lambda mark: _docx_header(mark),
    "ofd": lambda mark: build.ofd_of(replace(build.NOTICE), header=mark),
    "ofd_one_char": lambda mark: build.ofd_of(replace(build.NOTICE), header=mark, one_char=True, seed=3),
    "pdf": lambda mark: build.pdf_of(replace(build.NOTICE), header=mark),
    "doc": lambda mark: word97.compound_file(word97.word_streams(word97.lines(mark, *HEAD))),
    "rtf": lambda mark: _rtf([mark, *HEAD]),
    "odt": lambda mark: _odt([mark, *HEAD]),
}
CLEAN = make_issued_docx(issuer="南部县教育局", doc_number="南教发〔2023〕12号", title="关于开展校园安全专项检查的通知",
                         main_recipients=["各乡镇中心学校"], body_paragraphs=["现将有关事项通知如下。"])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mark=marks_any, fmt=st.sampled_from(sorted(WRITERS)),
       where=st.sampled_from(["file", "attachment", "second_attachment", "attachment_name"]),
       host_says=st.sampled_from([None, "无", "公开"]),
       flags=st.fixed_dictionaries({}, optional={"major": st.booleans(), "important": st.booleans(),
                                                 "npc": st.booleans()}))
def test_no_classified_file_or_attachment_in_any_format_is_ever_copied(lite_app, mark, fmt, where, host_says, flags):
    liaison = lite_app.extensions["oa_liaison"]
    marked = WRITERS[fmt](mark)
    event = {"id": f"f-{next(_ids)}", "flags": flags, "file": CLEAN, "file_name": "正文.docx",
             "attachments": [{"name": "实施方案.docx", "data": CLEAN}]}
    if host_says:
        event["secrecy"] = host_says
    if where == "file":
        event["file"], event["file_name"] = marked, f"正文.{fmt[:4]}"
    elif where == "attachment":
        event["attachments"] = [{"name": f"名单.{fmt[:4]}", "data": marked}]
    elif where == "second_attachment":
        event["attachments"].append({"name": "名单", "data": marked})   # no extension: read by its bytes
    else:
        event["attachments"].append({"name": f"参会人员名单（{mark}）.docx", "data": CLEAN})
    result = liaison.document_issued(event)
    assert result["status"] == "held", (fmt, where, mark, result)
    assert not result["committees"] and not result["units"]
    if where != "file":
        assert "附件" in result["hold_reason"], result["hold_reason"]
    with lite_app.app_context():
        row = db.session.scalar(select(Document).where(Document.host_id == event["id"]))
        assert db.session.scalar(select(func.count(Copy.id)).where(Copy.document_id == row.id)) == 0


def test_each_writer_alone_is_read_clean_and_routed(lite_app):
    """The generators above are honest: without the mark line each format's file is routed, not held."""
    liaison = lite_app.extensions["oa_liaison"]
    for fmt, write in sorted(WRITERS.items()):
        if fmt in ("ofd", "ofd_one_char", "pdf"):
            clean = {"ofd": lambda: build.ofd_of(build.NOTICE), "pdf": lambda: build.pdf_of(build.NOTICE),
                     "ofd_one_char": lambda: build.ofd_of(build.NOTICE, one_char=True, seed=3)}[fmt]()
        elif fmt == "docx":
            clean = CLEAN
        else:
            clean = write("南部县教育局")
        r = liaison.document_issued({"id": f"clean-{fmt}", "issuer": "南部县教育局", "file": clean,
                                     "flags": {"important": True}})
        assert r["status"] == "routed", (fmt, r)
