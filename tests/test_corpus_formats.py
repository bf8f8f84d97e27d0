"""tests/corpus/formats: files of every format written by other programs, each read through read_any (the
format from the bytes) and checked against its sidecar NAME.EXT.json (built with tools/build_corpus_ofd_pdf.py
for OFD and PDF; other formats' builders add theirs).

A sidecar holds ``generator``, ``layout``, ``format`` and only the facts it asserts: ``secrecy`` (null: no
mark at all), ``period``, ``doc_number``, ``title``, ``issuer``, ``urgency``, ``copy_number``;
``no_text: true`` for a scan; ``error``: the DocumentReadError code the file must give.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from oa_liaison_plugin.documents.formats import read_any
from oa_liaison_plugin.documents.read import DocumentReadError
from oa_liaison_plugin.documents.secrecy import strictest

FORMATS = Path(__file__).resolve().parent / "corpus" / "formats"
SIDECARS = sorted(FORMATS.glob("*.json"))
FACTS = {"secrecy": "secrecy", "period": "secrecy_period", "doc_number": "doc_number", "title": "title",
         "issuer": "issuer", "urgency": "urgency", "copy_number": "copy_number", "secrecy_period": "secrecy_period",
         "cc": "cc"}
KNOWN = {"generator", "layout", "format", "no_text", "error", *FACTS}


def test_every_file_has_a_sidecar_and_both_sealed_formats_are_there():
    files = {p.name for p in FORMATS.iterdir() if p.suffix != ".json" and p.name != "README.md"}
    assert files == {p.name[:-5] for p in SIDECARS}
    formats = {json.loads(p.read_text("utf-8"))["format"] for p in SIDECARS}
    assert {"ofd", "pdf"} <= formats
    assert sum(p.stat().st_size for p in FORMATS.iterdir()) < 2 * 1024 * 1024


@pytest.mark.parametrize("sidecar", SIDECARS, ids=[p.name[:-5] for p in SIDECARS])
def test_file_matches_its_sidecar(sidecar):
    e = json.loads(sidecar.read_text("utf-8"))
    assert {"generator", "layout", "format"} <= set(e) and set(e) <= KNOWN, sorted(set(e) - KNOWN)
    path = sidecar.with_name(sidecar.name[:-5])
    code = "no_text" if e.get("no_text") else e.get("error")
    if code:
        with pytest.raises(DocumentReadError) as err:
            read_any(path)
        assert err.value.code == code, e["layout"]
        return
    f = read_any(path)
    assert f.format == e["format"], e["layout"]
    got = {key: getattr(f, attr) for key, attr in FACTS.items() if key in e}
    assert got == {key: e[key] for key in got}, e["layout"]
    if "secrecy" in e:
        marks = f.secrecy_marks
        if e["secrecy"]:
            assert marks and strictest(m.level for m in marks) == e["secrecy"], e["layout"]
            assert all(m.text and m.where for m in marks)
        else:
            assert marks == [], e["layout"]
