"""The filing report (五(二)): every unit's liaison leader, name, post and phone, as a 函 to the three offices."""
from __future__ import annotations

import datetime as dt

from ..documents.letter import Table, render_letter
from . import settings
from .people import leaders_by_unit


def leaders_report(jur, *, date: dt.date, issuer: str | None = None, doc_number: str = "",
                   templates_dir=None) -> tuple[bytes, dict]:
    """The .docx and a summary (``units``, ``named``, ``missing``: names of units without a leader)."""
    conf = settings()["leaders_report"]
    rows = leaders_by_unit(jur.id)
    named = [(u, lead) for u, lead in rows if lead is not None]
    unnamed = [u for u, lead in rows if lead is None]
    missing = [u.name for u in unnamed]
    text = (f"按照《关于建立健全县级部门与县政协专门委员会对口联系协商制度的通知》（南委办〔2017〕1号）五(二)的要求，"
            f"对口联系部门（单位）确定1名领导同志分管对口联系协商工作。现将{len(named)}个部门（单位）的分管领导"
            f"姓名、职务和联系电话报送你们（见附件{'1' if missing else ''}），请予备案。")
    paragraphs = [text]
    # The names go in attached tables, never in the body: a county has over a hundred units.
    attachments = [Table("对口联系工作分管领导名单", ["序号", "部门（单位）", "分管领导", "职务", "联系电话"],
                         [3, 12, 5, 9, 7], [[i, u.full_name or u.name, lead.name, lead.post, lead.phone]
                                            for i, (u, lead) in enumerate(named, 1)])]
    if missing:
        paragraphs.append(f"尚有{len(missing)}个部门（单位）未确定分管领导（名单见附件2），将督促其尽快确定后补报。")
        attachments.append(Table("未确定分管领导的部门（单位）名单", ["序号", "部门（单位）"], [3, 33],
                                 [[i, u.full_name or u.name] for i, u in enumerate(unnamed, 1)]))
    blob = render_letter(issuer=issuer or conf["issuer"], doc_number=doc_number, heading=conf["title"],
                         recipients=conf["recipients"], paragraphs=paragraphs, tables=[], date=date,
                         templates_dir=templates_dir, attachments=attachments)
    return blob, {"units": len(rows), "named": len(named), "missing": missing}
