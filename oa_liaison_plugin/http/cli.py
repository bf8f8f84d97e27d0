"""Commands for hosts over HTTP: `hosts add|rotate|update|test|list|remove`, `event TYPE`, `worker`, and
`deliveries` (the copies and notifications not delivered; redelivering a dead one)."""
from __future__ import annotations

import base64
import json
import os
import signal
import time
import uuid

import click

from ..clitypes import SECONDS, Finite
from .ping import said


def _dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=str)


@click.group()
def hosts():
    """经 HTTP 接入的主办系统（主机）：登记、轮换密钥、列出、删除。"""


@hosts.command("add")
@click.argument("name")
@click.option("--jurisdiction", "-j", required=True, help="行政区代码（此主机只能发送该行政区的事件）")
@click.option("--callback-url", help="抄送和通知回调地址（http(s)）")
@click.option("--allow-origin", "allow_origins", multiple=True, help="允许下载 file_url 的来源，如 https://oa.example.cn")
@click.option("--require-file/--no-require-file", default=None,
              help="未附正文文件的发文暂存待人工核对（默认按设置 REQUIRE_FILE）")
@click.option("--decisions/--no-decisions", default=False,
              help="向回调地址发送每份发文的决定（liaison.decision：分送、不抄送、暂存及原因）")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def hosts_add(obj, name, jurisdiction, callback_url, allow_origins, require_file, decisions, as_json):
    """登记主机 NAME，并只显示这一次签名密钥（whsec_…）。"""
    from ..audit import Actor
    from ..operations import hosts as ops
    with obj.liaison.work(Actor.cli()) as uow:   # bad input: the command's InputError mapping (exit 2)
        secret = ops.add(uow, name, jurisdiction, callback_url=callback_url, allow_origins=allow_origins,
                         require_file=require_file, decisions=decisions)
    answer = _ping(obj, name)
    if as_json:
        click.echo(_dump({"name": name, "secret": secret, **({"ping": answer} if answer else {})}))
    else:
        click.echo(f"已登记主机 {name}（行政区 {jurisdiction}）。签名密钥只显示这一次，请妥善交给对方系统：\n{secret}"
                   + said(answer))


def _ping(obj, name: str) -> dict | None:
    """Ping the host's callback URL after the change is committed (an unreachable URL is only a warning)."""
    from ..models import db
    from .ping import ping
    with obj.app.app_context():
        try:
            return ping(obj.app.config, name)
        finally:
            db.session.remove()


@hosts.command("rotate")
@click.argument("name")
@click.option("--overlap-hours", default=24.0, show_default=True, type=Finite(0, 24 * 30),
              help="旧密钥继续有效的小时数")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def hosts_rotate(obj, name, overlap_hours, as_json):
    """给主机 NAME 换新密钥；旧密钥在重叠期内仍被接受。"""
    from ..audit import Actor
    from ..operations import hosts as ops
    from . import hosts as h
    try:
        with obj.liaison.work(Actor.cli()) as uow:
            secret = ops.rotate(uow, name, overlap_hours=overlap_hours)
    except h.UnknownHost as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(_dump({"name": name, "secret": secret, "old_valid_hours": overlap_hours}))
    else:
        click.echo(f"主机 {name} 的新密钥（只显示这一次；旧密钥 {overlap_hours:g} 小时内仍有效）：\n{secret}")


@hosts.command("update")
@click.argument("name")
@click.option("--require-file", "require_file", flag_value="yes", help="未附正文文件的发文暂存待人工核对")
@click.option("--no-require-file", "require_file", flag_value="no", help="未附正文文件的发文按主办系统的密级标注判断")
@click.option("--default-require-file", "require_file", flag_value="default", help="按设置 REQUIRE_FILE")
@click.option("--callback-url", default=None, help="新的抄送和通知回调地址（http(s)；空字符串：不再回调）")
@click.option("--decisions/--no-decisions", default=None,
              help="是否向回调地址发送每份发文的决定（liaison.decision）")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def hosts_update(obj, name, require_file, callback_url, decisions, as_json):
    """修改主机 NAME 的设置。"""
    from ..audit import Actor
    from ..operations import hosts as ops
    from . import hosts as h
    if require_file is None and callback_url is None and decisions is None:
        raise click.UsageError("请给出 --require-file、--no-require-file、--default-require-file、--callback-url、"
                               "--decisions 或 --no-decisions")
    value = {"yes": True, "no": False, "default": None}.get(require_file)
    try:
        with obj.liaison.work(Actor.cli()) as uow:
            if callback_url is not None:
                out = ops.set_callback_url(uow, name, callback_url.strip())
            if require_file is not None:
                out = ops.set_require_file(uow, name, value)
            if decisions is not None:
                out = ops.set_decisions(uow, name, decisions)
    except h.UnknownHost as exc:
        raise click.ClickException(str(exc)) from None
    words = [f"回调地址 {out['callback_url'] or '（无）'}"] if callback_url is not None else []
    if require_file is not None:
        words.append("未附正文文件时" + ('暂存待人工核对' if value else '按主办系统的密级标注判断' if value is False
                                  else '按设置 REQUIRE_FILE'))
    if decisions is not None:
        words.append("发送决定回调（liaison.decision）" if decisions else "不发送决定回调")
    answer = _ping(obj, name)
    click.echo(_dump({**out, **({"ping": answer} if answer else {})}) if as_json else
               f"已修改主机 {name}：{'；'.join(words)}" + said(answer))


