"""One lease loop for the ledgers (copies, notifications, events): claim, still mine, try, back off, done or
dead (given up after DELIVERY_GIVE_UP_SECONDS)."""
from __future__ import annotations

import datetime as dt
import random
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import event, func, or_, select, update
from sqlalchemy.orm import Session

from .engine import NO_FLUSH_WAIT_CONDITION, outside_transaction, without_flush_wait
from .models import EventError, db, utcnow


class Retry(Exception):
    """Not done this time: the row is tried again after a backoff (``detail`` goes to the error log)."""

    def __init__(self, message: str, detail: dict | None = None):
        super().__init__(message)
        self.detail = detail or {}


@dataclass
class Done:
    """A finished row: the ledger's own columns, and what to do once they are committed (its counts added)."""
    values: dict
    then: Callable[[], None] | None = None


@dataclass
class _Try:
    """A try in progress: its row, and how the unit of work answering it may mark it done in its own transaction."""
    model: type
    row_id: int
    values: Callable | None = None   # (the unit of work's answer) -> the done columns
    joined: bool = False             # the done UPDATE was sent in that unit of work's (open) transaction
    result: object = None            # its result (the row count)
    committed: bool = False          # that transaction committed
    failed: bool = False             # a transaction it was sent in rolled back
    no_flush_wait: bool = False      # its commits that a crash may lose without loss need not wait for the disk


_trying: ContextVar[_Try | None] = ContextVar("oa_liaison_trying", default=None)


@dataclass(frozen=True)
class Ledger:
    """A table of rows to try until done: what a try is, and how its outcomes are counted and logged."""
    model: type
    attempt: Callable          # (liaison, row_id) -> Done; raises Retry (any other exception is a Retry too)
    scope: Callable            # (jurisdiction code) -> a WHERE clause for that jurisdiction's rows
    event: str                 # the error log's event for a failed try
    subject: Callable          # (row_id) -> the error log's subject
    done_key: str              # the counts' keys, as the commands have always shown them
    failed_key: str
    dies: bool = False         # gives up (status dead) DELIVERY_GIVE_UP_SECONDS after retry_since or created_at
    # (ids) -> {id: what a try needs}, read for the whole batch in its claim's transaction; the try gets its
    # own as ``claimed=`` (a row missing from it, or a try outside a batch, reads its own).
    read_claimed: Callable | None = None
    # A done mark a crash loses only makes its try run again with the same effect (a delivery offered again
    # under its row's id): it need not wait for the disk. Whatever the try sent was claimed durably first.
    redone: bool = False


def backoff(config, attempts: int) -> float:
    """Seconds before the next attempt: the configured step spread by a random jitter (no thundering herd)."""
    steps = config["DELIVERY_BACKOFF_SECONDS"]
    jitter = float(config.get("DELIVERY_JITTER", 0.2))
    return steps[min(attempts, len(steps) - 1)] * random.uniform(1 - jitter, 1 + jitter)


def lease_seconds(config) -> float:
    """A claim's lease: the setting, but always longer than the longest outbound deadline it covers."""
    return max(float(config["DELIVERY_LEASE_SECONDS"]), one_try_seconds(config))


def one_try_seconds(config) -> float:
    """The longest one try may take: what a lease must still have left when the try starts."""
    longest = max(float(config["FILE_FETCH_TIMEOUT_SECONDS"]), float(config["CALLBACK_TIMEOUT_SECONDS"]))
    # Twice the deadline: the outbound call, and as long again for the row's own work (decide, record).
    return 2 * longest


def claim(model, liaison, *, limit: int, now: dt.datetime, where=(), read=None):
    """Lease due rows of a ledger to this worker; SKIP LOCKED lets several workers share it on PostgreSQL.
    Returns the ids, the lease (for :func:`still_mine`) and ``read(ids)``'s answer, read before the commit
    ({} without ``read``)."""
    q = (select(model.id).where(model.status == "pending", model.next_attempt_at <= now,
                                or_(model.lease_until.is_(None), model.lease_until < now), *where)
         .order_by(model.id).limit(limit).with_for_update(skip_locked=True))
    ids = list(db.session.scalars(q))
    lease = now + dt.timedelta(seconds=lease_seconds(liaison.config))
    if ids:
        # SQLite has no FOR UPDATE: another process may have leased some of these rows between the SELECT and
        # here. The UPDATE takes only rows still free (writes are serialised, so it sees that lease) and says
        # which it took; without the test, it would overwrite the other lease and both would offer the row.
        ids = sorted(db.session.scalars(update(model).where(
            model.id.in_(ids), model.status == "pending", or_(model.lease_until.is_(None), model.lease_until < now))
            .values(lease_until=lease).returning(model.id)))
    claimed = read(ids) if read is not None and ids else {}
    db.session.commit()
    return ids, lease, claimed


