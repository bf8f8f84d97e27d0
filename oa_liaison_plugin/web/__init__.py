"""The web panel for admins and clerks: a blueprint per feature, Flask-Login sessions, CSRF on every form."""
from __future__ import annotations

from importlib import import_module
from pathlib import Path

from urllib.parse import urlencode

from flask import Flask, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.routing import IntegerConverter

HERE = Path(__file__).resolve().parent
FEATURES = ("auth", "home", "table", "notice", "rules", "tester", "unmatched", "deliveries", "inbox", "documents",
            "submissions", "consultations", "meetings", "leaders", "review", "drafts", "audit", "users", "hosts",
            "messages")
csrf = CSRFProtect()


class IdConverter(IntegerConverter):
    """<int:…> in the panel's routes: a database id, so beyond a 32-bit integer it is simply not found."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def init_web(app: Flask) -> None:
    """Register the panel on the app (call before db.create_all so the panel's tables are created)."""
    from .access import gate, login_manager, scope_label  # (and .models: the panel's tables)
    from .errors import register_errors
    from ..replies.deadlines import days_left
    from .export import export_url
    from .labels import NAV, register_filters
    from .security import configure

    configure(app)
    # A deployment's own Jinja templates (TEMPLATES_DIR/oa_liaison/…) are searched before the packaged ones.
    app.jinja_loader = ChoiceLoader([FileSystemLoader(app.config["TEMPLATES_DIR"]),
                                     FileSystemLoader(HERE / "templates")])
    app.static_folder = str(HERE / "static")
    login_manager.init_app(app)
    app.url_map.converters["int"] = IdConverter  # before the blueprints: their rules bind it
    blueprints = set()
    for name in FEATURES:
        bp = import_module(f".{name}.views", __name__).bp
        app.register_blueprint(bp)
        blueprints.add(bp.name)
    app.before_request(gate(blueprints))  # before CSRF: a stranger is sent to log in, not told about tokens
    # The hosts' API: no session, its own signature check instead of CSRF tokens (outside the gate).
    api = import_module(".api.views", __name__).bp
    csrf.exempt(api)
    app.register_blueprint(api)
    csrf.init_app(app)
    register_errors(app)
    register_filters(app)

    def nav_items():
        return [(e, label) for e, label, roles in NAV if current_user.role in roles]

    def page_url(**changes):
        # The query goes in as data, never as url_for's arguments ("endpoint", "_method", "_external" …).
        args = {k: v for k, v in {**request.args.to_dict(), **changes}.items() if v not in (None, "")}
        path = url_for(request.endpoint, **request.view_args)
        return path + ("?" + urlencode(args) if args else "")

    from .messages.views import unread_count
    app.jinja_env.globals.update(nav_items=nav_items, scope_label=scope_label, page_url=page_url,
                                 export_url=export_url, days_left=days_left, unread_messages=unread_count)


def ensure_demo_users(app: Flask) -> list[tuple[str, str, str, str]]:
    """Create one demo user per role (idempotent); returns (username, password, role, scope) to print."""
    from .users.accounts import ensure_demo_users as ensure
    return ensure(app)


__all__ = ["init_web", "ensure_demo_users", "csrf"]
