"""Hosts connected over HTTP: add, rotate a secret, change a setting, remove — each audited."""
from __future__ import annotations

from ..http import hosts
from ..models import db


def add(uow, name: str, jurisdiction: str, *, callback_url: str | None = None,
        allow_origins: tuple[str, ...] = (), require_file: bool | None = None, decisions: bool = False) -> str:
    """Connect a host; its first secret (whsec_…), to be shown once."""
    host, secret = hosts.add(uow.liaison.config, name, jurisdiction, callback_url=callback_url,
                             allow_origins=allow_origins, require_file=require_file, decisions=decisions)
    db.session.flush()
    uow.audit("host.create", host.name, None, hosts.describe(host), jurisdiction_id=host.jurisdiction_id)
    uow.after_commit(hosts.forget_signers)
    return secret


def rotate(uow, name: str, *, overlap_hours: float = 24) -> str:
    """A new secret; the current ones stay valid ``overlap_hours``."""
    secret = hosts.rotate(uow.liaison.config, name, overlap_hours=overlap_hours)
    host = hosts.get(name)
    uow.audit("host.rotate", name, None, {"old_valid_hours": overlap_hours}, jurisdiction_id=host.jurisdiction_id)
    uow.after_commit(hosts.forget_signers)
    return secret


def set_require_file(uow, name: str, value: bool | None, *, version=None) -> dict:
    """Whether the host's documents without a file are held (None: the REQUIRE_FILE setting); the host after.
    A ``version`` other than the row's raises versions.Stale."""
    host = hosts.get(name)
    before = hosts.describe(host) if host is not None else None
    host = hosts.set_require_file(name, value, version=version)
    after = hosts.describe(host)
    uow.audit("host.update", name, before, after, jurisdiction_id=host.jurisdiction_id)
    return after


def set_callback_url(uow, name: str, url: str | None) -> dict:
    """Change the host's callback URL (empty: none); the host after."""
    host = hosts.get(name)
    before = hosts.describe(host) if host is not None else None
    after = hosts.describe(hosts.set_callback_url(name, url))
    uow.audit("host.update", name, before, after, jurisdiction_id=host.jurisdiction_id)
    uow.after_commit(hosts.forget_signers)
    return after


def set_decisions(uow, name: str, value: bool, *, version=None) -> dict:
    """Whether the host receives liaison.decision callbacks; the host after. A stale ``version`` raises Stale."""
    host = hosts.get(name)
    before = hosts.describe(host) if host is not None else None
    after = hosts.describe(hosts.set_decisions(name, value, version=version))
    uow.audit("host.update", name, before, after, jurisdiction_id=host.jurisdiction_id)
    # Again after the commit: a decision made meanwhile may have cached the subscriber as it was.
    uow.after_commit(hosts.forget_signers)
    return after


def remove(uow, name: str) -> None:
    """Disconnect a host: its secrets stop at once, in this process's cache too."""
    host = hosts.get(name)
    if host is not None:
        uow.audit("host.delete", name, hosts.describe(host), None, jurisdiction_id=host.jurisdiction_id)
    hosts.remove(name)
    # Again after the commit: a request served meanwhile may have cached the host as it was.
    uow.after_commit(hosts.forget_signers)
