"""The demo exercises every capability and leaves real drafts behind."""
from __future__ import annotations

import zipfile

import docx

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
        assert db.session.scalar(select(func.count(Meeting.id))) == 5   # 4 scheduled + 1 recorded liaison meeting
    # form (6): a committee behind, minutes generated from a meeting's record, the year's review
    assert "提案委员会：0 次  ← 未达到" in text and "教科文卫体委员会：2 次\n" in text
    assert "新发提醒 6 条" in text
    minutes = docx.Document(produced["minutes_from_record"])
    minutes_text = "\n".join(p.text for p in minutes.paragraphs)
    assert "县文旅局局长赵勇（在省里参加培训）" in minutes_text and "农村寄宿制学校建设（牵头单位：县教育局）" in minutes_text
    review = docx.Document(produced["review"])
    assert [c.text for c in review.tables[0].rows[0].cells][0] == "专门委员会"
    assert any(r.cells[0].text == "提案委员会" and "未达标" in r.cells[4].text for r in review.tables[0].rows)
    for kind in ("reply", "consultation", "minutes"):
        path = tmp_path / "out" / f"demo-{kind}.docx"
        with zipfile.ZipFile(path) as z:
            assert "word/document.xml" in z.namelist()
        assert str(path) in text
