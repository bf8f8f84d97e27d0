"""Configuration: defaults, the instance folder's config.py, then OA_LIAISON_* environment variables."""
from __future__ import annotations

import os
from pathlib import Path

from .clock import county_today, county_zone  # noqa: F401  (kept importable from here)

from .engine import engine_options

ENV_PREFIX = "OA_LIAISON"

DEFAULTS = {
    "JURISDICTION": "nanbu",          # the jurisdiction events belong to unless they name one
    "LOAD_DEFAULT_TABLE": True,       # load the shipped 南部县 table on first start
    "CONSULTATION_DAYS": 15,          # due date of a consultation, in days after issue
    "CONSULTATION_WORKING_DAYS": 10,  # due date of a consultation on a draft (before 签发), in working days
    "CONSULTATION_ATTACHMENT_MAX_BYTES": 20 * 1024 * 1024,   # a committee's answer's attachment
    "REPLY_MONTHS": 3,                # reply deadline for a submission (提案: 3 months)
    # Reply tasks (三(四)): the period per kind (months from the date received; a kind not named here takes
    # REPLY_MONTHS), a deadline on a weekend or public holiday moved to the next working day (China's
    # official calendar with its 调休 days), the second answer's period after a rating in REOPEN_RATINGS,
    # and the co-handling units' (会办) period for their opinion to the main unit.
    "REPLY_MONTHS_BY_KIND": {"提案": 3, "调研报告": 3, "建言献策": 3, "社情民意": 3},
    "REPLY_WORKING_DAYS": True,
    "REOPEN_MONTHS": 1,
    "REOPEN_RATINGS": ["不满意"],
    "COHANDLING_MONTHS": 1,
    # Reminders through notify: days before the due date; 0 is "overdue", sent the day after the due date.
    # A missed pass catches up an overdue reminder for at most REMINDER_CATCH_UP_DAYS days.
    "REMINDER_DAYS": [15, 3, 0],
    "COHANDLING_REMINDER_DAYS": [7, 3, 0],
    "REMINDER_CATCH_UP_DAYS": 30,
    "REMIND_IN_WORKER": True,         # the worker runs the reminder pass once a day (the county's date)
    "REMIND_CONNECTIONS": 2,          # counties reminded at once, each on its own connection (SQLite: one)
    "REPLY_FILE_TYPES": [".docx", ".pdf"],  # the signed reply a unit uploads
    "DELIVER_INLINE": True,           # try delivery right after the decision is committed
    # A copy or notification the host does not acknowledge is retried after these waits (the last one
    # repeats), each spread by ±DELIVERY_JITTER so failed copies do not retry in step, until
    # DELIVERY_GIVE_UP_SECONDS have passed since it was made (or redelivered): then it is dead, listed on
    # 抄送投递 and by `deliveries --dead`, until a person redelivers it.
    "DELIVERY_BACKOFF_SECONDS": [10, 60, 300, 1800, 3600],
    "DELIVERY_GIVE_UP_SECONDS": 3 * 24 * 3600,
    "DELIVERY_LEASE_SECONDS": 120,
    "DELIVERY_JITTER": 0.2,
    # The worker records a heartbeat this often; `serve` warns at start when none is younger than
    # WORKER_SEEN_SECONDS (nothing would be retried). A host's page keeps its last HOST_CALL_LOG_SIZE calls.
    "WORKER_HEARTBEAT_SECONDS": 15,
    "WORKER_SEEN_SECONDS": 60,
    "HOST_CALL_LOG_SIZE": 100,
    # Meeting-compliance reminders (三(六)) start this many days after the install, not on its first day.
    "COMPLIANCE_REMINDERS_AFTER_DAYS": 30,
    # Hosts over HTTP (POST /api/v1/events): the signature's clock tolerance, the body limit, how events are
    # processed after the 202 (threads in the serving process; the worker takes what is left), and limits
    # on fetching a file_url and on calling a host back.
    "API_TIMESTAMP_TOLERANCE_SECONDS": 300,
    "API_MAX_BODY_BYTES": 20 * 1024 * 1024,
    "API_HOSTS_CACHE_SECONDS": 2.0,   # a removed host's requests stop within this (refusals never wait on it)
    "API_PROCESS_INLINE": True,
    "API_PROCESS_THREADS": 2,         # per jurisdiction: one slow host never delays another's events
    "API_PREVIEW_FETCHES": 1,         # file_url fetches previews may wait for at once (more: 503 busy)
    "FILE_FETCH_TIMEOUT_SECONDS": 10,  # in all: connecting, status line, headers and body
    "CALLBACK_TIMEOUT_SECONDS": 10,
    "WORKER_POLL_SECONDS": 1.0,
    "WORKER_NICE": 10,                # `oa-liaison worker` lowers its CPU priority by this much (0: not)
    # Liaison meetings (三(六)): at least this many a year per committee; a committee is reminded (once each)
    # when by the day (MM-DD) it has held fewer than the number (the worker's daily reminder pass).
    "MEETINGS_MINIMUM": 2,
    "MEETING_REMINDERS": [["06-30", 1], ["10-31", 2]],
    "SIGNED_MINUTES_MAX_BYTES": 20 * 1024 * 1024,
    "MAX_UPLOAD_BYTES": 50 * 1024 * 1024,
    # A document that arrives without its file (metadata only) is decided on the host's 密级 field alone; True
    # holds it for a person instead (a host may also set its own: hosts add/update --require-file).
    "REQUIRE_FILE": False,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    # PostgreSQL: instead of pool_pre_ping's query on every checkout, a connection is pinged only when it
    # has sat in the pool this long (see engine.py); a shorter gap means it was working a moment ago.
    "DB_PING_IDLE_SECONDS": 10.0,
    # PostgreSQL: a ledger try's commit that a crash may lose without losing anything (a decision with its
    # event's done mark, a delivery's done mark: done again after a crash) does not wait for the WAL's flush
    # (synchronous_commit off for that transaction). True: every commit waits, as the server is configured.
    "LEDGER_COMMITS_WAIT_FOR_DISK": False,
    # The web panel. SECRET_KEY comes from OA_LIAISON_SECRET_KEY or the instance config.py; the panel
    # refuses to run in production (not DEBUG/TESTING) without a real one.
    "SESSION_COOKIE_SECURE": None,    # None: Secure unless DEBUG/TESTING (serve behind HTTPS)
    "SESSION_COOKIE_SAMESITE": "Lax",
    "TIMEZONE": "Asia/Shanghai",      # times in the panel are shown in this zone
    # Failed logins: an account name is locked after LOGIN_MAX_FAILURES within LOGIN_WINDOW_SECONDS,
    # an address after LOGIN_MAX_FAILURES_PER_ADDRESS (an office NAT serves many clerks); both for
    # LOGIN_LOCK_SECONDS. Unknown names count too, so a lock says nothing about which names exist.
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_MAX_FAILURES_PER_ADDRESS": 30,
    "LOGIN_WINDOW_SECONDS": 15 * 60,
    "LOGIN_LOCK_SECONDS": 15 * 60,
}


def default_instance_path() -> Path:
    """A per-user data folder (never the installed package's own folder)."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "oa-liaison"


def instance_path_from_env() -> Path:
    return Path(os.environ.get(f"{ENV_PREFIX}_INSTANCE_PATH") or default_instance_path()).expanduser().resolve()


def finish(config: dict, instance_path: Path) -> None:
    """Fill the settings derived from the instance folder."""
    config.setdefault("DATABASE_URL", f"sqlite:///{instance_path / 'oa-liaison.sqlite3'}")
    config.setdefault("HOOKS_DIR", str(instance_path / "hooks"))
    config.setdefault("TEMPLATES_DIR", str(instance_path / "templates"))
    config.setdefault("FILES_DIR", str(instance_path / "files"))
    config.setdefault("HOLIDAYS_FILE", str(instance_path / "holidays.json"))
    config["SQLALCHEMY_DATABASE_URI"] = config["DATABASE_URL"]
    config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(config)
