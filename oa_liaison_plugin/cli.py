"""The oa-liaison command line (click); JSON outputs are a stable interface."""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import click

from .clierrors import map_input_errors
from .files import OutputError, read_input, write_atomic

EXIT_UNKNOWN = 3
EXIT_UNREADABLE = 4   # route --file / backfill DIR: a file could not be read (or was not a regular file)


def _dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=str)


class Ctx:
    """Creates the app lazily, so --help and bad arguments never touch the database."""

    def __init__(self, instance: str | None):
        self.instance = instance
        self._app = None

    @property
    def app(self):
        if self._app is None:
            from .app import create_app
            from .config import instance_path_from_env
            folder = Path(self.instance).expanduser() if self.instance else instance_path_from_env()
            try:
                folder.mkdir(parents=True, exist_ok=True)
                # exists is not enough (/proc/1): the database's lock file and hosts.key are created in it
                tempfile.TemporaryFile(dir=folder).close()
            except OSError as exc:
                raise click.ClickException(f"无法使用实例目录 {folder}：{exc.strerror or exc}"
                                           "（用 --instance 或 OA_LIAISON_INSTANCE_PATH 指定一个可写的目录）") from None
            self._app = create_app(instance_path=self.instance)
        return self._app

    @property
    def liaison(self):
        return self.app.extensions["oa_liaison"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--instance", envvar="OA_LIAISON_INSTANCE_PATH", type=click.Path(file_okay=False),
              help="实例目录（数据库、生成文件、站点 hooks/templates）；默认 ~/.local/share/oa-liaison")
@click.version_option(package_name="oa-liaison")
@click.pass_context
def main(ctx, instance):
    """oa-liaison：县级部门与县政协专门委员会对口联系（南委办〔2017〕1号）。"""
    ctx.obj = Ctx(instance)


# ------------------------------------------------------------------------------ resolve


@main.command()
@click.argument("names", nargs=-1, required=True)
@click.option("--jurisdiction", "-j", default=None, help="行政区代码（默认配置中的 JURISDICTION）")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def resolve(obj: Ctx, names, jurisdiction, as_json):
    """把发文单位名称解析为对口联系表中的单位和对口委员会。未知名称退出码为 3。"""
    with obj.app.app_context():
        try:
            resolver = obj.liaison.resolver(jurisdiction)
        except LookupError as exc:
            raise click.UsageError(str(exc)) from None
        results = [resolver.resolve(n) for n in names]
    if as_json:
        out = [r.as_json() for r in results]
        click.echo(_dump(out[0] if len(out) == 1 else out))
    else:
        for r in results:
            if r.resolved:
                via = f"（{r.parent} 下属）" if r.parent else ""
                click.echo(f"{r.input} → {r.unit}{via} → {r.committee}［{r.matched_by}］")
            else:
                hint = f"；相近：{'、'.join(r.suggestions)}" if r.suggestions else ""
                click.echo(f"{r.input} → 未知{('（' + r.error + '）') if r.error else ''}{hint}")
    sys.exit(0 if all(r.resolved for r in results) else EXIT_UNKNOWN)


# -------------------------------------------------------------------------------- table


@main.group()
def table():
    """对口联系表：导出、导入、映射名称。"""


@table.command("export")
@click.option("--jurisdiction", "-j", default=None)
@click.option("--out", "-o", type=click.Path(dir_okay=False), help="写入文件（默认标准输出）")
@click.pass_obj
def table_export(obj: Ctx, jurisdiction, out):
    """导出对口联系表（可再用 table load 导入）。"""
    from .table import file as t
    with obj.app.app_context():
        try:
            data = t.export(jurisdiction or obj.app.config["JURISDICTION"])
        except LookupError as exc:
            raise click.UsageError(str(exc)) from None
    text = _dump(data)
    if out:
        try:
            write_atomic(out, text.encode("utf-8"))
        except OutputError as exc:
            click.echo(f"错误：{exc}", err=True)
            raise SystemExit(2) from None
        except OSError as exc:
            raise click.ClickException(f"无法写入 {out}：{exc.strerror or exc}") from None
        click.echo(f"已导出 {len(data['units'])} 个单位到 {out}", err=True)
    else:
        click.echo(text)


