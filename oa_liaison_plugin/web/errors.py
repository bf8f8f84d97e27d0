"""Error pages in Chinese for 400/403/404/405/413/500 (JSON for clients that ask for it)."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError

from ..models import db

PAGES = {
    400: ("请求有误", "提交的内容不完整或格式不对，请返回上一页检查后重试。"),
    403: ("无权访问", "您的账号没有权限查看或修改此内容。如确需办理，请联系本县管理员。"),
    404: ("页面不存在", "您要找的内容不存在，或不在您的办理范围内。"),
    405: ("操作方式不对", "此页面不支持这种操作。请从菜单或页面上的按钮进入。"),
    413: ("文件太大", "上传的文件超过了允许的大小（{limit}）。请压缩或拆分后再上传。"),
    500: ("系统出错", "服务器处理时出错，已记录。请稍后重试；如仍出错，请联系系统管理员。"),
}
# The API's own answer to an HTTP error (data/api_errors.json): a host's engineer reads it, not a clerk at the panel.
API_CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 413: "too_large",
             500: "internal_error"}


class BadInput(BadRequest):
    """A 400 whose Chinese description is shown as it is (e.g. the field with a control character)."""


CSRF_MESSAGE = "页面已过期或来源不明（安全校验未通过）。请刷新页面后重新提交。"


def _size(n) -> str:
    if not n:
        return "上限"
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def _page(code: int, message: str | None = None):
    title, default = PAGES.get(code, ("出错了", "请求未能完成。"))
    from flask import current_app
    text = (message or default).format(limit=_size(current_app.config.get("MAX_CONTENT_LENGTH")))
    if request.path.startswith("/api/"):  # the hosts' API answers {"error": CODE, "message"} only
        from ..http.envelope import ApiError
        error = ApiError(API_CODES.get(code, "bad_request" if code < 500 else "internal_error"),
                         message if message is not None else None)
        if code == 413 and message is None:
            error = ApiError("too_large", f"{error}（上限 {_size(current_app.config.get('MAX_CONTENT_LENGTH'))}）")
        return jsonify(error.body()), code
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error=title, message=text), code
    try:
        return render_template("oa_liaison/error.html", code=code, title=title, message=text), code
    except Exception:  # the error page must not fail in its turn (e.g. the database is down)
        return f"{code} {title}：{text}", code, {"Content-Type": "text/plain; charset=utf-8"}


def register_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return _page(400, CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code in (301, 302, 303, 307, 308) or exc.code is None:
            return exc
        if exc.code >= 500:
            db.session.rollback()
        if isinstance(exc, BadInput):
            return _page(exc.code, exc.description.replace("{", "{{").replace("}", "}}"))
        return _page(exc.code)

    @app.errorhandler(Exception)
    def _unexpected(exc):
        if isinstance(exc, HTTPException):
            return _http(exc)
        app.logger.exception("未处理的错误：%s", request.path)
        db.session.rollback()
        return _page(500)

    @app.errorhandler(InternalServerError)
    def _500(exc):
        db.session.rollback()
        return _page(500)
