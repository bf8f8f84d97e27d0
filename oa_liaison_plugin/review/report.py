"""The yearly review as a .docx 函: a summary paragraph, a table per committee and one per unit."""
from __future__ import annotations

import datetime as dt

from ..documents.letter import Table, render_letter
from ..meetings import settings
from . import ratings_text
from .stats import CONSULTATION_FIGURES, ON_TIME_DEFINITION, UNIT_FIGURES


def _pair(a: int, b: int) -> str:
    return f"{a}/{b}" if a else "0"


def review_report(review: dict, *, date: dt.date, issuer: str | None = None, doc_number: str = "",
                  templates_dir=None) -> bytes:
    """Render the numbers of :func:`~oa_liaison_plugin.review.year_review` (nothing is counted again here)."""
    conf = settings()["review_report"]
    t, year = review["totals"], review["year"]
    behind = review["committees_behind"]
    paragraphs = [
        f"按照南委办〔2017〕1号 五(三)的要求，现将{year}年度县级部门同县政协专门委员会对口联系协商工作情况报告如下。",
        f"全年各部门向县政协专门委员会抄送文件{t['copies']}份次，就重大事项征求意见{t['consultations_opened']}次、"
        f"收到反馈{t['consultations_answered']}次（签发前征求意见{t['consultations_before']}次、未经事前协商"
        f"{t['consultations_after']}次，按期反馈{t['consultations_on_time']}次；委员会意见同意{t['positions_agree']}次、"
        f"修改意见{t['positions_amend']}次、不同意{t['positions_disagree']}次）；专门委员会报送调研报告、提案等{t['submissions']}件，已答复"
        f"{t['submissions_answered']}件，按期答复率{t['on_time_rate']['text']}，委员会评价满意{t['ratings']['满意']}件次、"
        f"基本满意{t['ratings']['基本满意']}件次、不满意{t['ratings']['不满意']}件次；召开对口单位负责人联系会"
        f"{t['meetings_held']}次，议定协商和调研课题{t['topics']}项、已完成{t['topics_done']}项；应邀请委员会负责人和委员"
        f"{t['invitations_proposed']}人次，已邀请{t['invitations_confirmed']}人次。",
        (f"按每年至少召开{review['minimum']}次联系会的要求，{'、'.join(behind)}未达到。" if behind
         else f"各专门委员会均达到每年至少召开{review['minimum']}次联系会的要求。"),
        "表中“a/b”：a为总数，b为其中已反馈、已答复（按期）、已邀请或已完成的数量；“评价”为满意/基本满意/不满意的件次。",
        ON_TIME_DEFINITION,
    ]
    committees = Table("一、各专门委员会", ["专门委员会", "抄送", "征求意见", "来件答复", "评价", "联系会", "邀请", "课题"],
                       [9, 3, 4, 5, 4, 4, 4, 4],
                       [[c["name"], c["copies"], _pair(c["consultations_opened"], c["consultations_answered"]),
                         f"{c['submissions']}/{c['submissions_answered']}（{c['submissions_on_time']}）",
                         ratings_text(c["ratings"]),
                         f"{c['meetings_held']}{'（未达标）' if c['behind'] else ''}",
                         _pair(c["invitations_proposed"], c["invitations_confirmed"]),
                         _pair(c["topics"], c["topics_done"])] for c in review["committees"]])
    active = [u for u in review["units"] if any(u[k] for k in UNIT_FIGURES)]
    units = Table("二、各部门（单位）", ["部门（单位）", "抄送文件", "征求意见", "来件答复", "评价", "会议", "邀请", "课题"],
                  [9, 3, 4, 5, 4, 4, 4, 4],
                  [[u["name"], u["documents_copied"], _pair(u["consultations_opened"], u["consultations_answered"]),
                    f"{u['submissions']}/{u['submissions_answered']}（{u['submissions_on_time']}）",
                    ratings_text(u["ratings"]), u["meetings_held"],
                    _pair(u["invitations_proposed"], u["invitations_confirmed"]),
                    _pair(u["topics"], u["topics_done"])] for u in active])
    consulted = [("专门委员会", c) for c in review["committees"] if c["consultations_opened"]] + \
        [("部门（单位）", u) for u in active if u["consultations_opened"]]
    consultations = Table("三、征求意见", ["委员会或部门（单位）", *CONSULTATION_FIGURES.values()], [10, 4, 4, 3, 3, 3, 3],
                          [[row["name"], *(row[k] for k in CONSULTATION_FIGURES)] for _, row in consulted])
    return render_letter(issuer=issuer or conf["issuer"], doc_number=doc_number,
                         heading=conf["title"].format(year=year), recipients=conf["recipients"],
                         paragraphs=paragraphs, tables=[committees, units, consultations], date=date,
                         templates_dir=templates_dir)