@table.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.pass_obj
def table_load(obj: Ctx, file):
    """导入对口联系表文件（全部成功或全部不变）。"""
    from .table import file as t
    from .jsonfile import load_file
    try:
        data = load_file(file, file)   # bad JSON: the InputError mapping, exit 2 as for a table that does not validate
    except OSError as exc:
        raise click.ClickException(f"无法读取 {file}：{exc.strerror or exc}") from None
    from .audit import Actor
    from .operations import table as ops
    report: dict = {}
    try:
        with obj.liaison.work(Actor.cli()) as uow:
            code = ops.load(uow, data, report).code
    except t.TableError as exc:
        click.echo(f"{file}：{exc}", err=True)
        sys.exit(2)
    for old, new in report["renamed"]:
        click.echo(f"改名：{old} → {new}（保留原有记录）")
    if report["removed"]:
        click.echo(f"删除 {len(report['removed'])} 个单位：{'、'.join(report['removed'])}")
    from .decision.route import reroute_unmatched
    routed = reroute_unmatched(obj.liaison, code)
    click.echo(f"已导入 {file}（行政区 {code}）" + (f"；{len(routed)} 份待映射文件已分送" if routed else ""))


@main.command("import-notice")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--jurisdiction", "-j", default=None, help="行政区代码（默认配置中的 JURISDICTION；不存在时新建）")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.option("--apply", "apply_", is_flag=True, help="把解析出的表作为新版本导入（全部成功或全部不变）")
@click.pass_obj
def import_notice(obj: Ctx, file, jurisdiction, as_json, apply_):
    """从对口联系通知（.txt 或 .docx）解析对口联系表；--apply 导入。出错退出码为 2。"""
    from .table import notice
    from .table import file as t

    def fail(message: str, parsed: dict | None = None):
        if as_json:
            click.echo(_dump({**notice.public(parsed), "error": message} if parsed else {"error": message}))
        click.echo(f"{file}：{message}", err=True)
        sys.exit(2)

    try:
        raw = read_input(file, max_bytes=notice.grammar().raw["max_bytes"])
        parsed = notice.parse(notice.read_notice(raw, file))
    except (notice.NoticeError, OSError) as exc:
        fail(str(exc))
    out = notice.public(parsed)
    if apply_:
        from .audit import Actor
        from .operations import table as ops
        report: dict = {}
        code = jurisdiction or obj.app.config["JURISDICTION"]
        try:
            with obj.liaison.work(Actor.cli()) as uow:
                jur = ops.import_notice(uow, parsed, code, report)
                out["applied"] = {"jurisdiction": jur.code, "version": jur.table_version,
                                  "renamed": report.get("renamed", []), "removed": report.get("removed", [])}
        except (notice.NoticeError, t.TableError) as exc:
            fail(str(exc), parsed)
    if as_json:
        click.echo(_dump(out))
        return
    for c in out["committees"]:
        click.echo(f"{c['section'] or ''} {c['name']}：{len(c['units'])} 个单位"
                   + (f"；开放范围：{'、'.join(c['patterns'])}" if c["patterns"] else ""))
        for u in c["units"]:
            click.echo(f"  {u['name']}" + (f"（{'、'.join(u['sub_units'])}）" if u["sub_units"] else ""))
    for w in out["warnings"]:
        click.echo(f"注意：{w['where']}：{w['why']}（{w['text']}）", err=True)
    if "applied" in out:
        click.echo(f"已导入为行政区 {out['applied']['jurisdiction']} 的第 {out['applied']['version']} 版对口联系表")


@table.command("rollback")
@click.option("--jurisdiction", "-j", default=None)
@click.option("--to", "to", type=int, default=None, help="回退到第几版（默认：现行内容之前的一版；再次回退不会来回切换）")
@click.pass_obj
def table_rollback(obj: Ctx, jurisdiction, to):
    """把对口联系表回退到指定的一版（作为新版本保存，历史不删）。"""
    from .audit import Actor
    from .operations import table as ops
    try:
        with obj.liaison.work(Actor.cli()) as uow:
            jur = ops.rollback(uow, jurisdiction or obj.app.config["JURISDICTION"], to=to)
            message = f"已回退：行政区 {jur.code} 现为第 {jur.table_version} 版"
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(message)


