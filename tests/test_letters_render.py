"""Form (6)'s documents rendered by LibreOffice: the filing 函, the review 函, minutes from a record.

Skipped where LibreOffice is absent.
"""
from __future__ import annotations

import datetime as dt

import pytest

from oa_liaison_plugin.documents.write import estimate_pages
from oa_liaison_plugin.models import db

from test_drafts_render import page_text, pages, pytestmark, to_pdf  # noqa: F401  (pytestmark: skip without soffice)
from helpers import docx
from test_meetings import people, record


def consultation_letters(app, liaison) -> dict:
    """#26: the 征求意见函 on a draft (the draft named as 附件1) and the committee's 复函 from its answer."""
    from oa_liaison_plugin.audit import Actor
    from oa_liaison_plugin.decision.consult_letters import committee_reply, consultation_letter
    from oa_liaison_plugin.models import Consultation
    from oa_liaison_plugin.operations import consultations as ops
    opened = liaison.draft_for_consultation({
        "id": "draft-render", "issuer": "南部县自然资源和规划局", "title": "关于南部县国土空间总体规划的意见（征求意见稿）",
        "flags": {"major": True}, "file": docx(issuer="南部县自然资源和规划局", doc_number=None),
        "file_name": "国土空间总体规划（征求意见稿）.docx"})
    c = db.session.get(Consultation, opened["consultations"][0]["id"])
    letter = consultation_letter(app.config, c, doc_number="南自然资函〔2017〕3号", date=dt.date(2017, 3, 6))[0]
    with liaison.work(Actor.cli()) as uow:
        ops.answer(uow, c, "建议补充生态保护红线的划定依据。", dt.datetime(2017, 3, 10, 2), "修改意见")
    return {"consultation": letter,
            "consultation_reply": committee_reply(app.config, db.session.get(Consultation, c.id))[0]}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    from conftest import make_app
    from oa_liaison_plugin.documents.drafts import render_minutes
    from oa_liaison_plugin.meetings.filing import leaders_report
    from oa_liaison_plugin.meetings.record import minutes_data
    from oa_liaison_plugin.review import year_review
    from oa_liaison_plugin.review.report import review_report
    tmp = tmp_path_factory.mktemp("letters-render")
    app = make_app(f"sqlite:///{tmp / 'l.sqlite3'}", tmp / "instance")
    liaison = app.extensions["oa_liaison"]
    with app.app_context():
        jur = people(liaison)
        m = record(liaison)
        docs = {"leaders": leaders_report(jur, date=dt.date(2017, 12, 31), doc_number="南政协办函〔2017〕3号")[0],
                "review": review_report(year_review(liaison, jur, 2017), date=dt.date(2018, 1, 10)),
                "minutes": render_minutes(minutes_data(m, "县政协教科文卫体委员会")),
                **consultation_letters(app, liaison)}
        db.session.remove()
        db.engine.dispose()
    files = []
    for name, data in docs.items():
        (tmp / f"{name}.docx").write_bytes(data)
        files.append(tmp / f"{name}.docx")
    out = to_pdf(tmp, files)
    return out, {name: estimate_pages(data) for name, data in docs.items()}


@pytest.mark.parametrize("name,expected", [
    ("leaders", ["南部县政协办公室", "南政协办函〔2017〕3号", "县委办公室、县政府办公室：", "附件：1.对口联系工作分管领导名单",
                 "2.未确定分管领导的部门（单位）名单", "2017年12月31日附件1", "对口联系工作分管领导名单",
                 "序号部门（单位）分管领导职务联系电话", "南部县教育局王明局长0817-5512345", "南部县卫生健康局刘芳副局长",
                 "附件2未确定分管领导的部门（单位）名单"]),
    ("review", ["关于2017年度对口联系协商工作情况的函", "召开对口单位负责人联系会1次", "一、各专门委员会",
                "教科文卫体委员会", "二、各部门（单位）", "2018年1月10日"]),
    ("consultation", ["南自然资函〔2017〕3号", "关于征求《关于南部县国土空间总体规划的意见》意见的函",
                      "县政协城乡建设与环境资源保护委员会：", "附件：1.国土空间总体规划（征求意见稿）", "2.意见反馈表",
                      "2017年3月6日", "附件2", "意见反馈表", "同意／修改意见／不同意"]),
    ("consultation_reply", ["关于《关于南部县国土空间总体规划的意见》征求意见的复函", "南部县自然资源和规划局：",
                            "我委意见为“修改意见”", "建议补充生态保护红线的划定依据", "特此函复。",
                            "县政协城乡建设与环境资源保护委员会", "2017年3月10日"]),
    ("minutes", ["对口单位负责人联系会纪要", "第1期", "出席：", "县教育局局长王明", "请假：", "李华（外出学习）",
                 "确定2017年协商课题：农村寄宿制学校建设（牵头单位：县教育局）"]),
])
def test_all_text_is_rendered(rendered, name, expected):
    text = page_text(rendered[0][name])
    for piece in expected:
        assert piece in text, (piece, text[:800])


def test_page_counts_match_the_estimate(rendered):
    pdfs, estimates = rendered
    for name, pdf in pdfs.items():
        assert abs(pages(pdf) - estimates[name]) <= 1, (name, pages(pdf), estimates[name])
