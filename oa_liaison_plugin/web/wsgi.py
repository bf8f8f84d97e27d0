"""WSGI entry for production: `gunicorn 'oa_liaison_plugin.web.wsgi:create()'` (refuses a weak secret key)."""
from __future__ import annotations


def create():
    """The app, configured from the instance folder and OA_LIAISON_* variables, checked for production."""
    from ..app import create_app
    from .security import check_production
    app = create_app()
    check_production(app)
    return app