@table.command("map")
@click.argument("name")
@click.argument("unit")
@click.option("--jurisdiction", "-j", default=None)
@click.pass_obj
def table_map(obj: Ctx, name, unit, jurisdiction):
    """把一个新名称映射到已有单位（作为别名）；因此名称暂存的文件随即分送。"""
    from .audit import Actor
    from .operations import table as ops
    from .table import file as t
    from .decision.route import reroute_unmatched
    with obj.app.app_context():
        try:
            jur = obj.liaison.jurisdiction(jurisdiction)
        except LookupError as exc:
            raise click.UsageError(str(exc)) from None
        code = jur.code
        try:
            with obj.liaison.work(Actor.cli()) as uow:
                ops.map_name(uow, jur, unit, name)
        except t.TableError as exc:
            sugg = obj.liaison.resolver(code).resolve(unit)
            hint = f"；相近：{'、'.join(sugg.suggestions)}" if sugg.suggestions and not sugg.resolved else ""
            raise click.ClickException("；".join(exc.problems) + hint) from None
    routed = reroute_unmatched(obj.liaison, code)
    click.echo(_dump({"name": name, "unit": unit, "routed": routed}))


# ------------------------------------------------------------------------- route / backfill


@main.command()
@click.option("--file", "file_", type=click.Path(exists=True, dir_okay=False),
              help="已印发的文件（OFD、PDF、.docx、.doc、.wps、.odt、.rtf，按内容识别格式）")
@click.option("--attachment", "attachments", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="附件（可多次；与正文同样读取，任一附件标有密级即整份暂存）")
@click.option("--issuer")
@click.option("--title")
@click.option("--doc-type")
@click.option("--main-recipient", "main_recipients", multiple=True)
@click.option("--secrecy")
@click.option("--major", is_flag=True, help="主办系统标记为重大事项")
@click.option("--important", is_flag=True, help="主办系统标记为重要文件")
@click.option("--npc", is_flag=True, help="提请人大常委会审议")
@click.option("--jurisdiction", "-j", default=None)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def route(obj: Ctx, file_, attachments, issuer, title, doc_type, main_recipients, secrecy, major, important, npc,
          jurisdiction, as_json):
    """试算一份文件的分送决定（不记录任何内容）；命令行参数优先于文件内容。"""
    from .errors import InputError
    from .decision.route import preview
    document = {"id": "dry-run", "issuer": issuer, "title": title, "doc_type": doc_type,
                "main_recipients": list(main_recipients), "secrecy": secrecy, "jurisdiction": jurisdiction,
                "flags": {k: True for k, v in (("major", major), ("important", important), ("npc", npc)) if v}}
    from .decision.backfill import read_regular
    for path in ([file_] if file_ else []) + list(attachments):
        try:
            data = read_regular(Path(path))
        except OSError as exc:
            click.echo(f"无法读取 {path}：{exc.strerror or exc}", err=True)
            sys.exit(EXIT_UNREADABLE)
        if path == file_:
            document["file"], document["file_name"] = data, Path(path).name
        else:
            document.setdefault("attachments", []).append({"name": Path(path).name, "data": data})
    if not file_ and not issuer:
        raise click.UsageError("请给出 --file 或 --issuer")
    with obj.app.app_context():
        try:
            p = preview(obj.liaison, {k: v for k, v in document.items() if v not in (None, [], {})})
        except (InputError, LookupError) as exc:
            raise click.UsageError(str(exc)) from None
    if as_json:
        click.echo(_dump(p))
    else:
        click.echo(("暂存：" + p["hold_reason"]) if p["held"] else
                   ("抄送：" + "、".join(p["committees"] or p["units"])) if p["qualified"] else "不抄送")
        for r in p["reasons"]:
            click.echo(f"  - {r['text']}")
    unreadable = [(file_, p["read_error"])] if p.get("read_error") else []
    unreadable += [(a["name"], a["error"]) for a in p.get("attachments", []) if a.get("error")]
    for name, error in unreadable:
        click.echo(f"无法读取 {name}：{error['message']}", err=True)
    if unreadable:
        sys.exit(EXIT_UNREADABLE)