@hosts.command("test")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def hosts_test(obj, name, as_json):
    """向主机 NAME 的回调地址发送一份测试抄送（liaison.copy，带 "test": true），并显示应答。"""
    from ..models import db
    from . import hosts as h
    from .ping import test_copy
    with obj.app.app_context():
        try:
            if h.get(name) is None:
                raise click.ClickException(f"未知主机：{name}")
            answer = test_copy(obj.app.config, name)
        finally:
            db.session.remove()
    if answer is None:
        raise click.ClickException(f"主机 {name} 没有回调地址，无法发送测试事件")
    click.echo(_dump({"name": name, "test": answer}) if as_json else
               (f"测试抄送已送达：{answer['answer']}（{answer['seconds']:g} 秒）" if answer["ok"] else
                f"测试抄送未成功：{answer['error']}"))
    if not answer["ok"]:
        raise SystemExit(1)


@hosts.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def hosts_list(obj, as_json):
    """列出主机（不显示密钥）。"""
    from sqlalchemy import select
    from ..models import HttpHost, db
    from . import hosts as h
    with obj.app.app_context():
        rows = [h.describe(x) for x in db.session.scalars(select(HttpHost).order_by(HttpHost.name))]
    _rows(rows, as_json, lambda r: f"{r['name']}  行政区 {r['jurisdiction']}  回调 {r['callback_url'] or '（无）'}  "
          f"文件来源 {'、'.join(r['allow_origins']) or '（无）'}  决定回调 {'发送' if r['decisions'] else '不发送'}  "
          f"有效密钥 {len(r['secrets'])} 个")


def _rows(rows: list, as_json: bool, line) -> None:
    """A listing: the rows as JSON, or one line of text each."""
    if as_json:
        click.echo(_dump(rows))
        return
    for r in rows:
        click.echo(line(r))


@hosts.command("remove")
@click.argument("name")
@click.pass_obj
def hosts_remove(obj, name):
    """删除主机 NAME（其密钥随即失效）。"""
    from ..audit import Actor
    from ..operations import hosts as ops
    from . import hosts as h
    try:
        with obj.liaison.work(Actor.cli()) as uow:
            ops.remove(uow, name)
    except h.UnknownHost as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"已删除主机 {name}")


@click.command()
@click.argument("type_", metavar="TYPE", type=click.Choice(["document.issued", "submission.received",
                                                            "meeting.scheduled"]))
@click.option("--input", "input_", required=True, type=click.Path(exists=True, dir_okay=False),
              help="CloudEvent JSON，或只是事件的 data 对象")
@click.option("--file", "file_", type=click.Path(exists=True, dir_okay=False), help="文件 .docx（作为 file_base64）")
@click.option("--jurisdiction", "-j", default=None, help="行政区代码（默认配置中的 JURISDICTION）")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def event(obj, type_, input_, file_, jurisdiction, as_json):
    """像 HTTP 接口一样输入一个事件：记入收件箱（同一来源+编号只处理一次），随即处理。"""
    from ..models import db
    from . import inbox
    from ..errors import InputError
    from ..files import read_input
    from ..jsonfile import load_file
    from .envelope import ApiError, check_data, parse, refused
    try:
        given = load_file(input_, f"{input_} ", max_bytes=int(obj.app.config["API_MAX_BODY_BYTES"]))
        file_b64 = base64.b64encode(read_input(file_, max_bytes=int(obj.app.config["MAX_UPLOAD_BYTES"]))).decode() \
            if file_ else None
    except OSError as exc:
        raise click.ClickException(f"无法读取：{exc}") from None
    except InputError as exc:   # answered as the endpoint would answer it
        click.echo(json.dumps(refused(exc).body(), ensure_ascii=False) if as_json else f"错误：{exc}", err=not as_json)
        raise SystemExit(2) from None
    if isinstance(given, dict) and "specversion" not in given:  # just the data: wrap it as the endpoint sees it
        given = {"specversion": "1.0", "id": str(given.get("id") or uuid.uuid4()), "source": "/oa-liaison/cli",
                 "type": type_, "datacontenttype": "application/json", "data": given}
    if isinstance(given, dict) and given.get("type") not in (None, type_):
        raise click.ClickException(f"{input_}：事件类型 {given.get('type')} 与命令行的 {type_} 不符")
    if file_ and isinstance(given, dict) and isinstance(given.get("data"), dict):
        given["data"]["file_base64"] = file_b64
    body = json.dumps(given, ensure_ascii=False)
    liaison = obj.liaison
    with obj.app.app_context():
        code = jurisdiction or obj.app.config["JURISDICTION"]
        try:
            ev = parse(body.encode("utf-8"))
            check_data(ev, code)
            row_id, duplicate = inbox.record(inbox.CLI_SENDER, ev, code, body)
        except ApiError as exc:
            out = exc.body()
            click.echo(_dump(out) if as_json else f"{exc}", err=not as_json)
            raise SystemExit(2)
    inbox.process(liaison, row_id)
    with obj.app.app_context():
        out = {**inbox.status_of(row_id), "duplicate": duplicate}
        db.session.remove()
    click.echo(_dump(out) if as_json else f"事件 {out['id']}：{out['status']}" + ("（重复，未再处理）" if duplicate else ""))


