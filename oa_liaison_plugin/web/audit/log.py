"""The panel's actor (the logged-in user and address) for the core's audit log and units of work."""
from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_login import current_user

from ...audit import Actor


def panel_actor(user=None) -> Actor:
    """The panel user acting now (``user`` when given), with the request's address."""
    user = user if user is not None else (current_user if has_request_context() else None)
    addr = request.remote_addr if has_request_context() else None
    if user is None or not getattr(user, "is_authenticated", False):
        return Actor("（系统）", remote_addr=addr)
    return Actor.of_user(user, addr)


def work(user=None):
    """A unit of work by the panel user acting now (``user``, who is logging in): ``with work() as uow:``."""
    return current_app.extensions["oa_liaison"].work(panel_actor(user))
