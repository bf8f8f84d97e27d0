"""The confirmation step before a destructive or outward action, on the server (the panel's CSP blocks confirm())."""
from __future__ import annotations

from flask import render_template, request


def confirmed() -> bool:
    """Whether this POST comes from the confirmation page's 确认 button."""
    return request.form.get("confirmed") == "1"


def ask(heading: str, warning: str, facts: list[tuple[str, str]], button: str, back: str,
        fields: dict | None = None):
    """The confirmation page: what will happen, then a POST to the same address with ``fields`` and confirmed=1."""
    return render_template("oa_liaison/confirm.html", heading=heading, warning=warning, facts=facts, button=button,
                           back=back, action=request.path, fields=fields or {})
