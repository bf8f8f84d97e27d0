"""One lease loop and one worker: jurisdictions in parallel lanes, errors logged beside the caller's transaction."""
from __future__ import annotations

import base64
import json
import signal
import subprocess

import pytest

from sqlalchemy import func, select

from http_host import CallbackHost, Served, post_event, wait_for
from oa_liaison_plugin.delivery import record_error
from oa_liaison_plugin.http import hosts, inbox
from oa_liaison_plugin.models import Copy, Document, EventError, InboxEvent, Jurisdiction, db
from helpers import EXE as CLI, docx
from helpers import cli_env as env_for
from test_hardening2 import _second_jurisdiction


def _issued_events(prefix: str, count: int, file=None, **data) -> list[int]:
    """``count`` document.issued events in the inbox, as the CLI records them: 县财政局's major 报告 (``data`` over
    it), ids PREFIX-0…; ``file(n)`` the n-th one's inline .docx. Their inbox row ids."""
    ids = []
    for n in range(count):
        event = {"id": f"{prefix.upper()}-{n}", "issuer": "南部县财政局", "title": "关于县级预算调整方案的报告",
                 "main_recipients": ["县人大常委会"], "flags": {"major": True}, **data}
        if file is not None:
            event["file_base64"] = base64.b64encode(file(n)).decode()
        body = json.dumps({"specversion": "1.0", "id": f"{prefix}-{n}", "source": "/t", "type": "document.issued",
                           "data": event})
        ids.append(inbox.record(inbox.CLI_SENDER, json.loads(body), "nanbu", body)[0])
    return ids


def _count(app, model, *where) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(model).where(*where))
        db.session.remove()
        return n


def test_record_error_keeps_the_callers_open_work(app):
    with app.app_context():
        db.session.add(EventError(event="caller", code="flushed", message="x"))
        db.session.flush()   # on SQLite the caller now holds the write lock
        db.session.add(EventError(event="caller", code="pending", message="y"))
        record_error("test", "recorded", "boom")
        db.session.commit()
        codes = set(db.session.scalars(select(EventError.code)))
        db.session.remove()
    assert codes == {"flushed", "pending", "recorded"}


def test_an_error_recorded_survives_the_callers_rollback(app):
    with app.app_context():
        db.session.get(Jurisdiction, 1)   # the caller has read: its transaction is open
        db.session.add(EventError(event="caller", code="pending", message="y"))
        record_error("test", "recorded", "boom")
        db.session.rollback()
        codes = set(db.session.scalars(select(EventError.code)))
        db.session.remove()
    assert codes == {"recorded"}


def test_a_failing_event_backs_off_with_jitter_like_the_other_ledgers(lite_app):
    lite_app.config.update(DELIVERY_BACKOFF_SECONDS=[1000], DELIVERY_JITTER=0.5, API_PROCESS_INLINE=False)
    liaison = lite_app.extensions["oa_liaison"]
    with lite_app.app_context():
        for n in range(8):   # each fails in processing: its recorded body is not JSON
            inbox.record(inbox.CLI_SENDER, {"source": "/t", "id": f"e-{n}", "type": "meeting.scheduled"}, "nanbu",
                         "{not json")
    assert inbox.process_due(liaison) == {"events": 0, "events_failed": 8}
    with lite_app.app_context():
        rows = db.session.execute(select(InboxEvent.next_attempt_at, InboxEvent.received_at)).all()
        errors = db.session.scalar(select(func.count()).select_from(EventError).where(EventError.event == "http_event"))
        db.session.remove()
    waits = {round((due - received).total_seconds()) for due, received in rows}
    assert len(waits) > 1 and all(400 < w < 1600 for w in waits) and errors == 8


