"""Secret key, cookie and header settings; the panel refuses to run in production without a real key."""
from __future__ import annotations

import math
import secrets
from collections import Counter

from flask import Flask, request

# Keys seen in tutorials and sample configs: as good as none.
WEAK_KEYS = {"", "dev", "development", "secret", "secret-key", "secret_key", "changeme", "change-me",
             "change_me", "default", "test", "testing", "please-change-me", "your-secret-key", "oa-liaison"}
MIN_KEY_LENGTH = 16
MIN_KEY_DISTINCT = 8          # "aaaaaaaaaaaaaaaa" is 16 characters and no secret at all
MIN_KEY_BITS_PER_CHAR = 3.0   # by character frequency; secrets.token_hex gives about 3.9
# No script at all, styles only from our own CSS file, forms only to ourselves.
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")


class ConfigError(RuntimeError):
    """A setting that makes the panel unsafe to run; the message says what to do (in Chinese)."""


def production(app: Flask) -> bool:
    return not (app.debug or app.testing)


def key_problem(app: Flask) -> str | None:
    """Why the secret key is not fit for production, or None."""
    key = app.config.get("SECRET_KEY")
    if key is None:
        return "未设置 SECRET_KEY"
    text = key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key)
    if text.strip().lower() in WEAK_KEYS:
        return "SECRET_KEY 是默认值或示例值"
    if len(text) < MIN_KEY_LENGTH:
        return f"SECRET_KEY 太短（至少 {MIN_KEY_LENGTH} 个字符）"
    counts = Counter(text)
    bits = -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())
    if len(counts) < MIN_KEY_DISTINCT or bits < MIN_KEY_BITS_PER_CHAR:
        return f"SECRET_KEY 不够随机（至少 {MIN_KEY_DISTINCT} 种不同字符，且不能是简单重复）"
    return None


def check_production(app: Flask) -> None:
    """Raise ConfigError when the app would run in production mode with a missing or default key."""
    problem = key_problem(app) if production(app) else None
    if problem:
        raise ConfigError(
            f"{problem}，面板拒绝以生产模式启动。请设置环境变量 OA_LIAISON_SECRET_KEY（或在实例目录的 config.py 中"
            f"写 SECRET_KEY = \"…\"），取一个随机长字符串，例如：\n"
            f"  export OA_LIAISON_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')\n"
            f"仅在本机调试时可用 --debug。")


def configure(app: Flask) -> None:
    """Cookie, upload and header settings; called once by init_web."""
    app.config.pop("PASSWORD", None)  # OA_LIAISON_PASSWORD is for `users add`, not a setting to keep around
    key = app.config.get("SECRET_KEY")
    if key is not None and not isinstance(key, (str, bytes)):
        app.config["SECRET_KEY"] = str(key)  # from_prefixed_env parses an all-digit key as a number
    if not app.config.get("SECRET_KEY") and not production(app):
        app.config["SECRET_KEY"] = secrets.token_hex(32)  # tests and debugging: sessions last one process
    # Flask defines these keys itself (None, "session"): setdefault would never apply ours.
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = app.config.get("MAX_UPLOAD_BYTES")
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if app.config.get("SESSION_COOKIE_NAME") in (None, "", Flask.default_config["SESSION_COOKIE_NAME"]):
        app.config["SESSION_COOKIE_NAME"] = "oa_liaison_session"
    if app.config.get("SESSION_COOKIE_SECURE") is None:  # "auto": Secure outside debug and tests
        app.config["SESSION_COOKIE_SECURE"] = production(app)
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)  # a clerk's working day on one page
    if app.config.get("MAX_FORM_MEMORY_SIZE", 500_000) <= 500_000:
        app.config["MAX_FORM_MEMORY_SIZE"] = 2 * 1024 * 1024  # a pasted body in the rule tester

    @app.before_request
    def _no_control_characters():
        """A NUL (PostgreSQL refuses it) or another control character in the path or any field is refused, named."""
        from ..jsonfile import control_character
        from .errors import BadInput
        if request.path.startswith("/api/"):   # the API reads its body itself, through the one JSON loader
            return
        for value in (request.view_args or {}).values():   # a name in the path (a pattern's, a host's)
            bad = isinstance(value, str) and control_character(value)
            if bad:
                raise BadInput(f"网址含控制字符 {bad}（不允许 NUL 等控制字符），请检查网址。")
        for where, values in (("查询参数", request.args), ("表单字段", request.form)):
            for name, value in values.items(multi=True):
                bad = control_character(name) or control_character(value)
                if bad:
                    raise BadInput(f"{where} {control_character(name) and repr(name) or name} 含控制字符 {bad}"
                                   "（不允许 NUL 等控制字符），请删去后重新提交。")

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", CSP)
        if request.endpoint != "static":  # pages and downloads alike: nothing of the panel is kept in caches
            response.headers["Cache-Control"] = "no-store"
        return response
