"""The ``draft`` click group: reply, consultation and minutes .docx drafts from JSON, written atomically."""
from __future__ import annotations

import json
from pathlib import Path

import click

from ..files import write_atomic
from ..files import read_input
from ..errors import InputError
from ..jsonfile import MAX_BYTES, loads
from .drafts import render_draft
from .write import DraftError, estimate_pages

NAMES = {"reply": "复函", "consultation": "征求意见函", "minutes": "纪要"}


def _fail(message: str):
    click.echo(f"错误：{message}", err=True)
    raise SystemExit(2)


def _read_json(path: str):
    try:
        raw = read_input(path, max_bytes=MAX_BYTES)
    except OSError as exc:
        _fail(f"无法读取输入文件 {path}：{exc}")
    try:
        return loads(raw, f"输入文件 {path} ")
    except InputError as exc:
        _fail(str(exc))


def official_names(liaison, data: dict) -> dict:
    """The unit's full official name and the committee's full title (县政协…委员会) from the counterpart table.

    GB/T 9704 wants the issuer's full name or standard short form in the letterhead and the signature; a
    name the table does not know is used as given, with a warning.
    """
    from ..models import Unit, db
    data = dict(data)
    with liaison.context():
        jur = liaison.jurisdiction_row()
        resolver = liaison.resolver(jur)
        unit = data.get("unit")
        if isinstance(unit, str) and unit.strip() and not data.get("issuer_full"):
            found = resolver.resolve(unit)
            full = db.session.get(Unit, found.unit_id).full_name if found.unit_id else None
            if full:
                data["issuer_full"] = full
            elif not found.resolved:
                click.echo(f"警告：单位“{unit}”不在对口联系表中，按原样使用", err=True)
        committee = data.get("committee")
        if isinstance(committee, str) and committee.strip():
            name = resolver.committee(committee)
            if name:
                data["committee"] = f"{(jur.prefixes or [''])[-1]}政协{name}"
            else:
                click.echo(f"警告：委员会“{committee}”不在对口联系表中，按原样使用", err=True)
    return data


def _command(kind: str, what: str):
    @click.option("--input", "input_path", required=True, metavar="FILE.json",
                  help=f"{what}的 JSON 数据（格式见 docs/drafts.md）。")
    @click.option("--out", "out_path", required=True, metavar="OUT.docx", help="输出的 .docx 文件。")
    @click.option("--templates-dir", type=click.Path(file_okay=False), default=None,
                  help="站点模板目录：其中的同名 .docx（如 reply.docx）优先于内置模板。")
    @click.option("--json", "as_json", is_flag=True, help="成功时输出一行 JSON。")
    @click.pass_obj
    def command(obj, input_path, out_path, templates_dir, as_json):
        data = _read_json(input_path)
        if obj is not None and isinstance(data, dict):
            data = official_names(obj.liaison, data)
        try:
            content = render_draft(kind, data, templates_dir=templates_dir)
        except DraftError as exc:
            _fail(exc.message)
        out = Path(out_path)
        if not out.parent.is_dir():
            _fail(f"输出目录不存在：{out.parent}")
        try:
            write_atomic(out, content)
        except OSError as exc:
            _fail(f"无法写入 {out}：{exc}")
        pages = estimate_pages(content)
        if as_json:
            summary = {"out": str(out), "kind": kind, "pages_estimate": pages}
            click.echo(json.dumps(summary, ensure_ascii=False))
        else:
            click.echo(f"已生成{NAMES[kind]}草稿：{out}（约 {pages} 页）")
    command.__doc__ = f"生成{what}草稿（.docx，GB/T 9704）。"
    return command


@click.group(name="draft")
def draft():
    """生成 GB/T 9704 格式的 .docx 草稿：复函、征求意见函、纪要。"""


draft.command("reply")(_command("reply", "答复委员会来文（提案、调研报告、建言献策、社情民意）的复函"))
draft.command("consultation")(_command("consultation", "就重大事项征求委员会意见的征求意见函"))
draft.command("minutes")(_command("minutes", "对口单位负责人联系会纪要"))
