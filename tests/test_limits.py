"""Limits from the schema: every text field accepts what its column holds, and a longer value is refused
with an error naming the field, never a database exception (run on PostgreSQL, which enforces widths)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from oa_liaison_plugin.events import DOCUMENT_COLUMNS, MEETING_COLUMNS, SUBMISSION_COLUMNS
from oa_liaison_plugin.models import Document, EventError, Meeting, Submission, db, max_length


def test_max_length_reads_the_column():
    assert max_length(Document.secrecy) == 16 and max_length(Document.title) == 512
    assert max_length(Document.body) is None


def test_an_18_character_secrecy_is_refused_naming_the_field(app, liaison):
    r = liaison.document_issued({"id": "long-secrecy", "issuer": "南部县教育局", "title": "关于某事的通知",
                                 "secrecy": "机密★长期（内部资料不得外传之件）x"[:18]})
    assert r["status"] == "error" and "secrecy" in r["error"] and "密级过长" in r["error"] and "上限 16" in r["error"]
    with app.app_context():
        codes = db.session.scalars(select(EventError.code)).all()
        assert codes == ["bad_event"]   # refused as the host's mistake, not an internal (database) error


FIELDS = [f for f in DOCUMENT_COLUMNS if f not in ("body", "name")]


@pytest.mark.parametrize("field", FIELDS)
def test_each_document_field_holds_its_column_width_and_no_more(app, liaison, field):
    def issue(n):
        head = {"issuer": "南部县教育局", "jurisdiction": "nanbu"}.get(field, "")
        doc = {"id": f"w-{field}-{n}", "issuer": "南部县教育局", "title": "关于某事的通知",
               field: head + "文" * (n - len(head))}
        return liaison.document_issued(doc)
    width = max_length(DOCUMENT_COLUMNS[field])
    over = issue(width + 1)
    assert over["status"] == "error" and f"字段 {field}：" in over["error"] and f"上限 {width}" in over["error"]
    at = issue(width)
    if field != "jurisdiction":  # an unknown jurisdiction is its own error; only its length matters here
        assert at["status"] != "error", at
        with app.app_context():
            assert db.session.scalar(select(func.count(Document.id))) == 1


def submission(**kw):
    return {"id": "s-1", "committee": "教科文卫体委员会", "unit": "县教育局", "kind": "提案", "title": "关于某事的提案",
            "received": "2017-03-01", **kw}


@pytest.mark.parametrize("field", ["id", "unit", "title", "number"])
def test_a_submission_field_longer_than_its_column_is_refused(app, liaison, field):
    width = max_length(SUBMISSION_COLUMNS[field])
    r = liaison.submission_received(submission(**{field: "长" * (width + 1)}))
    assert r["status"] == "error" and f"字段 {field}：" in r["error"] and f"上限 {width}" in r["error"]
    ok = liaison.submission_received(submission(**{field: "长" * width}))
    assert ok.get("status") != "error", ok
    with app.app_context():
        row = db.session.scalar(select(Submission))
        assert len(getattr(row, {"id": "host_id", "unit": "unit_name"}.get(field, field))) == width


@pytest.mark.parametrize("field", ["id", "title"])
def test_a_meeting_field_longer_than_its_column_is_refused(app, liaison, field):
    width = max_length(MEETING_COLUMNS[field])
    meeting = {"id": "m-1", "unit": "县教育局", "title": "全县教育工作会议", "held_on": "2017-03-01"}
    r = liaison.meeting_scheduled({**meeting, field: "会" * (width + 1)})
    assert r.get("error") and f"字段 {field}：" in r["error"] and f"上限 {width}" in r["error"]
    ok = liaison.meeting_scheduled({**meeting, field: "会" * width})
    assert not ok.get("error"), ok
    with app.app_context():
        assert len(getattr(db.session.scalar(select(Meeting)), "host_id" if field == "id" else field)) == width
