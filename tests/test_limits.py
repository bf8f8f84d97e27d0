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
    if field == "unit":   # as wide as the column, but no unit of the table: refused by name (issue 12)
        assert ok["status"] == "error" and ok["error"].startswith("字段 unit：未知单位")
        return
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


def test_an_overlong_title_read_from_the_file_is_kept_whole_not_a_database_error(app, liaison):
    """The host's values are checked against the columns; a file's title of 600 characters is not the host's."""
    from sqlalchemy import select
    from oa_liaison_plugin.documents.samples import make_issued_docx
    from oa_liaison_plugin.models import Document, db
    title = "关于" + "加强义务教育均衡发展" * 59 + "的实施方案"
    import io
    import zipfile
    short = make_issued_docx(issuer="南部县教育局", doc_number="南教发〔2017〕12号", title="关于占位的实施方案",
                             main_recipients=["各乡镇人民政府"], body_paragraphs=["正文。"])
    buf = io.BytesIO()   # python-docx caps the core title at 255: write the long one into the body only
    with zipfile.ZipFile(io.BytesIO(short)) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            part = zin.read(info)
            if info.filename == "word/document.xml":
                part = part.replace("关于占位的实施方案".encode(), title.encode())
            zout.writestr(info, part)
    data = buf.getvalue()
    r = liaison.document_issued({"id": "long-title", "issuer": "南部县教育局", "file": data})
    assert r["status"] in ("routed", "held", "not_qualified"), r
    with app.app_context():
        row = db.session.scalar(select(Document).where(Document.host_id == "long-title"))
        assert len(row.title) == 512 and row.title.endswith("…")
        assert row.meta["overlong"]["title"] == title
