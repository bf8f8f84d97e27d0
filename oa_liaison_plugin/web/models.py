"""The panel's own tables: users and login throttles (prefixed liaison_); the audit log is in ``audit``."""
from __future__ import annotations

import datetime as dt
import secrets
import unicodedata

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, validates
from werkzeug.security import check_password_hash, generate_password_hash

from ..models import db, utcnow

ROLES = {"admin": "管理员", "unit": "单位联络员", "committee": "委员会联络员", "auditor": "审计员"}


def new_token() -> str:
    return secrets.token_hex(16)


def login_key(name: str) -> str:
    """How a typed user name is compared: NFKC, then Unicode case folding ("Élodie" = "élodie" = "ÉLODIE").

    Done here, in Python, and stored: SQLite's lower() folds ASCII only, so comparing lower(username)
    in SQL let no one with a non-ASCII name log in there.
    """
    return unicodedata.normalize("NFKC", name.strip()).casefold()


def password_method() -> str:
    """The password hash (werkzeug method); PASSWORD_HASH_METHOD lets the tests use a cheap one."""
    from flask import current_app, has_app_context
    return (current_app.config.get("PASSWORD_HASH_METHOD") if has_app_context() else None) or "scrypt"


class User(UserMixin, db.Model):
    """Someone who logs in to the panel: a role, and for clerks the unit or committee they serve."""
    __tablename__ = "liaison_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    login_name: Mapped[str] = mapped_column(String(192), unique=True)  # login_key(username)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))  # admin | unit | committee | auditor
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("liaison_jurisdiction.id", ondelete="CASCADE"))
    # SET NULL: a unit dropped from the table leaves its clerk with no scope, never another unit's.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("liaison_unit.id", ondelete="SET NULL"))
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("liaison_committee.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of the session id: changing the password or deactivating ends every open session.
    session_token: Mapped[str] = mapped_column(String(32), default=new_token)
    prefs: Mapped[dict] = mapped_column(JSON, default=dict)  # draft signer/contact/phone last used
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Optimistic locking: a panel form carries the version it was loaded at (versions.py).
    version: Mapped[int] = mapped_column(Integer, default=1)

    @validates("username")
    def _fold(self, _key, value: str) -> str:
        self.login_name = login_key(value)
        return value

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=password_method())
        self.session_token = new_token()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}.{self.session_token}"

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)


class LoginThrottle(db.Model):
    """Failed logins counted per account name and per address, and how long each is locked."""
    __tablename__ = "liaison_login_throttle"
    key: Mapped[str] = mapped_column(String(160), primary_key=True)  # "user:<name>" | "addr:<address>"
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)


# The audit log is the core's (every entry point audits); kept importable from here for older code.
from ..audit import AuditEntry, append_only_ddl  # noqa: E402,F401


class MessageRead(db.Model):
    """That a panel user has read a message (unread: no row)."""
    __tablename__ = "liaison_message_read"
    __table_args__ = (UniqueConstraint("message_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("liaison_message.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("liaison_user.id", ondelete="CASCADE"), index=True)
    read_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