def claim_one(model, liaison, row_id: int) -> bool:
    """Lease one pending row (due or not) unless another worker holds it."""
    now = utcnow()
    done = db.session.execute(update(model).where(
        model.id == row_id, model.status == "pending",
        or_(model.lease_until.is_(None), model.lease_until < now)).values(
        lease_until=now + dt.timedelta(seconds=lease_seconds(liaison.config))))
    db.session.commit()
    return done.rowcount == 1


def held(model, row_id: int, lease: dt.datetime, config) -> bool:
    """Whether a claimed row is still this worker's to try now: without asking the database while its lease
    has a whole try left (nobody else may take a leased row before the lease ends), else :func:`still_mine`."""
    if lease - utcnow() >= dt.timedelta(seconds=one_try_seconds(config)):
        return True
    return still_mine(model, row_id, lease, config)


def still_mine(model, row_id: int, lease: dt.datetime, config) -> bool:
    """Renew one claimed row's lease just before acting on it, if no other worker took it meanwhile.

    A batch can outlast its lease (slow hosts, timeouts): another worker may have claimed the rest. Only
    a row still carrying this worker's lease is tried, so a row is not tried by two workers at once.
    """
    renewed = db.session.execute(update(model).where(model.id == row_id, model.status == "pending",
                                                     model.lease_until == lease).values(
        lease_until=utcnow() + dt.timedelta(seconds=lease_seconds(config))))
    db.session.commit()
    return renewed.rowcount == 1


def done_on_answer(values: Callable) -> None:
    """Within a try: the unit of work that answers it may mark its row done in its own transaction
    (:func:`answered`); ``values(answer)`` are the done columns."""
    current = _trying.get()
    if current is not None:
        current.values = values


def answered(answer) -> None:
    """A unit of work's answer, before its commit: the try waiting for it (if any) marks its row done in the same
    transaction, queued with its writes (no wait, no transaction of its own); its next try if that one fails."""
    current = _trying.get()
    if current is None or current.values is None or current.joined:
        return
    session = db.session()
    stmt = _done(current.model, current.row_id, current.values(answer))
    current.joined = True   # from here on, a failure of this transaction is the try's failure
    session.info["oa_liaison_try"] = current
    conn = session.connection()
    # Its row count is read after the commit: asking for it now would make a pipeline wait.
    current.result = conn.execute(stmt.execution_options(answer_at_commit=True))
    if current.no_flush_wait:   # a crash loses the decision and its done mark together: the event is redone
        without_flush_wait(conn)


@event.listens_for(Session, "after_commit")
def _committed(session) -> None:
    """The transaction carrying a try's done row committed: the try is done."""
    current = session.info.pop("oa_liaison_try", None)
    if current is not None:
        current.committed = True


@event.listens_for(Session, "after_rollback")
def _rolled_back(session) -> None:
    """The transaction carrying a try's done row rolled back: neither it nor the unit of work's writes stay."""
    current = session.info.pop("oa_liaison_try", None)
    if current is not None:   # a later answer (the unit of work tried again) may carry the done row again
        current.joined, current.failed = False, True


def _rowcount(result) -> int:
    """An UPDATE's matched rows, also when it was answered only at its pipeline's end (psycopg)."""
    return result.rowcount if result.rowcount >= 0 else result.context.cursor.rowcount


