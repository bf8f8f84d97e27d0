"""The panel's commands: `oa-liaison serve` (waitress) and `oa-liaison users` (add, list, passwd)."""
from __future__ import annotations

import errno
import logging
import os
import sys

import click

PASSWORD_ENV = "OA_LIAISON_PASSWORD"


def _app(obj):
    return obj.app


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="端口")
@click.option("--threads", default=None, type=click.IntRange(1, 64),
              help="waitress 工作线程数（默认与 CPU 核数相同，2–8 个：请求在 Python 中计算，多于核数只会互相等待）")
@click.option("--trusted-proxy", metavar="IP", help="前置 HTTPS 反向代理（如 nginx）的地址：信任它转来的 X-Forwarded-*")
@click.option("--debug", is_flag=True, help="本机调试：用 Flask 自带服务器，出错显示详情（切勿用于生产）")
@click.option("--with-worker", is_flag=True,
              help="在本进程内同时运行工作进程（重试、通知、每日提醒），适合小型安装；否则须另行运行 oa-liaison worker")
@click.pass_obj
def serve(obj, host, port, threads, trusted_proxy, debug, with_worker):
    """启动网页管理面板（登录页 /login）。生产模式须设置 OA_LIAISON_SECRET_KEY。"""
    from .security import ConfigError, check_production
    app = _app(obj)
    if app.testing:
        raise click.ClickException("TESTING 已开启（OA_LIAISON_TESTING 或 config.py），这是测试专用设置：会话 Cookie 不加 "
                                   "Secure、不检查密钥。面板拒绝以此设置对外服务，请去掉该设置。")
    if app.debug and not debug:
        raise click.ClickException("DEBUG 已开启（OA_LIAISON_DEBUG 或 config.py）：出错时会显示详情、会话 Cookie 不加 "
                                   "Secure。面板拒绝以此设置对外服务；请去掉该设置，或仅在本机调试时加 --debug。")
    if debug:
        click.echo("警告：调试模式（--debug）——切勿用于生产或对外网络。", err=True)
        app.debug = True
        app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = False
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = os.urandom(32).hex()  # sessions end when the debug server stops
    try:
        check_production(app)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"网页面板：http://{host}:{port}/login" + ("（调试模式）" if debug else ""), err=True)
    if debug:
        app.run(host=host, port=port, debug=True, use_reloader=False)
        return
    from .serving import checkpoint_in_background, create_server
    threads = threads or min(8, max(2, os.cpu_count() or 2))
    proxy = {}
    if trusted_proxy:  # HTTPS ends at the proxy: take the scheme and client address from its headers
        proxy = {"trusted_proxy": trusted_proxy, "trusted_proxy_count": 1,
                 "trusted_proxy_headers": "x-forwarded-for x-forwarded-proto x-forwarded-host"}
    # waitress refuses a larger body itself, before buffering it; a little over Flask's limit, so the
    # bodies just over it still get the panel's own (Chinese) 413 page.
    limit = app.config.get("MAX_CONTENT_LENGTH") or app.config["MAX_UPLOAD_BYTES"]
    if not with_worker:   # said before the port is bound: whoever sees it listening has seen the warning
        _warn_without_worker(app)
    try:
        server = create_server(app, host=host, port=port, threads=threads, ident="oa-liaison",
                               max_request_body_size=limit + 1024 * 1024, **proxy)
    except OSError as exc:
        why = "端口已被占用（另一个 serve 或其他程序在用，换一个 --port）" if exc.errno == errno.EADDRINUSE else \
            (exc.strerror or str(exc))
        raise click.ClickException(f"无法在 {host}:{port} 上监听：{why}") from None
    logging.basicConfig()   # waitress reports its queue and socket trouble through logging
    checkpoint_in_background(app)
    if with_worker:
        _worker_in_background(app)
        click.echo("工作进程：在本进程内运行（--with-worker）", err=True)
    # Said once the port is bound (waitress's own "Serving on" goes to a log nobody configured): a supervisor,
    # or a test, reading the pipe waits on this line rather than on time.
    click.echo(f"已在 http://{host}:{server.effective_port} 上监听")
    server.run()