@main.command()
@click.argument("directory", required=False, type=click.Path(exists=True, file_okay=False))
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="已记录文件中，收到日期不早于此日者")
@click.option("--apply", "apply_", is_flag=True, help="真正执行（默认只试算）")
@click.option("--issuer", help="目录中文件的发文单位（文件内无版头时）")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def backfill(obj: Ctx, directory, since, apply_, issuer, as_json):
    """用当前规则重新判断已有文件（目录中的 OFD、PDF、.docx、.doc、.wps、.odt、.rtf，或 --since 以来已记录的文件）；默认试算。
    有文件无法读取或被跳过时退出码为 4。"""
    from .decision.backfill import backfill_directory, backfill_since
    if bool(directory) == bool(since):
        raise click.UsageError("请给出目录 DIR 或 --since DATE 之一")
    with obj.app.app_context():
        if directory:
            summary = backfill_directory(obj.liaison, Path(directory), apply=apply_, issuer=issuer,
                                         progress=not as_json)
        else:
            summary = backfill_since(obj.liaison, since.date(), apply=apply_, progress=not as_json)
    click.echo(_dump(summary) if as_json else
               f"{'已执行' if apply_ else '试算'}：{summary['documents']} 份文件，{summary['changed']} 份结果将改变"
               f"{'' if apply_ else '（加 --apply 执行）'}；新增抄送 {summary['new_copies']} 份")
    trouble = summary.get("unreadable", 0) + len(summary.get("skipped", []))
    if trouble:
        if not as_json:
            click.echo(f"{summary.get('unreadable', 0)} 份文件无法读取，跳过 {len(summary.get('skipped', []))} 项（见上）", err=True)
        sys.exit(EXIT_UNREADABLE)


@main.command()
@click.pass_context
def deliver(ctx):
    """同 worker --once --json：处理一轮到期的事件、抄送和通知（持续运行请用 worker）。"""
    from .http.cli import worker as worker_command
    ctx.invoke(worker_command, once=True, max_seconds=None, nice=None, as_json=True)


# ---------------------------------------------------------------------------------- demo


@main.command()
@click.option("--out", type=click.Path(file_okay=False), help="生成文件目录（默认 实例目录/demo）")
@click.option("--serve/--no-serve", "serve_panel", default=True, show_default=True,
              help="演示后在本机启动网页面板（仅监听 127.0.0.1）")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.pass_obj
def demo(obj: Ctx, out, serve_panel, port):
    """演示：载入南部县对口联系表，经参考主办系统印发若干文件，显示每份去向和理由，生成草稿，再启动网页面板。"""
    from .demo import run_demo
    from .web import ensure_demo_users
    from .web.models import ROLES
    app = obj.app
    run_demo(app, Path(out) if out else None, echo=click.echo)
    click.echo("\n== 网页面板演示账号 ==")
    for name, password, role, scope in ensure_demo_users(app):
        click.echo(f"  {name:16s} 密码 {password:20s} {ROLES[role]}（{scope}）")
    if not serve_panel:
        return
    import secrets
    import waitress
    # A local demo: a fresh key per run, and plain-HTTP cookies because it listens on 127.0.0.1 only.
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = False
    click.echo(f"\n网页面板：http://127.0.0.1:{port}/login  （用上面的账号登录；Ctrl+C 结束）")
    waitress.serve(app, host="127.0.0.1", port=port, threads=4, ident="oa-liaison-demo")


# ------------------------------------------------------------------------------ schema


@main.group("db")
def db_group():
    """数据库结构（Alembic 迁移，随软件包发布）。"""


@db_group.command("upgrade")
@click.pass_obj
def db_upgrade(obj: Ctx):
    """把数据库升级到当前版本（启动时也会自动执行）。"""
    from .schema import current, ensure_schema, first_start_lock
    from .models import db
    with obj.app.app_context():
        with first_start_lock(db.engine):
            done = ensure_schema()
        with db.engine.connect() as conn:
            click.echo(_dump({"schema": done, "revision": current(conn)}))


@db_group.command("current")
@click.pass_obj
def db_current(obj: Ctx):
    """显示数据库当前版本和软件包的最新版本。"""
    from .schema import current, head
    from .models import db
    with obj.app.app_context(), db.engine.connect() as conn:
        click.echo(_dump({"revision": current(conn), "head": head()}))


# A feature's commands live with the feature.
from .decision.cli import documents  # noqa: E402
from .decision.consult_cli import consultations  # noqa: E402
from .documents.cli import draft  # noqa: E402
from .http.cli import deliveries, event, hosts, worker  # noqa: E402
from .meetings.cli import leaders, meetings, report, topics  # noqa: E402
from .replies.cli import remind, submissions  # noqa: E402
from .web.cli import serve, users  # noqa: E402

for command in (draft, serve, users, hosts, event, worker, deliveries, submissions, remind, meetings, leaders, topics,
                report, documents, consultations):
    main.add_command(command)
map_input_errors(main)

if __name__ == "__main__":  # pragma: no cover
    main()
