"""The ``consultations`` commands: open a consultation on a draft, record a committee's answer (JSON keys stable)."""
from __future__ import annotations

import click

from ..clitypes import ROW_ID
from ..errors import InputError
from ..replies.cli import _dump, _fail, load_input


@click.group("consultations")
def consultations():
    """征求意见（三(五)、五(一)）：签发前就征求意见稿征求委员会意见，记录委员会的意见。"""


@consultations.command("open")
@click.option("--input", "input_path", required=True, metavar="FILE.json",
              help="征求意见稿 JSON，字段同 document_issued（id、issuer、title、flags…；file_base64 为文件内容）")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def open_(obj, input_path, as_json):
    """签发前征求意见：按与印发相同的判断，向每个相关委员会征求意见并送去征求意见稿。"""
    import base64
    import binascii
    data = load_input(input_path, as_json)
    if not isinstance(data, dict):
        _fail("输入应为 JSON 对象", as_json, "input")
    if data.get("file_base64") is not None:
        try:
            data["file"] = base64.b64decode(data.pop("file_base64"), validate=True)
        except (binascii.Error, TypeError):
            _fail("file_base64 不是有效的 base64", as_json, "file_base64")
    result = obj.liaison.draft_for_consultation(data) or {}
    if result.get("status") == "error":
        _fail(result.get("error") or "内部错误", as_json, result.get("field"))
    out = {"document_id": result["document_id"], "consultations": result["consultations"],
           "reasons": result["reasons"],   # the one Reason shape: {"code", "text", …}
           "status": result["status"], "hold_reason": result.get("hold_reason"), "duplicate": result["duplicate"]}
    if as_json:
        click.echo(_dump(out))
        return
    for c in out["consultations"]:
        click.echo(f"已向{c['committee']}征求意见（编号 {c['id']}），{c['due']}前反馈")
    if not out["consultations"]:
        click.echo("未征求意见：" + "；".join([r["text"] for r in out["reasons"]] or [out["hold_reason"] or ""]))


@consultations.command("answer")
@click.argument("consultation_id", type=ROW_ID)
@click.option("--opinion", required=True, help="委员会意见")
@click.option("--position", type=click.Choice(["同意", "修改意见", "不同意"]), help="意见类别")
@click.option("--attachment", "attachment_path", metavar="FILE", help="意见的附件（核对密级，标有密级的不保存）")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def answer_(obj, consultation_id, opinion, position, attachment_path, as_json):
    """记录委员会对一项征求意见的反馈（审计，通知发文单位）。"""
    from pathlib import Path

    from ..audit import Actor
    from ..files import read_input
    from ..models import Consultation, db, utcnow
    from ..operations import AlreadyDone, consultations as ops
    data = None
    if attachment_path:
        try:
            data = read_input(attachment_path, max_bytes=int(obj.app.config["CONSULTATION_ATTACHMENT_MAX_BYTES"]))
        except OSError as exc:
            _fail(str(exc), as_json, "attachment")
    try:
        with obj.liaison.work(Actor.cli()) as uow:
            c = db.session.get(Consultation, consultation_id)
            if c is None:
                raise InputError("consultation_id", f"没有编号为 {consultation_id} 的征求意见")
            stored = ops.answer(uow, c, opinion, utcnow(), position,
                                attachment_name=Path(attachment_path).name if data else None, attachment=data)
            out = {"id": c.id, "status": "answered", "position": position, "opinion": opinion,
                   "attachment_name": stored}
    except AlreadyDone:
        _fail("这项征求意见已经反馈过意见，未重复记录", as_json, "consultation_id")
    click.echo(_dump(out) if as_json else f"已记录征求意见 {out['id']} 的反馈")


@consultations.command("letter")
@click.argument("consultation_id", type=ROW_ID)
@click.option("--reply", is_flag=True, help="委员会的复函（按已反馈的意见）；默认为发文单位的征求意见函")
@click.option("--doc-number", default="", help="发文字号，如 南自然资函〔2017〕3号（可空，留待编号）")
@click.option("--out", "out", metavar="PATH", help="写入的 .docx（默认为当前目录下的函件名）；征求意见稿写在它旁边")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def letter_(obj, consultation_id, reply, doc_number, out, as_json):
    """征求意见函（附征求意见稿和意见反馈表）或委员会复函，生成 .docx。"""
    from pathlib import Path

    from ..files import write_atomic
    from ..models import Consultation, db
    from .consult_letters import committee_reply, consultation_letter
    templates = obj.app.config["TEMPLATES_DIR"]
    with obj.app.app_context():
        c = db.session.get(Consultation, consultation_id)
        if c is None:
            raise InputError("consultation_id", f"没有编号为 {consultation_id} 的征求意见")
        draft_path = None
        if reply:
            blob, name = committee_reply(obj.app.config, c, doc_number=doc_number, templates_dir=templates)
        else:
            blob, name, draft = consultation_letter(obj.app.config, c, doc_number=doc_number, templates_dir=templates)
        path = Path(out or name)
        write_atomic(path, blob)
        if not reply and draft is not None:
            from ..documents.formats import detect
            fmt = detect(draft.data, c.draft_name)
            stem = Path(c.draft_name or "征求意见稿").stem
            draft_path = path.with_name(stem + (fmt.extension or Path(c.draft_name or "").suffix))
            write_atomic(draft_path, draft.data)
    result = {"consultation_id": consultation_id, "kind": "reply" if reply else "letter", "letter": str(path),
              "draft": str(draft_path) if draft_path else None}
    click.echo(_dump(result) if as_json else f"已生成：{path}" + (f"（附征求意见稿：{draft_path}）" if draft_path else ""))