def _worker_in_background(app) -> None:
    """The worker's loop on a daemon thread of the serving process (small installs: one process to run)."""
    import threading

    from ..http.worker import run
    threading.Thread(target=run, args=(app.extensions["oa_liaison"],), daemon=True, name="oa-liaison-worker").start()


def _warn_without_worker(app) -> None:
    """Warn when no worker has recorded a heartbeat lately: without one nothing failed is ever retried."""
    from ..http.worker import last_seen
    from ..models import db
    with app.app_context():
        seen = last_seen()
        db.session.remove()
    if seen is None or not seen.recent:
        click.echo(f"警告：最近 {app.config['WORKER_SEEN_SECONDS']:g} 秒内没有工作进程运行"
                   f"{'' if seen is None else '（最近一次 ' + seen.seen_at.isoformat(timespec='seconds') + 'Z）'}："
                   "失败的回调不会重试，通知和提醒不会发出。请另行运行 oa-liaison worker，或用 serve --with-worker。",
                   err=True)


def _password(confirm: bool = True) -> str:
    """The password from OA_LIAISON_PASSWORD, a prompt on a terminal, or the first line of stdin."""
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if sys.stdin.isatty():
        return click.prompt("密码", hide_input=True, confirmation_prompt="再输一次" if confirm else False)
    line = sys.stdin.readline()
    if not line.strip():
        raise click.UsageError(f"请从标准输入或环境变量 {PASSWORD_ENV} 提供密码（不接受命令行参数）")
    return line.rstrip("\r\n")


@click.group()
def users():
    """网页面板的用户：新增、列出、重设密码。密码从标准输入或 OA_LIAISON_PASSWORD 读取。"""


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["admin", "unit", "committee", "auditor"]),
              help="admin 管理员 / unit 单位联络员 / committee 委员会联络员 / auditor 审计员")
@click.option("--unit", help="单位联络员所属单位（按对口联系表解析，如“南部县教育局”）")
@click.option("--committee", help="委员会联络员所属委员会（如“教科文卫体委员会”）")
@click.option("--jurisdiction", "-j", default=None, help="行政区代码（默认配置中的 JURISDICTION）")
@click.pass_obj
def users_add(obj, name, role, unit, committee, jurisdiction):
    """新增用户 NAME。"""
    from ..audit import Actor
    from ..operations import users as ops
    from .users.accounts import scope_name
    password = _password()
    app = _app(obj)
    with app.app_context():
        with app.extensions["oa_liaison"].work(Actor.cli()) as uow:   # bad input: the InputError mapping (exit 2)
            user = ops.add(uow, username=name, password=password, role=role, unit=unit, committee=committee,
                           jurisdiction=jurisdiction, note="oa-liaison users add")
        scope = scope_name(user)
        label = user.role_label
    click.echo(f"已新增用户 {name}（{label}{'，' + scope if scope else ''}）")


@users.command("list")
@click.pass_obj
def users_list(obj):
    """列出全部用户。"""
    from sqlalchemy import select

    from ..models import db
    from .models import User
    from .users.accounts import scope_name
    app = _app(obj)
    with app.app_context():
        for u in db.session.scalars(select(User).order_by(User.username)):
            click.echo(f"{u.username}\t{u.role}\t{scope_name(u) or '-'}\t{'启用' if u.active else '停用'}")


@users.command("passwd")
@click.argument("name")
@click.pass_obj
def users_passwd(obj, name):
    """重设用户 NAME 的密码（其已登录的会话随即失效）。"""
    from ..audit import Actor
    from ..operations import users as ops
    password = _password()
    app = _app(obj)
    with app.app_context(), app.extensions["oa_liaison"].work(Actor.cli()) as uow:
        ops.reset_password(uow, name, password, note="oa-liaison users passwd")
    click.echo(f"已重设 {name} 的密码")
