"""The demo exercises every capability and leaves real drafts behind."""
from __future__ import annotations

import zipfile

from sqlalchemy import func, select

from oa_liaison_plugin.demo import run_demo
from oa_liaison_plugin.models import Consultation, Copy, Document, Meeting, Submission, db


def test_demo_runs_every_capability(lite_app, tmp_path):
    lines: list[str] = []
    produced = run_demo(lite_app, tmp_path / "out", echo=lines.append)
    statuses = [d["status"] for d in produced["documents"]]
    assert {"routed", "not_qualified", "held", "unmatched"} <= set(statuses)
    text = "\n".join(lines)
    assert "1 份暂存文件已自动分送" in text and "密级文件" in text and "答复期限" in text
    with lite_app.app_context():
        assert db.session.scalar(select(func.count(Copy.id)).where(Copy.status != "delivered")) == 0
        assert db.session.scalar(select(func.count(Document.id)).where(Document.status == "unmatched")) == 0
        assert db.session.scalar(select(func.count(Consultation.id))) >= 1
        assert db.session.scalar(select(func.count(Submission.id))) == 2
        assert db.session.scalar(select(func.count(Meeting.id))) == 4
    for kind in ("reply", "consultation", "minutes"):
        path = tmp_path / "out" / f"demo-{kind}.docx"
        with zipfile.ZipFile(path) as z:
            assert "word/document.xml" in z.namelist()
        assert str(path) in text
