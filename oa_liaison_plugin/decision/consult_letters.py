"""The consultation letter (征求意见函) from a consultation's record, and the committee's 复函 from its answer."""
from __future__ import annotations

import datetime as dt
from pathlib import PurePath

from ..clock import county_today
from ..config import county_zone
from ..documents import gbt9704 as g
from ..documents.letter import Table, render_letter
from ..errors import InputError
from ..meetings import committee_title
from ..models import Blob, Committee, Consultation, Document, Jurisdiction, Unit, db


def _stem(name: str | None) -> str | None:
    """A file's name as a 附件说明 names it: without its extension."""
    return PurePath(name).stem if name else None


def _matter(doc: Document) -> str:
    return (doc.title or doc.doc_number or doc.host_id).replace("（征求意见稿）", "").strip("《》")


def _parties(c: Consultation) -> tuple[Document, str, str]:
    """The consultation's document, the drafting unit's full name and the committee's title."""
    doc = db.session.get(Document, c.document_id)
    unit = db.session.get(Unit, doc.unit_id) if doc.unit_id else None
    jur = db.session.get(Jurisdiction, doc.jurisdiction_id)
    return doc, (unit.full_name or unit.name) if unit else doc.issuer, \
        committee_title(jur, db.session.get(Committee, c.committee_id).name)


def opinion_form(committee: str, matter: str, due: dt.date) -> Table:
    """附件: 意见反馈表, the rows the committee fills in."""
    return Table("意见反馈表", ["项目", "内容"], [2, 6], [
        ["事项名称", matter], ["反馈单位", committee], ["联系人及电话", ""], ["反馈时限", f"{g.cn_date(due)}前"],
        ["意见类别", "同意／修改意见／不同意"], ["意见和建议", ""], ["负责人签字（盖章）", ""]])


def consultation_letter(config, c: Consultation, *, doc_number: str = "", date: dt.date | None = None,
                        templates_dir=None) -> tuple[bytes, str, Blob | None]:
    """征求意见函 on the consultation's draft: the .docx, its file name, and the draft sent with it (附件1)."""
    doc, unit, committee = _parties(c)
    matter = _matter(doc)
    draft = db.session.get(Blob, c.draft_sha256) if c.draft_sha256 else None
    files = [f"{_stem(c.draft_name) or matter}"] if draft is not None else []
    summary = [line.strip() for line in (doc.body or "").splitlines() if line.strip()][:6]
    due = g.cn_date(c.due_on)
    see = "（见附件1）" if files else ""
    paragraphs = [
        f"按照对口联系工作的有关要求，{unit}拟就《{matter}》征求你委意见。" + (f"征求意见稿{see}请审阅。" if files else ""),
        *summary,
        f"请于{due}前将意见填入《意见反馈表》（见附件{len(files) + 1 if files else ''}）反馈我单位；逾期未反馈的，视为无意见。",
        "特此函达。"]
    blob = render_letter(issuer=unit, doc_number=doc_number, heading=f"关于征求《{matter}》意见的函",
                         recipients=[committee], paragraphs=paragraphs, tables=[],
                         date=date or county_today(config), templates_dir=templates_dir,
                         attachments=[opinion_form(committee, matter, c.due_on)], files=files)
    return blob, f"征求意见函-{matter}.docx", draft


def committee_reply(config, c: Consultation, *, doc_number: str = "", templates_dir=None) -> tuple[bytes, str]:
    """The committee's 复函 from its recorded answer: its position and opinion, its attachment named."""
    if c.status != "answered":
        raise InputError("consultation_id", "这项征求意见尚未反馈，还不能生成复函")
    doc, unit, committee = _parties(c)
    matter = _matter(doc)
    day = c.answered_at.replace(tzinfo=dt.timezone.utc).astimezone(county_zone(config)).date()
    position = f"我委意见为“{c.position}”。" if c.position else ""
    paragraphs = [f"你单位关于征求《{matter}》意见的函收悉。经研究，{position}具体意见如下：",
                  *(line.strip() for line in (c.opinion or "").splitlines() if line.strip()), "特此函复。"]
    files = [_stem(c.attachment_name)] if c.attachment_sha256 else []
    blob = render_letter(issuer=committee, doc_number=doc_number, heading=f"关于《{matter}》征求意见的复函",
                         recipients=[unit], paragraphs=paragraphs, tables=[], date=day, templates_dir=templates_dir,
                         files=files)
    return blob, f"复函-{matter}.docx"
