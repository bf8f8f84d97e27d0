"""tests/corpus: documents written by other programs (LibreOffice, pandoc, python-docx, WPS-shaped XML).

Each file's facts match expected.json (built with tools/build_corpus.py), and every classified one is
held, never copied, whatever the host says beside it.
"""
from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from oa_liaison_plugin.documents.read import read_docx
from oa_liaison_plugin.documents.secrecy import strictest
from oa_liaison_plugin.models import Copy, Document, db

CORPUS = Path(__file__).resolve().parent / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text("utf-8"))
CLASSIFIED = sorted(name for name, e in EXPECTED.items() if e["secrecy"])
_ids = itertools.count()

# The five ways a host may issue a classified file (issue 16): the file alone, with the host's issuer and
# title, marked important, with the host saying "not classified", and all of these at once.
HOST = {"issuer": "南部县教育局", "title": "关于加强校园安全管理工作的通知"}
MODES = {"file": {}, "host_facts": HOST, "important": {"flags": {"important": True}},
         "host_unclassified": {"secrecy": "无"}, "everything": {**HOST, "flags": {"important": True}, "secrecy": "无"}}


def test_corpus_covers_the_generators_and_both_kinds():
    generators = {e["generator"] for e in EXPECTED.values()}
    assert {"python-docx", "wps-xml", "libreoffice-fodt", "libreoffice-html", "pandoc-markdown",
            "pandoc-html"} <= generators
    assert len(EXPECTED) >= 40 and 15 <= len(CLASSIFIED) < len(EXPECTED)
    assert all((CORPUS / f"{name}.docx").is_file() for name in EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_facts_match(name):
    e = EXPECTED[name]
    f = read_docx(CORPUS / f"{name}.docx")
    assert (f.doc_number, f.secrecy, f.issuer, f.cc) == (e["doc_number"], e["secrecy"], e["issuer"], e["cc"]), \
        e["layout"]
    assert f.title == e["title"]
    if "period" in e:
        assert f.secrecy_period == e["period"]
    if "urgency" in e:
        assert f.urgency == e["urgency"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_mark_for_every_classified_file_and_none_for_the_others(name):
    marks = read_docx(CORPUS / f"{name}.docx").secrecy_marks
    if EXPECTED[name]["secrecy"]:
        assert marks and strictest(m.level for m in marks) == EXPECTED[name]["secrecy"], EXPECTED[name]["layout"]
        assert all(m.text and m.where for m in marks)
    else:
        assert marks == [], EXPECTED[name]["layout"]


@pytest.mark.parametrize("name", CLASSIFIED)
def test_classified_file_is_held_in_every_mode(lite_app, name):
    liaison = lite_app.extensions["oa_liaison"]
    data = (CORPUS / f"{name}.docx").read_bytes()
    failures = []
    for mode, host in MODES.items():
        event = {"id": f"corpus-{next(_ids)}", "file": data, "file_name": f"{name}.docx", **host}
        result = liaison.document_issued(event)
        with lite_app.app_context():
            row = db.session.scalar(select(Document).where(Document.host_id == event["id"]))
            copies = db.session.scalar(select(func.count(Copy.id)).where(Copy.document_id == row.id))
        if result["status"] != "held" or result["committees"] or result["units"] or copies:
            failures.append(f"{mode}: {result['status']} {result['committees']} {result['hold_reason']}")
    assert not failures, f"{name} ({EXPECTED[name]['layout']}): " + "; ".join(failures)