def attempt(liaison, ledger: Ledger, row_id: int, counts: dict | None = None, claimed=None) -> bool | None:
    """Try one row this worker holds: done (True; the ledger's columns, written by the try's own unit of work
    when it answered, else here), or back off with jitter and log why (False); None when another worker
    finished it meanwhile."""
    model = ledger.model
    current = _Try(model, row_id, no_flush_wait=not liaison.config.get("LEDGER_COMMITS_WAIT_FOR_DISK", False))
    token = _trying.set(current)
    try:
        done = ledger.attempt(liaison, row_id) if claimed is None else ledger.attempt(liaison, row_id, claimed=claimed)
        if (current.joined or current.failed) and not current.committed:
            # Its unit of work failed after queuing the done row: neither is committed; the next try does both.
            raise Retry("处理未能提交（与事件的完成标记一同回滚），留待下次重试")
    except Exception as exc:   # recorded and retried later; never raised to a worker's loop
        db.session.rollback()
        attempts = db.session.scalar(select(model.attempts).where(model.id == row_id))
        message = (str(exc) if isinstance(exc, Retry) else f"{type(exc).__name__}: {exc}")[:2000]
        now = utcnow()
        values = dict(attempts=model.attempts + 1, last_error=message, lease_until=None,
                      next_attempt_at=now + dt.timedelta(seconds=backoff(liaison.config, attempts or 0)))
        dead = ledger.dies and given_up(model, row_id, liaison.config, now)
        if dead:
            values.update(status="dead", dead_at=now)
        db.session.execute(update(model).where(model.id == row_id, model.status == "pending").values(**values))
        db.session.add(EventError(event=ledger.event, code="delivery_dead" if dead else "delivery_failed"
                                  if isinstance(exc, Retry) else "internal_error", message=message,
                                  subject=ledger.subject(row_id), detail=exc.detail if isinstance(exc, Retry) else {}))
        db.session.commit()
        return False
    finally:
        _trying.reset(token)
        db.session().info.pop("oa_liaison_try", None)
    finished = _rowcount(current.result) if current.committed else _finish(
        model, row_id, done.values, no_flush_wait=ledger.redone and current.no_flush_wait)
    if not finished:   # another worker finished it first (its lease had run out): counted once, there
        return None
    if done.then is not None:
        add_counts(counts if counts is not None else {}, done.then() or {})
    return True


def _done(model, row_id: int, values: dict, *where):
    """The UPDATE marking a row done (unless another worker did first): the ledger's columns."""
    return update(model).where(model.id == row_id, model.status == "pending", *where).values(
        attempts=model.attempts + 1, lease_until=None, **values)


def _finish(model, row_id: int, values: dict, *, no_flush_wait: bool = False) -> int:
    """The row marked done (unless another worker did first), committed; how many rows it marked. With
    ``no_flush_wait`` its commit does not wait for the disk on PostgreSQL."""
    session = db.session()
    relaxed = no_flush_wait and session.connection().dialect.name == "postgresql"
    stmt = _done(model, row_id, values, *((NO_FLUSH_WAIT_CONDITION,) if relaxed else ()))
    if session.new or session.dirty or session.deleted:   # the try's own rows commit with it
        finished = session.execute(stmt).rowcount
    else:
        # Nothing else to commit: on PostgreSQL the one UPDATE commits by itself (no BEGIN, no COMMIT to wait on).
        conn = session.connection()
        with outside_transaction(conn):
            finished = conn.execute(stmt).rowcount
    session.commit()
    return finished


def given_up(model, row_id: int, config, now: dt.datetime) -> bool:
    """Whether a failing row has been retried for the whole give-up time (since its redelivery, or creation)."""
    since = db.session.scalar(select(func.coalesce(model.retry_since, model.created_at)).where(model.id == row_id))
    return since is not None and now >= since + dt.timedelta(seconds=float(config["DELIVERY_GIVE_UP_SECONDS"]))


def try_one(liaison, ledger: Ledger, row_id: int) -> bool | None:
    """Claim one pending row (due or not) and try it now: True done, False failed again, None held elsewhere."""
    with liaison.context():
        try:
            if not claim_one(ledger.model, liaison, row_id):
                return None
            return attempt(liaison, ledger, row_id)
        finally:
            db.session.remove()


def add_counts(total: dict, counts: dict) -> bool:
    """Add one pass's counts (the numbers among them) to a total; whether it did anything."""
    numbers = {k: v for k, v in counts.items() if isinstance(v, int) and not isinstance(v, bool)}
    for key, n in numbers.items():
        total[key] = total.get(key, 0) + n
    return any(numbers.values())


def run_due(liaison, ledger: Ledger, *, limit: int, where=(), jurisdiction: str | None = None) -> dict:
    """Claim the due rows (of one jurisdiction, if named) and try each still held; counts done and failed."""
    counts = {ledger.done_key: 0, ledger.failed_key: 0}
    scope = (*where, ledger.scope(jurisdiction)) if jurisdiction is not None else tuple(where)
    with liaison.context():
        ids, lease, claimed = claim(ledger.model, liaison, limit=limit, now=utcnow(), where=scope,
                                    read=ledger.read_claimed)
        for row_id in ids:
            if not held(ledger.model, row_id, lease, liaison.config):
                continue
            done = attempt(liaison, ledger, row_id, counts, claimed.get(row_id))
            if done is not None:
                counts[ledger.done_key if done else ledger.failed_key] += 1
    return counts
