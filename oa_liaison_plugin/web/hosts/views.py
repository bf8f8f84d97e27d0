"""Hosts connected over HTTP: list, connect (the secret shown once), rotate a secret, remove."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, session, url_for
from sqlalchemy import select

from ...errors import InputError
from ...http import hosts
from ...http.sealing import seal, unseal
from ...http import lanes
from ...models import HttpCall, HttpHost, db
from ...operations import hosts as ops
from ..access import allow, jurisdiction
from ..audit.log import work
from ..confirm import ask, confirmed
from ..conflict import conflict_on_stale
from ..forms import input_error, status
from .forms import REQUIRE_FILE_CHOICES, REQUIRE_FILE_VALUES, DecisionsForm, NewHostForm, RequireFileForm

bp = Blueprint("hosts", __name__, url_prefix="/hosts")


def _mine(name: str) -> HttpHost:
    host = hosts.get(name)
    if host is None or host.jurisdiction_id != jurisdiction().id:
        abort(404)
    return host


@bp.route("")
@allow("admin", "auditor")
def index():
    """The jurisdiction's hosts, without their secrets."""
    rows = db.session.scalars(select(HttpHost).where(HttpHost.jurisdiction_id == jurisdiction().id)
                              .order_by(HttpHost.name)).all()
    return render_template("oa_liaison/hosts/index.html", hosts=[{**hosts.describe(h), "version": h.version}
                                                                 for h in rows],
                           require_file_choices=REQUIRE_FILE_CHOICES)


@bp.route("/new", methods=["GET", "POST"])
@allow("admin")
def new():
    """Connect a host; its secret is shown once, on the answer page."""
    form = NewHostForm()
    if form.validate_on_submit():
        origins = tuple(o.strip() for o in (form.allow_origins.data or "").splitlines() if o.strip())
        name = form.name.data.strip()
        try:
            with work() as uow:
                secret = ops.add(uow, name, jurisdiction().code,
                                 callback_url=(form.callback_url.data or "").strip() or None, allow_origins=origins,
                                 require_file=REQUIRE_FILE_VALUES.get(form.require_file.data),
                                 decisions=bool(form.decisions.data))
        except InputError as exc:
            input_error(form, exc)
        else:
            return _show_once(name, secret, rotated=False)
    return render_template("oa_liaison/hosts/form.html", form=form), status(form)


@bp.post("/<host_name>/rotate")
@allow("admin")
def rotate(host_name: str):
    """A new secret, after a confirmation page (the host must switch to it); the old one keeps working for 24
    hours."""
    host = _mine(host_name)
    if not confirmed():
        return ask("确认轮换密钥", f"即将为接入主机“{host.name}”生成新的密钥（只显示一次）。旧密钥 24 小时后失效："
                   "在此之前须把新密钥交给主办系统的管理员换上，否则它发来的事件将被拒收，它也无法再验证回调。",
                   [("主机", host.name), ("回调地址", host.callback_url or "—")], f"确认轮换“{host.name}”的密钥",
                   url_for(".index"))
    with work() as uow:
        secret = ops.rotate(uow, host.name)
    return _show_once(host_name, secret, rotated=True)


def _show_once(name: str, secret: str, *, rotated: bool):
    # Post/redirect/get: refreshing the page that shows the secret never makes (or rotates) another one.
    # The session cookie carries it sealed with the hosts' key, and only until that page has shown it.
    session["host_secret"] = {"name": name, "sealed": seal(current_app.config, secret.encode()), "rotated": rotated}
    return redirect(url_for(".secret", host_name=name))


@bp.get("/<host_name>/secret")
@allow("admin")
def secret(host_name: str):
    """The secret just made or rotated, shown once; afterwards this page only says it is gone."""
    given = session.pop("host_secret", None)
    if not isinstance(given, dict) or given.get("name") != host_name:
        flash("密钥只显示一次，现已不再显示；如未记下，请再轮换一次。", "warning")
        return redirect(url_for(".index"))
    return render_template("oa_liaison/hosts/secret.html", name=host_name,
                           secret=unseal(current_app.config, given["sealed"]).decode(), rotated=given["rotated"])


