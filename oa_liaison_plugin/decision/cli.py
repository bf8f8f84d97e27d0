"""`documents decide|handover`: a person's decision on a held document from the shell, audited like the panel's."""
from __future__ import annotations

import datetime as dt
import json
import sys

import click

from ..clock import county_today

EXIT_INPUT = 2


def _dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=str)


def _fail(as_json: bool, field: str, message: str, code: int = EXIT_INPUT):
    click.echo(_dump({"error": message, "field": field}) if as_json else f"错误：{message}", err=not as_json)
    sys.exit(code)


@click.group("documents")
def documents():
    """已记录的文件：人工决定暂存待定的文件（密级文件只能不分送或登记线下机要传递）。"""


def _held(obj, host_id: str, jurisdiction: str | None, as_json: bool):
    from ..models import Document, db
    from sqlalchemy import select
    try:
        jur = obj.liaison.jurisdiction(jurisdiction)
    except LookupError as exc:
        _fail(as_json, "jurisdiction", str(exc))
    row = db.session.scalar(select(Document).where(Document.jurisdiction_id == jur.id, Document.host_id == host_id))
    if row is None:
        _fail(as_json, "document", f"没有编号为 {host_id} 的文件", 3)
    if row.status != "held":
        _fail(as_json, "document", f"文件 {host_id} 不在“暂存待定”状态（现为 {row.status}），无须再决定", 3)
    return row


def _committees(obj, row, names, as_json: bool) -> list[str]:
    from ..models import Committee, db
    from sqlalchemy import select
    known = set(db.session.scalars(select(Committee.name).where(Committee.jurisdiction_id == row.jurisdiction_id)))
    for i, name in enumerate(names):
        if name not in known:
            _fail(as_json, f"committee[{i}]", f"委员会“{name}”不存在")
    return list(dict.fromkeys(names))


def _decided(obj, change, as_json: bool):
    """Run ``change(uow)``, a person's decision by cli:<os user>, in one commit; the verdict."""
    from ..audit import Actor
    from .route import Classified, NotHeld
    try:
        with obj.liaison.work(Actor.cli()) as uow:
            return change(uow)
    except Classified as exc:
        _fail(as_json, "copy_to", str(exc))
    except NotHeld:
        _fail(as_json, "document", "这份文件刚刚已由他人决定，未重复处理", 3)


@documents.command("decide")
@click.argument("host_id")
@click.option("--copy-to", "copy_to", multiple=True, help="人工分送给这个委员会（可多次）；密级文件不可")
@click.option("--no-copy", is_flag=True, help="确认不分送")
@click.option("--reason", required=True, help="理由（记入判断记录和操作日志）")
@click.option("--yes", is_flag=True, help="确认分送（分送后不能撤回）；不加时只显示将要做什么")
@click.option("--jurisdiction", "-j", default=None)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def decide(obj, host_id, copy_to, no_copy, reason, yes, jurisdiction, as_json):
    """人工决定暂存待定的文件 HOST_ID：--copy-to 委员会 …（须 --yes 确认），或 --no-copy。"""
    from ..operations import decisions
    from .route import Classified
    if bool(copy_to) == bool(no_copy):
        _fail(as_json, "copy_to", "请给出 --copy-to 委员会 或 --no-copy 之一")
    if not reason.strip() or len(reason) > 1000:
        _fail(as_json, "reason", "请写明理由（最多 1000 字）")
    with obj.app.app_context():
        row = _held(obj, host_id, jurisdiction, as_json)
        names = _committees(obj, row, copy_to, as_json)
        if names and not yes:
            from .route import classified
            if classified(row):
                _fail(as_json, "copy_to", str(Classified(classified(row))))
            _fail(as_json, "yes", f"将把《{row.title or host_id}》分送{'、'.join(names)}，分送后不能撤回；"
                                  "确认无误请加 --yes 再运行")
        verdict = _decided(obj, lambda uow: decisions.decide(uow, row, names, reason=reason.strip()), as_json)
        out = {"document_id": host_id, "status": verdict.status, "committees": verdict.committees,
               "reasons": verdict.reasons}
    click.echo(_dump(out) if as_json else
               (f"已人工分送{'、'.join(names)}。" if names else "已确认不分送。"))


@documents.command("handover")
@click.argument("host_id")
@click.option("--committee", "committees", multiple=True, required=True, help="已线下送达的委员会（可多次）")
@click.option("--handed-on", required=True, help="传递日期 YYYY-MM-DD")
@click.option("--handed-by", required=True, help="经办人（机要交通或机要员）")
@click.option("--reason", required=True, help="说明（记入判断记录和操作日志）")
@click.option("--jurisdiction", "-j", default=None)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def handover(obj, host_id, committees, handed_on, handed_by, reason, jurisdiction, as_json):
    """登记：密级文件 HOST_ID 已通过机要渠道线下送委员会（本系统不传送文件，不产生抄送）。"""
    from ..operations import decisions
    from .route import classified
    try:
        day = dt.date.fromisoformat(handed_on)
    except ValueError:
        _fail(as_json, "handed_on", f"传递日期应为 YYYY-MM-DD，实际为 {handed_on!r}")
    if day > county_today(obj.liaison.config):
        _fail(as_json, "handed_on", "传递日期不能晚于今天")
    if not handed_by.strip() or len(handed_by) > 64:
        _fail(as_json, "handed_by", "请填写经办人（最多 64 字）")
    if not reason.strip() or len(reason) > 1000:
        _fail(as_json, "reason", "请写明说明（最多 1000 字）")
    with obj.app.app_context():
        row = _held(obj, host_id, jurisdiction, as_json)
        if not classified(row):
            _fail(as_json, "document", "这份文件没有密级，不登记线下机要传递；如需分送，请用 documents decide --copy-to")
        names = _committees(obj, row, committees, as_json)
        verdict = _decided(obj, lambda uow: decisions.handover(uow, row, names, handed_on=day,
                                                               handed_by=handed_by.strip(), reason=reason.strip()),
                           as_json)
        out = {"document_id": host_id, "status": verdict.status, "committees": names, "reasons": verdict.reasons}
    click.echo(_dump(out) if as_json else f"已登记：密级文件已通过机要渠道线下送{'、'.join(names)}（本系统未传送文件）。")
