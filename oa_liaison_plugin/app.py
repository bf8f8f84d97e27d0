"""The application factory: configuration, database, plugin manager and the default table."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import select

from . import config as cfg
from .engine import tune
from .installation import record_install
from .models import Jurisdiction, db
from .plugins import get_plugin_manager
from .runtime import Liaison
from .schema import ensure_schema, first_start_lock


def create_app(test_config: dict | None = None, *, instance_path: str | Path | None = None, pm=None) -> Flask:
    """Create the app: defaults < instance ``config.py`` < ``OA_LIAISON_*`` env < ``test_config``."""
    instance = Path(instance_path).resolve() if instance_path else cfg.instance_path_from_env()
    app = Flask("oa_liaison_plugin", instance_path=str(instance), instance_relative_config=True)
    app.config.from_mapping(cfg.DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env(cfg.ENV_PREFIX)
    if test_config:
        app.config.update(test_config)
    cfg.finish(app.config, instance)
    instance.mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    with app.app_context():
        tune(db.engine, app.config)
    liaison = Liaison(app, pm or get_plugin_manager(app.config["HOOKS_DIR"]))
    app.extensions["oa_liaison"] = liaison
    from .web import init_web
    init_web(app)  # the panel's blueprints and tables (users, audit log) before the schema is made
    with app.app_context(), first_start_lock(db.engine):  # one process makes a new database; the rest wait
        ensure_schema()
        if app.config["LOAD_DEFAULT_TABLE"] and db.session.scalar(select(Jurisdiction.id).limit(1)) is None:
            from .table import file as table
            table.load(table.default_table(), trial=False)   # shipped: tried in the tests
        liaison.ensure_rules()
        record_install()
        db.session.commit()
    return app