@bp.post("/<host_name>/require-file")
@allow("admin")
def require_file(host_name: str):
    """Whether the host's documents without a file are held for a person (None: the REQUIRE_FILE setting)."""
    return _save_setting(host_name, RequireFileForm(), lambda form: REQUIRE_FILE_VALUES[form.require_file.data],
                         lambda host: host.require_file, _setting, ops.set_require_file,
                         "未附正文文件时的处理", "请选择未附正文文件时的处理方式。")


DECISIONS_WORDS = {True: "发送", False: "不发送"}


@bp.post("/<host_name>/decisions")
@allow("admin")
def decisions(host_name: str):
    """Whether the host receives liaison.decision callbacks (why each document was, or was not, copied)."""
    return _save_setting(host_name, DecisionsForm(), lambda form: form.decisions.data == "yes",
                         lambda host: host.decisions, lambda v: {"decisions": DECISIONS_WORDS[v]}, ops.set_decisions,
                         "决定回调", "请选择是否发送决定回调。")


def _save_setting(host_name: str, form, value_of, current, shown, save, what: str, missing: str):
    """One setting of a host saved from its row of the list, refused as a conflict when the row changed since."""
    host = _mine(host_name)
    if form.validate_on_submit():
        value = value_of(form)
        with conflict_on_stale(f"接入主机“{host.name}”", lambda: shown(current(_mine(host_name))), shown(value),
                               url_for(".index"), form), work() as uow:
            save(uow, host.name, value, version=form.version.data)
        flash(f"已修改主机“{host_name}”的{what}。", "success")
    else:
        flash(missing, "error")
    return redirect(url_for(".index"))


def _setting(value: bool | None) -> dict:
    """The host's setting as its form shows it (for the conflict page)."""
    return {"require_file": dict(REQUIRE_FILE_CHOICES)[{None: "", True: "yes", False: "no"}[value]]}


@bp.post("/<host_name>/remove")
@allow("admin")
def remove(host_name: str):
    """Disconnect a host: its secrets stop working at once (every serving process checks the database)."""
    host = _mine(host_name)
    if not confirmed():
        return ask("确认删除接入主机", f"即将删除接入主机“{host.name}”：它的密钥立即失效，它再发来的文件和事件都会被拒收。",
                   [("主机", host.name), ("回调地址", host.callback_url or "—")], f"确认删除“{host.name}”",
                   url_for(".index"))
    with work() as uow:
        ops.remove(uow, host_name)
    flash(f"已删除接入主机“{host_name}”，其密钥立即失效。", "success")
    return redirect(url_for(".index"))


@bp.get("/<host_name>")
@allow("admin", "auditor")
def detail(host_name: str):
    """One host: its settings and its delivery log (the last HOST_CALL_LOG_SIZE calls to its callback URL)."""
    host = _mine(host_name)
    calls = db.session.scalars(select(HttpCall).where(HttpCall.host_id == host.id).order_by(HttpCall.id.desc())
                               .limit(int(current_app.config["HOST_CALL_LOG_SIZE"]))).all()
    return render_template("oa_liaison/hosts/detail.html", host=hosts.describe(host), calls=calls,
                           county=host.jurisdiction.name)


@bp.post("/<host_name>/test")
@allow("admin")
def send_test(host_name: str):
    """发送测试事件: a test copy to the host's callback URL, sent on the jurisdiction's lane (never this thread)."""
    host = _mine(host_name)
    if not host.callback_url:
        flash("这个主机没有回调地址，无法发送测试事件。", "warning")
        return redirect(url_for(".detail", host_name=host_name))
    with work() as uow:
        uow.audit("host.test", host.name, None, {"callback_url": host.callback_url},
                  jurisdiction_id=host.jurisdiction_id)
    liaison = current_app.extensions["oa_liaison"]
    lanes.submit(liaison, jurisdiction().code, _send_test, liaison, host.name)
    flash("测试事件已交给后台发送，结果见下方投递记录（刷新查看）。", "success")
    return redirect(url_for(".detail", host_name=host_name))


def _send_test(liaison, name: str) -> None:
    from ...http.ping import test_copy
    with liaison.context():
        try:
            test_copy(liaison.config, name)
        finally:
            db.session.remove()
