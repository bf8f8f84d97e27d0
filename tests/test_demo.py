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
    # the sealed files an OA hands over (OFD, PDF), a classified attachment held and handed over offline
    assert "OFD 版式文件" in text and "PDF 版式文件" in text
    assert "附件1《校园安全检查人员名单》正文标有“秘密★1年”" in text and "登记线下机要传递" in text
    with lite_app.app_context():
        ofd = db.session.scalar(select(Document).where(Document.title == "关于2022年县级财政预算执行情况的报告"))
        assert ofd.status == "routed" and ofd.meta["format"] == "ofd"
        pdf = db.session.scalar(select(Document).where(Document.title == "关于加强校园安全管理工作的通知"))
        assert (pdf.status, pdf.meta["format"], pdf.secrecy) == ("offline", "pdf", "秘密")
        assert db.session.scalar(select(func.count(Copy.id)).where(Copy.document_id == pdf.id)) == 0
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
    assert any(r.cells[0].text == "提案委员会" and "未达标" in r.cells[5].text for r in review.tables[0].rows)
    for kind in ("reply", "consultation", "minutes"):
        path = tmp_path / "out" / f"demo-{kind}.docx"
        with zipfile.ZipFile(path) as z:
            assert "word/document.xml" in z.namelist()
        assert str(path) in text


def test_demo_consults_the_committee_before_signing(lite_app, tmp_path):
    """#26 in the demo: the draft goes to the committee, its 修改意见 reaches 签发 in the BPMN process, the issued
    document records it was consulted beforehand, the 2017 review counts one consultation before issue."""
    lines: list[str] = []
    produced = run_demo(lite_app, tmp_path / "out", echo=lines.append)
    text = "\n".join(lines)
    story = produced["consultation"]
    assert story["host_id"] == "bpmn-fawen-demo-consultation"
    assert [c["committee"] for c in story["consultations"]] == ["城乡建设与环境资源保护委员会"]
    assert "征求意见稿已送城乡建设与环境资源保护委员会" in text and "等待委员会意见" in text
    assert "反馈：修改意见——建议在规划中明确城区生态保护红线" in text
    assert "委员会意见已全部反馈：流程 fawen-demo-consultation 进入签发" in text
    assert any("城乡建设与环境资源保护委员会（" in a and "修改意见——建议在规划中明确" in a for a in story["advice"])
    assert story["issued"]["consulted_before_issue"] is True and story["issued"]["status"] == "routed"
    assert "印发：已于签发前征求意见" in text
    with lite_app.app_context():
        doc = db.session.scalar(select(Document).where(Document.host_id == story["host_id"]))
        cons = db.session.scalars(select(Consultation).where(Consultation.document_id == doc.id)).all()
        assert doc.status == "routed" and [(c.stage, c.position) for c in cons] == [("before", "修改意见")]
    assert "签发前征求意见 1 次" in text
    letter = "".join(p.text for p in docx.Document(story["letter"]).paragraphs)
    assert "附件：1.城区控制性详细规划（征求意见稿）" in letter
    reply = "".join(p.text for p in docx.Document(story["reply"]).paragraphs)
    assert "我委意见为“修改意见”" in reply
    assert "consultations open、answer、letter" in text and "document.drafted" in text


def test_demo_tells_one_proposal_from_arrival_to_its_second_answer(lite_app, sqlite_url, tmp_path):
    lines: list[str] = []
    produced = run_demo(lite_app, tmp_path / "out", echo=lines.append)
    text = "\n".join(lines)
    story = produced["reply_task"]["summary"]
    assert [(r["round"], r["rating"]) for r in story["replies"]] == [(1, "不满意"), (2, "满意")]
    assert story["state"] == "rated" and story["cohandlers"][0]["opinion"]
    assert "提醒（2017-05-28，期限前 15 天）→ 县教育局" in text and "重新办理" in text
    import docx
    draft = docx.Document(produced["reply_task"]["draft"])
    assert any("关于加强农村寄宿制学校建设的建议" in p.text for p in draft.paragraphs)
    from conftest import make_app
    again: list[str] = []
    run_demo(make_app(sqlite_url, tmp_path / "instance"), tmp_path / "out", echo=again.append)   # a second run
    assert "已在上次演示中办理" in "\n".join(again)
