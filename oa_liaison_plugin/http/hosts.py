"""Hosts connected over HTTP: add, rotate a secret (with an overlap), list, remove; their live secrets."""
from __future__ import annotations

import datetime as dt
import time

from dataclasses import dataclass

from sqlalchemy import bindparam, or_, select

from ..errors import InputError
from ..inputs import parse
from ..inputs.hosts import NAME, CallbackUrlInput, HostInput, origin  # noqa: F401  (NAME, origin: used from here)
from ..models import HostSecret, HttpHost, Jurisdiction, db, utcnow
from ..versions import claim
from .sealing import seal, unseal
from .signing import as_whsec, new_secret


class UnknownHost(LookupError):
    """No host of that name (a refusal, not bad input: the command exits 1)."""


def get(name: str) -> HttpHost | None:
    return db.session.scalar(select(HttpHost).where(HttpHost.name == name))


def add(config, name: str, jurisdiction: str, *, callback_url: str | None = None,
        allow_origins: tuple[str, ...] = (), require_file: bool | None = None,
        decisions: bool = False) -> tuple[HttpHost, str]:
    """A new host and its first secret in whsec_ form (shown once); caller commits."""
    given = parse(HostInput, {"name": name or "", "jurisdiction": jurisdiction, "callback_url": callback_url,
                              "allow_origin": allow_origins, "require_file": require_file, "decisions": decisions})
    if get(name) is not None:
        raise InputError("name", f"主机“{name}”已存在")
    jur = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == jurisdiction))
    if jur is None:
        raise InputError("jurisdiction", f"未知行政区：{jurisdiction}")
    if given.callback_url:
        _check_callback_url(given.callback_url, jur)
    origins = given.allow_origin
    host = HttpHost(name=name, jurisdiction_id=jur.id, callback_url=callback_url or None,
                    allow_origins=sorted(set(origins)), require_file=require_file, decisions=bool(decisions))
    secret = new_secret()
    host.secrets.append(HostSecret(sealed=seal(config, secret)))
    db.session.add(host)
    forget_signers()
    return host, as_whsec(secret)


def _check_callback_url(url: str, jur: Jurisdiction, host_id: int | None = None) -> None:
    """A callback URL must be http(s), fit its column (the input model), and be its jurisdiction's only one."""
    parse(CallbackUrlInput, {"callback_url": url})
    other = db.session.scalar(select(HttpHost.name).where(HttpHost.jurisdiction_id == jur.id,
                                                            HttpHost.callback_url.is_not(None), HttpHost.id != host_id))
    if other:
        raise InputError("callback_url", f"行政区 {jur.code} 已有回调主机“{other}”（每个行政区的抄送只投递到一个主机）")


def set_callback_url(name: str, url: str | None) -> HttpHost:
    """Change (or, empty, remove) the host's callback URL; caller commits."""
    host = get(name)
    if host is None:
        raise UnknownHost(f"未知主机：{name}")
    if url:
        _check_callback_url(url, host.jurisdiction, host.id)
    host.callback_url = url or None
    host.version += 1
    forget_signers()   # the decision subscriber of its jurisdiction may have changed
    return host


def rotate(config, name: str, *, overlap_hours: float = 24) -> str:
    """A new secret; the current one stays valid for ``overlap_hours``; caller commits.

    An older secret keeps the overlap an earlier rotation gave it (the host may not have switched yet), unless
    ``overlap_hours`` is 0: that ends every older secret now, as for a leaked one."""
    host = get(name)
    if host is None:
        raise UnknownHost(f"未知主机：{name}")
    until = utcnow() + dt.timedelta(hours=overlap_hours)
    for s in host.secrets:
        if s.expires_at is None or (overlap_hours <= 0 and s.expires_at > until):
            s.expires_at = until
    secret = new_secret()
    host.secrets.append(HostSecret(sealed=seal(config, secret)))
    forget_signers()
    return as_whsec(secret)


def remove(name: str) -> None:
    host = get(name)
    if host is None:
        raise UnknownHost(f"未知主机：{name}")
    db.session.delete(host)
    forget_signers()


def live_secrets(config, host: HttpHost) -> list[bytes]:
    """The secrets accepted now, newest first."""
    now = utcnow()
    rows = [s for s in host.secrets if s.expires_at is None or s.expires_at > now]
    return [opened(config, s.sealed) for s in sorted(rows, key=lambda s: s.id, reverse=True)]


_opened: dict[str, bytes] = {}   # sealed text -> secret: opening is cheap, but not free on every request


def opened(config, sealed: str) -> bytes:
    """A sealed secret's plaintext, opened once per process (every callback and request is signed with it)."""
    secret = _opened.get(sealed)
    if secret is None:
        secret = _opened[sealed] = unseal(config, sealed)
    return secret


@dataclass
class Signer:
    """What a request's check needs of a host, read in one query: plain values, live secrets newest first."""
    id: int
    name: str
    jurisdiction: str
    allow_origins: list
    secrets: list