@click.command()
@click.option("--once", is_flag=True, help="只处理一轮到期的事件、抄送和通知")
@click.option("--max-seconds", type=SECONDS, default=None, help="运行这么多秒后退出")
@click.option("--nice", type=click.IntRange(0, 19), default=None,
              help="降低本进程的 CPU 优先级（默认取配置 WORKER_NICE=10）：主机等待的 202 应答优先")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def worker(obj, once, max_seconds, nice, as_json):
    """后台工作进程：事件收件箱、抄送投递、通知和每日到期提醒，直到停止（Ctrl+C 或 SIGTERM）；可同时运行多个。"""
    from .worker import run
    lower = obj.app.config["WORKER_NICE"] if nice is None else nice
    if lower and hasattr(os, "nice"):
        # Background work waits; a host's request does not: on a small server the 202s get the CPU first.
        os.nice(int(lower))
    stop = {"now": False}

    def _stop(*_):
        stop["now"] = True
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    started = time.monotonic()
    total = run(obj.liaison, once=once, max_seconds=max_seconds, stopped=lambda: stop["now"])
    total["seconds"] = round(time.monotonic() - started, 1)
    total["nice"] = os.nice(0) if hasattr(os, "nice") else 0
    click.echo(_dump(total) if as_json else
               f"已处理事件 {total['events']}，投递抄送 {total['delivered']}，通知 {total['notifications']}；"
               f"失败待重试：事件 {total['events_failed']}，抄送 {total['failed']}，通知 {total['notifications_failed']}")


STATUS_TEXT = {"pending": "待重试", "dead": "已放弃"}


@click.group(invoke_without_command=True)
@click.option("--dead", is_flag=True, help="只列出已放弃的（超过重试期限 DELIVERY_GIVE_UP_SECONDS 仍未送达）")
@click.option("--jurisdiction", "-j", default=None, help="只列出这个行政区的")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def deliveries(ctx, dead, jurisdiction, as_json):
    """未送达的抄送和通知（--dead：已放弃的）；deliveries redeliver ID 重新投递已放弃的一条。"""
    if ctx.invoked_subcommand is not None:
        return
    from sqlalchemy import select
    from .. import deadletters
    from ..models import Jurisdiction, db
    with ctx.obj.app.app_context():
        if jurisdiction and db.session.scalar(select(Jurisdiction.id).where(Jurisdiction.code == jurisdiction)) is None:
            raise click.BadParameter(f"未知行政区：{jurisdiction}", param_hint="--jurisdiction")
        rows = deadletters.listed(dead_only=dead, jurisdiction=jurisdiction)
        db.session.remove()
    _rows(rows, as_json, lambda r: f"{r['id']}  {STATUS_TEXT.get(r['status'], r['status'])}  {r['recipient'] or ''}"
          f"  {r['title'] or ''}  已尝试 {r['attempts']} 次  {(r['last_error'] or '')[:80]}")
    if not as_json:
        click.echo(f"共 {len(rows)} 条" + ("已放弃的投递" if dead else "未送达的投递"))


@deliveries.command("redeliver")
@click.argument("id")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def deliveries_redeliver(obj, id, as_json):
    """重新投递一条已放弃的抄送或通知（ID 如 copy-12、notification-3），随即投递一次；记入审计日志。"""
    from .. import deadletters
    from ..audit import Actor
    from ..lease import try_one
    from ..models import db
    from ..operations import deliveries as ops
    with obj.liaison.work(Actor.cli()) as uow:   # bad input (unknown, not dead): exit 2
        kind, row_id = ops.redeliver(uow, id)
    try_one(obj.liaison, deadletters.ledger(kind), row_id)
    with obj.app.app_context():
        out = {**deadletters.describe(*deadletters.find(f"{kind}-{row_id}")), "redelivered": True}
        db.session.remove()
    click.echo(_dump(out) if as_json else f"已重新投递 {out['id']}：" + (
        "已送达" if out["status"] == "delivered" else f"仍未送达，将按重试计划再试（{(out['last_error'] or '')[:120]}）"))