def test_the_standalone_worker_delivers_another_jurisdictions_event_while_a_host_stalls(app, tmp_path):
    app.config["API_PROCESS_INLINE"] = False   # the 202 only: everything else is the worker's
    _second_jurisdiction(app)
    with app.app_context():
        _, stalled_secret = hosts.add(app.config, "stalled", "nanbu")
        _, quick_secret = hosts.add(app.config, "quick", "other")
        db.session.commit()
    stalled = CallbackHost(stalled_secret, answer=lambda n, event: "hang")   # answers when the test releases it
    quick = CallbackHost(quick_secret)
    with app.app_context():
        hosts.get("stalled").callback_url = stalled.url
        hosts.get("quick").callback_url = quick.url
        db.session.commit()
    served = Served(app)
    env = env_for(tmp_path / "instance", OA_LIAISON_DATABASE_URL=app.config["DATABASE_URL"],
                  OA_LIAISON_CALLBACK_TIMEOUT_SECONDS="120", OA_LIAISON_WORKER_POLL_SECONDS="0.1",
                  OA_LIAISON_REMIND_IN_WORKER="false", OA_LIAISON_WORKER_NICE="0")
    worker = subprocess.Popen([CLI, "worker", "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    try:
        file_b64 = base64.b64encode(docx()).decode()
        assert post_event(served.port, stalled_secret, "document.issued", {"id": "S-1", "file_base64": file_b64},
                          event_id="s-1")[0] == 202
        wait_for(lambda: stalled.received, timeout=60)   # the worker is now held by the stalled host
        assert post_event(served.port, quick_secret, "document.issued", {"id": "Q-1", "file_base64": file_b64},
                          event_id="q-1")[0] == 202
        wait_for(lambda: quick.acked, timeout=60)
        # the other jurisdiction's event was processed and its copy delivered while the stalled call still hangs
        assert not stalled.acked and worker.poll() is None
        assert _count(app, Copy, Copy.status == "pending", Copy.document_id.in_(
            select(Document.id).where(Document.host_id == "S-1"))) >= 1
        stalled.released.set()
        wait_for(lambda: _count(app, Copy, Copy.status != "delivered") == 0, timeout=60)
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err[-2000:]
        total = json.loads(out)
        assert total["events"] == 2 and total["delivered"] == _count(app, Copy) and total["failed"] == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
        stalled.close()
        quick.close()
        served.close()


def test_a_claim_never_takes_a_row_another_process_leased_after_its_select(lite_app):
    """SQLite has no FOR UPDATE: between a claim's SELECT and its UPDATE another process (the serving lane, a
    worker) may lease the same rows. The claim must leave those rows to it — before, it overwrote that lease and
    both offered the row (bench_http_load: "offered again after an ack" 2–5 in 2,000)."""
    import datetime as dt

    from sqlalchemy import event, update

    from oa_liaison_plugin.lease import claim
    from oa_liaison_plugin.models import utcnow
    liaison = lite_app.extensions["oa_liaison"]
    theirs = utcnow() + dt.timedelta(hours=1)
    with lite_app.app_context():
        for n in range(3):
            inbox.record(inbox.CLI_SENDER, {"source": "/t", "id": f"e-{n}", "type": "meeting.scheduled"}, "nanbu",
                         "{}")
        engine = db.engine

        def other_process_leases_first(conn, cursor, statement, *args):
            if statement.startswith(f"UPDATE {InboxEvent.__table__.name}") and not fired:
                fired.append(True)
                with engine.connect() as other:   # another connection: another process, committed
                    other.execute(update(InboxEvent).values(lease_until=theirs))
                    other.commit()
        fired: list = []
        event.listen(engine, "before_cursor_execute", other_process_leases_first)
        try:
            ids, _, _ = claim(InboxEvent, liaison, limit=10, now=utcnow())
        finally:
            event.remove(engine, "before_cursor_execute", other_process_leases_first)
        leases = set(db.session.scalars(select(InboxEvent.lease_until)))
        db.session.remove()
    assert fired and ids == [] and leases == {theirs}


def test_a_claimed_row_is_renewed_only_when_its_lease_has_less_than_a_whole_try_left(app):
    """`held`: while the lease has a whole try left (twice the longest outbound deadline) nobody else may take
    the row, so no statement is sent; with less left it is renewed, and refused once another worker has it."""
    import datetime as dt

    from sqlalchemy import event, update

    from oa_liaison_plugin.lease import held, one_try_seconds
    from oa_liaison_plugin.models import utcnow
    config = app.config
    with app.app_context():
        row_id, _ = inbox.record(inbox.CLI_SENDER, {"source": "/t", "id": "e-1", "type": "meeting.scheduled"},
                                 "nanbu", "{}")
        sent: list = []

        def count(conn, cursor, statement, *args):
            sent.append(statement)
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            long_lease = utcnow() + dt.timedelta(seconds=one_try_seconds(config) + 60)
            db.session.execute(update(InboxEvent).values(lease_until=long_lease))
            db.session.commit()
            sent.clear()
            assert held(InboxEvent, row_id, long_lease, config) and sent == []
            short = utcnow() + dt.timedelta(seconds=one_try_seconds(config) / 2)
            db.session.execute(update(InboxEvent).values(lease_until=short))
            db.session.commit()
            sent.clear()
            assert held(InboxEvent, row_id, short, config) and len(sent) == 1   # renewed: one UPDATE
            renewed = db.session.scalar(select(InboxEvent.lease_until))
            assert renewed > short
            assert not held(InboxEvent, row_id, short, config)   # the lease is no longer the one it claimed
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
            db.session.remove()


def test_a_batch_of_events_claims_its_copies_once_and_offers_each_once(app):
    """The worker's batch: every event decided, then the batch's copies claimed in one statement (not one claim
    per document) and each offered once."""
    from collections import Counter

    from oa_liaison_plugin import hookimpl
    from oa_liaison_plugin.models import Copy
    app.config["API_PROCESS_INLINE"] = False
    liaison = app.extensions["oa_liaison"]
    offers: Counter = Counter()

    class Host:
        @hookimpl
        def deliver_copy(self, copy):
            offers[copy["copy_id"]] += 1
            return "ok"
    with app.app_context():
        _issued_events("b", 5)
        db.session.remove()
    claims: list = []

    def count(conn, cursor, statement, *args):
        if statement.startswith(f"UPDATE {Copy.__table__.name} SET lease_until") and " IN (" in statement:
            claims.append(statement)
    with app.app_context():
        engine = db.engine
    counts = _processed(liaison, engine, Host(), count)
    copies = _count(app, Copy)
    assert counts["events"] == 5 and counts["delivered"] == copies >= 5
    assert len(claims) == 1 and len(offers) == copies and set(offers.values()) == {1}


def _processed(liaison, engine, host, note) -> dict:
    """inbox.process_due with ``host``'s hooks registered and ``note`` told of every statement sent."""
    from sqlalchemy import event
    liaison.pm.register(host)
    event.listen(engine, "before_cursor_execute", note)
    try:
        return inbox.process_due(liaison)
    finally:
        event.remove(engine, "before_cursor_execute", note)
        liaison.pm.unregister(host)


def test_a_batch_reads_its_events_and_copies_once_and_marks_each_done_by_itself(app):
    """The worker's batch: its events' bodies in one statement, its copies and their files in one each (not a
    read per row); each event marked done by one UPDATE in its decision's transaction (sent with the decision's
    writes), each copy by one UPDATE, on PostgreSQL outside a transaction (no BEGIN, COMMIT)."""
    from oa_liaison_plugin import hookimpl
    app.config["API_PROCESS_INLINE"] = False
    liaison = app.extensions["oa_liaison"]
    pg = app.config["DATABASE_URL"].startswith("postgresql")

    class Host:
        @hookimpl
        def deliver_copy(self, copy):
            return "ok" if copy["file"] else None   # the file's bytes come with the batch's read
    with app.app_context():
        _issued_events("r", 4, file=lambda n: docx(doc_number=f"南教发〔2017〕{n + 1}号"))
        engine = db.engine
        db.session.remove()
    sent: list = []

    def note(conn, cursor, statement, *args):
        raw = conn.connection.driver_connection
        alone = bool(getattr(raw, "autocommit", False)) and raw.info.transaction_status == 0
        sent.append((" ".join(statement.split()), alone))
    counts = _processed(liaison, engine, Host(), note)
    copies = _count(app, Copy)
    assert counts["events"] == 4 and counts["delivered"] == copies >= 4
    bodies = [s for s, _ in sent if s.startswith("SELECT") and "liaison_http_inbox.body" in s]
    read_copies = [s for s, _ in sent if s.startswith("SELECT liaison_copy.id") and "snapshot" in s]
    files = [s for s, _ in sent if s.startswith("SELECT liaison_blob")]
    assert (len(bodies), len(read_copies), len(files)) == (1, 1, 1), (bodies, read_copies, files)
    events_done = [(sent[i - 1][0].split()[:2], alone) for i, (s, alone) in enumerate(sent)
                   if s.startswith("UPDATE liaison_http_inbox SET body")]
    assert events_done == [(["INSERT", "INTO"], False)] * 4, events_done   # after the decision's last INSERT
    copies_done = [alone for s, alone in sent if s.startswith("UPDATE liaison_copy SET status")]
    assert len(copies_done) == copies and set(copies_done) == {pg}


def test_an_error_logged_beside_the_caller_is_one_statement_on_postgresql(app):
    """write_beside (the error log, a host's call log): on PostgreSQL each statement commits by itself, no BEGIN
    and no COMMIT of its own; on SQLite its own transaction. Either way it survives the caller's rollback."""
    from helpers import sent_statements
    with app.app_context():
        engine = db.engine
        db.session.get(Jurisdiction, 1)   # the caller's transaction is open
        with sent_statements(engine) as sent:
            record_error("test", "beside", "x")
        db.session.rollback()
        logged = db.session.scalar(select(func.count()).select_from(EventError).where(EventError.code == "beside"))
        db.session.remove()
    assert sent == (["INSERT"] if engine.dialect.name == "postgresql" else ["INSERT", "COMMIT"]) and logged == 1


@pytest.mark.parametrize("wait", [False, True])
def test_a_hosts_call_is_logged_and_its_log_trimmed_by_one_statement_on_postgresql(app, wait):
    """A callback's line in its host's delivery log: on PostgreSQL the INSERT and the trim of the calls past
    HOST_CALL_LOG_SIZE are one statement that commits by itself (two, each waited on, before), its commit not
    waiting for the disk unless LEDGER_COMMITS_WAIT_FOR_DISK; on SQLite its own transaction. Either way the last
    calls are kept, in order, and the caller's transaction is left as it was."""
    from sqlalchemy import text

    from helpers import sent_statements
    from oa_liaison_plugin.http.callbacks import _logged
    from oa_liaison_plugin.models import HttpCall
    app.config.update(HOST_CALL_LOG_SIZE=3, LEDGER_COMMITS_WAIT_FOR_DISK=wait)
    pg = app.config["DATABASE_URL"].startswith("postgresql")
    with app.app_context():
        if pg:
            for statement in [_SEEN[0], _CALL_SEEN, _seen_trigger("liaison_http_call", "call_seen")]:
                db.session.execute(text(statement))
            db.session.commit()
        mine, _ = hosts.add(app.config, "log", "nanbu")
        theirs, _ = hosts.add(app.config, "other", "nanbu")
        db.session.commit()
        host_id, other = mine.id, theirs.id
        _logged(app.config, other, "liaison.copy", "other-0", 200, None, 0.01)
        db.session.get(Jurisdiction, 1)   # the caller's transaction is open
        with sent_statements(db.engine) as sent:
            for n in range(5):
                _logged(app.config, host_id, "liaison.copy", f"m-{n}", 200 if n % 2 else None,
                        None if n % 2 else "超时", 0.01 * n)
        db.session.rollback()
        log = db.session.execute(select(HttpCall.msg_id, HttpCall.status, HttpCall.ok, HttpCall.error)
                                 .order_by(HttpCall.id)).all()
        seen = db.session.execute(text("SELECT setting FROM commit_seen")).scalars().all() if pg else []
        errors = db.session.scalar(select(func.count()).select_from(EventError))
        db.session.remove()
    assert errors == 0
    assert sent == (["WITH"] * 5 if pg else ["INSERT", "DELETE", "COMMIT"] * 5), sent
    assert [tuple(r) for r in log] == [("other-0", 200, True, None), ("m-2", None, False, "超时"),
                                       ("m-3", 200, True, None), ("m-4", None, False, "超时")]
    if pg:   # six lines written (the other host's and five), each committed with the setting's synchronous_commit
        assert seen == ["on" if wait else "off"] * 6


def _seen_trigger(table: str, function: str = "commit_seen") -> str:
    return (f"CREATE CONSTRAINT TRIGGER {table}_seen AFTER INSERT OR UPDATE ON {table} DEFERRABLE INITIALLY "
            f"DEFERRED FOR EACH ROW EXECUTE FUNCTION {function}()")


_CALL_SEEN = ("CREATE FUNCTION call_seen() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO commit_seen "
              "(tbl, op, setting) VALUES (TG_TABLE_NAME, TG_OP, current_setting('synchronous_commit')); RETURN NEW; "
              "END $$")


# The event's done UPDATE fails while a row is in this table: a fault between the decision and the done mark.
_FAULT = {
    "sqlite": ["CREATE TABLE done_fault (n INTEGER)",
               "CREATE TRIGGER done_fails BEFORE UPDATE ON liaison_http_inbox WHEN NEW.status = 'done' "
               "AND EXISTS (SELECT 1 FROM done_fault) BEGIN SELECT RAISE(ABORT, 'done refused'); END"],
    "postgresql": ["CREATE TABLE done_fault (n INTEGER)",
                   "CREATE FUNCTION done_fails() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                   "IF NEW.status = 'done' AND EXISTS (SELECT 1 FROM done_fault) THEN RAISE EXCEPTION 'done refused'; "
                   "END IF; RETURN NEW; END $$",
                   "CREATE TRIGGER done_fails BEFORE UPDATE ON liaison_http_inbox FOR EACH ROW "
                   "EXECUTE FUNCTION done_fails()"],
}


def test_an_event_is_marked_done_only_with_its_decision_and_a_failure_leaves_both_to_the_next_try(app):
    """Exactly once: when marking the event done fails, its decision is not committed either (the event stays
    pending, nothing decided); the next try decides it once and records that first answer (not a duplicate)."""
    from sqlalchemy import text

    from oa_liaison_plugin.models import Decision
    app.config["API_PROCESS_INLINE"] = False
    liaison = app.extensions["oa_liaison"]
    with app.app_context():
        for statement in _FAULT[db.engine.dialect.name] + ["INSERT INTO done_fault VALUES (1)"]:
            db.session.execute(text(statement))
        db.session.commit()
        row_id, = _issued_events("x", 1)
        db.session.remove()
    try:
        first = inbox.process(liaison, row_id)
    except Exception as exc:   # main's code: the done mark's failure came out of the try, its decision committed
        first = f"raised {exc}"
    with app.app_context():
        pending = db.session.scalar(select(InboxEvent.status).where(InboxEvent.id == row_id))
        decided = db.session.scalar(select(func.count()).select_from(Document).where(Document.host_id == "X-0"))
        db.session.execute(text("DELETE FROM done_fault"))
        db.session.commit()
        db.session.remove()
    assert (first, pending, decided) == ("failed", "pending", 0)
    assert inbox.process(liaison, row_id) == "done"
    with app.app_context():
        row = db.session.get(InboxEvent, row_id)
        doc = db.session.scalar(select(Document).where(Document.host_id == "X-0"))
        decisions = db.session.scalar(select(func.count()).select_from(Decision).where(Decision.document_id == doc.id))
        copies = db.session.scalar(select(func.count()).select_from(Copy).where(Copy.document_id == doc.id))
        result, attempts = row.result, row.attempts
        db.session.remove()
    assert result["duplicate"] is False and result["status"] == "routed" and attempts == 2
    assert decisions == 1 and copies == len(result["committees"]) >= 1


# Each write to these tables noted with the synchronous_commit its transaction commits with (a deferred trigger
# runs at the COMMIT).
_SEEN = ["CREATE TABLE commit_seen (n SERIAL, tbl TEXT, op TEXT, setting TEXT)",
         "CREATE FUNCTION commit_seen() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
         "INSERT INTO commit_seen (tbl, op, setting) VALUES (TG_TABLE_NAME, TG_OP || CASE WHEN TG_OP = 'UPDATE' "
         "THEN ' ' || COALESCE(NEW.status, '') || CASE WHEN NEW.lease_until IS NOT NULL THEN ' lease' ELSE '' END "
         "ELSE '' END, current_setting('synchronous_commit')); RETURN NEW; END $$"] + [
    _seen_trigger(t) for t in ("liaison_http_inbox", "liaison_copy")]


@pytest.mark.parametrize("wait", [False, True])
def test_on_postgresql_only_the_ledgers_redone_commits_skip_the_disk_wait(app, wait):
    """synchronous_commit off only where a crash loses nothing: the decision with its event's done mark, and a
    copy's done mark (offered again under its id). The inbox's INSERT (the 202), the claims (durable before
    anything is sent: they flush the commits before them) and a Python host's own document_issued wait for the
    disk; LEDGER_COMMITS_WAIT_FOR_DISK makes every commit wait. No connection is left with it off."""
    from sqlalchemy import text

    from oa_liaison_plugin import hookimpl
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("PostgreSQL's synchronous_commit")
    app.config.update(API_PROCESS_INLINE=False, LEDGER_COMMITS_WAIT_FOR_DISK=wait)
    liaison = app.extensions["oa_liaison"]

    class Host:
        @hookimpl
        def deliver_copy(self, copy):
            return "ok"
    data = {"issuer": "南部县财政局", "title": "关于县级预算调整方案的报告", "main_recipients": ["县人大常委会"]}
    with app.app_context():
        for statement in _SEEN:
            db.session.execute(text(statement))
        db.session.commit()
        body = json.dumps({"specversion": "1.0", "id": "s-1", "source": "/t", "type": "document.issued",
                           "data": dict(data, id="S-1")})
        inbox.record(inbox.CLI_SENDER, json.loads(body), "nanbu", body)
        db.session.remove()
    liaison.pm.register(Host())
    inbox.process_due(liaison)
    with app.app_context():
        worker = db.session.execute(text("SELECT tbl, op, setting FROM commit_seen ORDER BY n")).all()
        db.session.execute(text("DELETE FROM commit_seen"))
        db.session.commit()
        db.session.remove()
    liaison.document_issued(dict(data, id="S-2"))   # a Python host's own call: its answer is a promise
    with app.app_context():
        host = db.session.execute(text("SELECT tbl, op, setting FROM commit_seen ORDER BY n")).all()
        left = {db.session.scalar(text("SHOW synchronous_commit"))}
        db.session.remove()
    off = "on" if wait else "off"
    ops = [(t[len("liaison_"):], op, setting) for t, op, setting in worker]
    copies = sum(1 for t, op, _ in ops if t == "copy" and op == "INSERT")
    assert ops == [("http_inbox", "INSERT", "on"), ("http_inbox", "UPDATE pending lease", "on"),
                   *[("copy", "INSERT", off)] * copies, ("http_inbox", "UPDATE done", off),
                   *[("copy", "UPDATE pending lease", "on")] * copies,
                   *[("copy", "UPDATE delivered", off)] * copies], ops
    decided = [setting for _, op, setting in host if op == "INSERT"]   # its copies' delivery is a ledger's
    assert copies >= 1 and decided == ["on"] * copies, host
    assert left == {"on"}


def test_a_batch_of_copies_reads_its_callback_host_once_and_each_copy_carries_its_own_facts(app):
    """The HTTP host's deliver_copy in a batch: the jurisdiction's callback host and its secrets read once for the
    batch (not once a copy), each copy's facts (its committee's id, jurisdiction, decision time) read with the
    batch's copies; every copy signed, offered once, and carrying its own facts."""
    from oa_liaison_plugin.models import Committee
    app.config["API_PROCESS_INLINE"] = False
    liaison = app.extensions["oa_liaison"]
    with app.app_context():
        _, secret = hosts.add(app.config, "batch", "nanbu")
        db.session.commit()
    host = CallbackHost(secret)
    try:
        with app.app_context():
            hosts.get("batch").callback_url = host.url
            db.session.commit()
            _issued_events("h", 4)
            engine = db.engine
            db.session.remove()
        sent: list = []

        def note(conn, cursor, statement, *args):
            sent.append(statement)
        counts = _processed(liaison, engine, object(), note)
        with app.app_context():
            facts = {f"copy-{c.id}": (c.committee_id, c.document.decided_at.isoformat(timespec="seconds") + "Z")
                     for c in db.session.scalars(select(Copy))}
            names = dict(db.session.execute(select(Committee.id, Committee.name)).all())
            db.session.remove()
    finally:
        host.close()
    host_reads = [s for s in sent if "liaison_http_host_secret" in s]
    assert counts["events"] == 4 and counts["delivered"] == len(facts) >= 4 and len(host_reads) == 1, host_reads
    assert set(host.acked) == set(facts) and set(host.acked.values()) == {1} and not host.bad
    got = {r["id"]: r["event"]["data"] for r in host.received}
    assert {k: (d["committee_id"], d["decided_at"]) for k, d in got.items()} == facts
    assert all(d["jurisdiction"] == "nanbu" and d["committee"] == names[d["committee_id"]] for d in got.values())