# Built once: this read starts every signed request.
_SIGNERS_ALL = (select(HttpHost.id, HttpHost.name, Jurisdiction.code, HttpHost.allow_origins, HostSecret.sealed,
                       HostSecret.expires_at)
                .join(Jurisdiction, Jurisdiction.id == HttpHost.jurisdiction_id)
                .join(HostSecret, HostSecret.host_id == HttpHost.id)
                .where(or_(HostSecret.expires_at.is_(None), HostSecret.expires_at > bindparam("now")))
                .order_by(HttpHost.id, HostSecret.id.desc()))
_SIGNERS = {False: _SIGNERS_ALL, True: _SIGNERS_ALL.where(HttpHost.name == bindparam("name"))}
# (database, host name) -> (valid until, signers). Only acceptance is served from here: a request whose
# signature no cached secret matches is checked again against the database before it is refused, so a
# secret added or rotated in another process works at once; a removed host stops within the cache's time.
_recent: dict[tuple[str, str | None], tuple[float, list[Signer]]] = {}


def forget_signers() -> None:
    """Drop the cached signers and decision subscribers (after this process adds, changes or removes a host)."""
    _recent.clear()
    _subscribers.clear()


# (database, jurisdiction id) -> (valid until, the id of its callback host subscribed to liaison.decision, or
# None). Read by every decision: a jurisdiction whose hosts do not subscribe costs no query within the cache's
# time; a change made in this process clears it at once, one made by another process within API_HOSTS_CACHE_SECONDS.
_subscribers: dict[tuple[str, int], tuple[float, int | None]] = {}


def decision_subscriber(config, jurisdiction_id: int) -> int | None:
    """The id of the jurisdiction's callback host that subscribes to liaison.decision callbacks, or None."""
    key, clock = (config["SQLALCHEMY_DATABASE_URI"], jurisdiction_id), time.monotonic()
    hit = _subscribers.get(key)
    if hit is not None and hit[0] > clock:
        return hit[1]
    host_id = db.session.scalar(select(HttpHost.id).where(
        HttpHost.jurisdiction_id == jurisdiction_id, HttpHost.callback_url.is_not(None),
        HttpHost.decisions.is_(True)).order_by(HttpHost.id).limit(1))
    _subscribers[key] = (clock + float(config["API_HOSTS_CACHE_SECONDS"]), host_id)
    return host_id


def signers(config, name: str | None = None, *, fresh: bool = False) -> list[Signer]:
    """Every host (or the one named) with its live secrets, in one round trip (or from the last few seconds)."""
    key, clock = (config["SQLALCHEMY_DATABASE_URI"], name), time.monotonic()
    hit = _recent.get(key)
    if hit is not None and hit[0] > clock and not fresh:
        return hit[1]
    now = utcnow()
    params = {"now": now} if name is None else {"now": now, "name": name}
    out: dict[int, Signer] = {}
    until = clock + float(config["API_HOSTS_CACHE_SECONDS"])
    for hid, hname, code, origins, sealed, expires in db.session.execute(_SIGNERS[name is not None], params):
        signer = out.setdefault(hid, Signer(hid, hname, code, list(origins or []), []))
        signer.secrets.append(opened(config, sealed))
        if expires is not None:   # an overlapping old secret stops on time, cached or not
            until = min(until, clock + (expires - now).total_seconds())
    found = list(out.values())
    _recent[key] = (until, found)
    return found


def set_require_file(name: str, value: bool | None, *, version=None) -> HttpHost:
    """Whether the host's documents without a file are held (None: the REQUIRE_FILE setting); caller commits.

    ``version``: the host's version its form was loaded at (versions.claim: Stale if saved since).
    """
    host = get(name)
    if host is None:
        raise UnknownHost(f"未知主机：{name}")
    claim(HttpHost, host.id, version)
    host.require_file = value
    return host


def set_decisions(name: str, value: bool, *, version=None) -> HttpHost:
    """Whether the host receives liaison.decision callbacks (it needs a callback URL); caller commits."""
    host = get(name)
    if host is None:
        raise UnknownHost(f"未知主机：{name}")
    claim(HttpHost, host.id, version)
    host.decisions = bool(value)
    forget_signers()
    return host


def still_there(host_id: int) -> bool:
    """Whether a cached signer's host still exists: one primary-key read, so a removal made by any process
    stops the host's requests in every serving process at once, not when the cache expires."""
    return db.session.scalar(select(HttpHost.id).where(HttpHost.id == host_id)) is not None


def describe(host: HttpHost) -> dict:
    now = utcnow()
    return {"name": host.name, "jurisdiction": host.jurisdiction.code, "callback_url": host.callback_url,
            "allow_origins": list(host.allow_origins or []), "require_file": host.require_file,
            "decisions": bool(host.decisions),
            "secrets": [{"created_at": s.created_at.isoformat() + "Z",
                         "expires_at": s.expires_at.isoformat() + "Z" if s.expires_at else None}
                        for s in host.secrets if s.expires_at is None or s.expires_at > now],
            "created_at": host.created_at.isoformat() + "Z"}
