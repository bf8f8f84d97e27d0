"""tests/corpus/formats: .doc, .wps, .odt and .rtf files that LibreOffice wrote (tools/build_corpus_doc.py),
each read through read_any(path) and checked against its NAME.EXT.json sidecar."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from oa_liaison_plugin.documents.formats import read_any
from oa_liaison_plugin.documents.secrecy import strictest

CORPUS = Path(__file__).resolve().parent / "corpus" / "formats"
FORMATS = ("doc", "wps", "odt", "rtf")
SIDECARS = {p.name[:-5]: json.loads(p.read_text("utf-8")) for p in sorted(CORPUS.glob("*.json"))
            if p.name.split(".")[-2] in FORMATS}
# Where the mark of each layout is read from (the same in every format, but for a text box in a .doc or .rtf:
# there it is a story of its own, also named "textbox").
PLACES = {"notice_secret": "body", "notice_date": "body", "notice_table": "table",
          "notice_textbox": "textbox", "notice_hidden": "hidden", "notice_property": "properties",
          "report_header": "header", "report_footer": "footer", "letter_line": "letter_line"}
ASSERTED = ("secrecy", "doc_number", "title", "issuer", "secrecy_period", "cc")


def test_every_format_and_both_kinds():
    kinds = {(e["format"], bool(e["secrecy"])) for e in SIDECARS.values()}
    assert {(fmt, classified) for fmt in FORMATS for classified in (True, False)} <= kinds
    assert all((CORPUS / name).is_file() for name in SIDECARS)
    assert all("wps" in e["generator"].lower() for e in SIDECARS.values() if e["format"] == "wps")
    assert sum((CORPUS / name).stat().st_size for name in SIDECARS) < 1.5 * 1024 * 1024


@pytest.mark.parametrize("name", sorted(SIDECARS))
def test_facts_match_the_sidecar(name):
    e = SIDECARS[name]
    f = read_any(CORPUS / name)
    assert f.format == e["format"]
    got = {k: getattr(f, k) for k in ASSERTED if k in e}
    assert got == {k: e[k] for k in ASSERTED if k in e}, e["layout"]


@pytest.mark.parametrize("name", sorted(SIDECARS))
def test_a_mark_for_every_classified_file_and_none_for_the_others(name):
    e = SIDECARS[name]
    marks = read_any(CORPUS / name).secrecy_marks
    if e["secrecy"]:
        assert marks and strictest(m.level for m in marks) == e["secrecy"], e["layout"]
        assert PLACES[name.split(".")[0]] in {m.where for m in marks}, e["layout"]
    else:
        assert marks == [], e["layout"]


@pytest.mark.parametrize("name", sorted(n for n in SIDECARS if n.endswith((".doc", ".odt", ".rtf"))))
def test_the_same_file_under_another_name_is_still_read_from_its_bytes(name):
    f = read_any((CORPUS / name).read_bytes(), name="正文.docx")
    assert f.format == SIDECARS[name]["format"] and f.secrecy == SIDECARS[name]["secrecy"]
