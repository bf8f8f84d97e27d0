"""Benchmark: a province in one database — 20 counties, 1,000,000 documents, 3,000,000 copies, 500,000 open tasks.

Builds 20 jurisdictions, each with its own imported table (the 南部县 table under another code), then bulk-loads
(COPY on PostgreSQL, executemany on SQLite, through the models' tables) documents interleaved across the
counties over three years, 3–4 copies of each routed one, consultations, 500,000 open reply tasks (a tenth
with a co-handler) and 100,000 answered ones, and prints how long the build took. Then, twice in one run —
without the indexes of migrations 0019, 0023 and 0027 ("before") and with them ("after"), ANALYZE each time:

- the panel's list pages of one county through Flask's test client: documents, deliveries, submissions and
  the due lists as its admin, the inbox as a committee clerk (median of --runs requests);
- the yearly review page of that county (median of --review-runs);
- `remind` over every county: first pass (empty ledger), the same day again, the next day.

Run:  .venv/bin/python benchmarks/bench_province.py [--scale 1.0] [--runs 15] [--database-url URL] [--explain]
      [--keep] [--reuse URL] [--phases before after]

The full-size build takes minutes: ``--keep`` leaves the built database in place and prints its URL, ``--reuse URL``
measures on such a database instead of building one (the remind passes' ledger and messages are cleared first).
``--phases after`` measures only with the indexes; ``--phases`` alone only builds.
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_db import add_database_url, analyze, db_label, fresh, is_pg, vacuum  # noqa: E402
from bench_panel import client_for, median_ms  # noqa: E402
from oa_liaison_plugin import create_app, reminders  # noqa: E402
from oa_liaison_plugin.models import (Cohandler, Committee, Consultation, Copy, Counterpart, Document,  # noqa: E402
                                      Message, Reply, ReminderSent, Submission, Unit, db)
from oa_liaison_plugin.table import file as table
from oa_liaison_plugin.web.users.accounts import create_user  # noqa: E402

COUNTIES = 20
PASSWORD = "bench-password-1"
CHUNK = 50_000
TODAY = dt.date.today()
YEAR = TODAY.year - 1
MIGRATIONS = [importlib.import_module(f"oa_liaison_plugin.migrations.versions.{m}")
              for m in ("0019_province_indexes", "0023_province_review_unread", "0027_failed_copies")]


def bulk(conn, model, rows: list[dict]) -> None:
    """Rows into a model's table: COPY on PostgreSQL, one executemany on SQLite."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(insert(model), rows)
        return
    # COPY skips the models' Python-side defaults (created_at …): fill them in as an INSERT would.
    defaults = {c.name: (c.default.arg(None) if c.default.is_callable else c.default.arg)
                for c in model.__table__.columns if c.default is not None and c.default.is_scalar
                or c.default is not None and c.default.is_callable}
    defaults = {k: v for k, v in defaults.items() if k not in rows[0]}
    rows = [{**defaults, **r} for r in rows] if defaults else rows
    cols = list(rows[0])
    names = ", ".join(f'"{c}"' for c in cols)
    with conn.connection.driver_connection.cursor() as cur:
        with cur.copy(f"COPY {model.__tablename__} ({names}) FROM STDIN") as cp:
            for r in rows:
                cp.write_row([json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v
                              for v in (r[c] for c in cols)])


def counties(app) -> list[dict]:
    """The 20 jurisdictions, each loaded from its own table file; their committees, units and links."""
    data = json.loads((Path(table.__file__).parents[1] / "data" / "nanbu.json").read_text("utf-8"))
    out = []
    with app.app_context():
        for k in range(COUNTIES):
            if k:
                data["jurisdiction"] = {**data["jurisdiction"], "code": f"county{k:02d}", "name": f"第{k}县"}
                table.load(data)
            jur = app.extensions["oa_liaison"].jurisdiction(data["jurisdiction"]["code"])
            committees = list(db.session.scalars(select(Committee.id).where(Committee.jurisdiction_id == jur.id)))
            units = db.session.execute(select(Unit.id, Unit.name).where(Unit.jurisdiction_id == jur.id)).all()
            links = dict(db.session.execute(select(Counterpart.unit_id, Counterpart.committee_id)
                                            .join(Unit, Unit.id == Counterpart.unit_id)
                                            .where(Unit.jurisdiction_id == jur.id)).all())
            out.append({"id": jur.id, "code": jur.code, "committees": committees, "units": units, "links": links})
    return out


def fill_documents(conn, juris, n_docs: int, rnd) -> None:
    """Documents interleaved across the counties over three years, with their copies and consultations."""
    start, span = dt.datetime(YEAR - 2, 1, 1), 3 * 365 * 86400
    docs, copies, cons, copy_id = [], [], [], 0
    for i in range(1, n_docs + 1):
        j = juris[i % COUNTIES]
        at = start + dt.timedelta(seconds=int(i * span / n_docs))
        r = rnd.random()
        status = "routed" if r < 0.8 else "not_qualified" if r < 0.98 else "held" if r < 0.99 else "unmatched"
        unit = rnd.choice(j["units"])
        docs.append(dict(id=i, jurisdiction_id=j["id"], host_id=f"oa-{i}", issuer=unit.name,
                         unit_id=None if status == "unmatched" else unit.id, title=f"关于第{i}号事项的通知",
                         doc_number=f"发〔{at.year}〕{i}号", doc_type="通知", status=status, meta={},
                         received_at=at, decided_at=at, issued_on=at.date(),
                         hold_reason="待人工确认" if status == "held" else None))
        if status == "routed":
            own = j["links"].get(unit.id) or j["committees"][0]
            others = rnd.sample([c for c in j["committees"] if c != own], 3 if rnd.random() < 0.75 else 2)
            for cid in (own, *others):
                copy_id += 1
                delivered = rnd.random() < 0.97
                copies.append(dict(id=copy_id, document_id=i, committee_id=cid, status="delivered" if delivered
                                   else "pending", snapshot={"host_id": f"oa-{i}"}, reasons=[], attempts=1,
                                   next_attempt_at=at, created_at=at, delivered_at=at if delivered else None,
                                   read_at=at + dt.timedelta(days=1) if delivered and rnd.random() < 0.6 else None,
                                   last_error=None if delivered else "ConnectionError: 收件服务不可用"))
            if rnd.random() < 0.02:
                cons.append(dict(document_id=i, committee_id=own, due_on=at.date() + dt.timedelta(days=15),
                                 status="answered" if rnd.random() < 0.7 else "open", created_at=at))
        if len(copies) >= CHUNK:
            bulk(conn, Document, docs)
            bulk(conn, Copy, copies)
            docs, copies = [], []
    bulk(conn, Document, docs)
    bulk(conn, Copy, copies)
    bulk(conn, Consultation, cons)


def fill_tasks(conn, juris, n_open: int, rnd) -> None:
    """Open reply tasks due from two months ago to a year ahead, a tenth co-handled; a fifth as many answered."""
    subs, cohs, replies = [], [], []
    n_done = n_open // 5
    for i in range(1, n_open + n_done + 1):
        j = juris[i % COUNTIES]
        unit = j["units"][i % len(j["units"])]
        done = i > n_open
        due = (dt.date(YEAR, 1, 1) + dt.timedelta(days=i % 365) if done
               else TODAY + dt.timedelta(days=i % 425 - 60))
        subs.append(dict(id=i, jurisdiction_id=j["id"], host_id=f"sub-{i}", committee_id=rnd.choice(j["committees"]),
                         unit_id=unit.id, unit_name=unit.name, kind="提案", title=f"关于第{i}件事的建议",
                         received_on=due - dt.timedelta(days=91), due_on=due, original_due_on=due,
                         status="replied" if done else "open", state="rated" if done else "received", round=1))
        if done:
            replies.append(dict(submission_id=i, round=1, doc_number=f"复〔{YEAR}〕{i}号",
                                sent_on=due - dt.timedelta(days=rnd.randrange(-5, 30)), due_on=due,
                                rating=rnd.choice(("满意", "基本满意", "不满意"))))
        elif i % 10 == 0:
            other = j["units"][(i + 7) % len(j["units"])]
            cohs.append(dict(submission_id=i, unit_id=other.id, unit_name=other.name,
                             due_on=due - dt.timedelta(days=10), status="open"))
        if len(subs) >= CHUNK:
            bulk(conn, Submission, subs)
            subs = []
    bulk(conn, Submission, subs)
    bulk(conn, Cohandler, cohs)
    bulk(conn, Reply, replies)


def build(app, scale: float) -> dict:
    rnd = random.Random(27)
    juris = counties(app)
    with app.app_context():
        conn = db.session.connection()
        fill_documents(conn, juris, int(1_000_000 * scale), rnd)
        fill_tasks(conn, juris, int(500_000 * scale), rnd)
        if conn.dialect.name == "postgresql":   # COPY with given ids leaves the sequences behind
            for model in (Document, Copy, Submission):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{model.__tablename__}', 'id'), "
                                  f"(SELECT max(id) FROM {model.__tablename__}))"))
        j = juris[COUNTIES // 4]
        liaison = app.extensions["oa_liaison"]
        for name, role, scope in (("p-admin", "admin", None), ("p-committee", "committee", "教科文卫体委员会")):
            create_user(liaison, username=name, password=PASSWORD, role=role, committee=scope, jurisdiction=j["code"])
        db.session.commit()
    return built(app)


def built(app) -> dict:
    """The users' ids, the clerk's committee and a document halfway down the county's list (also for --reuse)."""
    from oa_liaison_plugin.web.models import User
    with app.app_context():
        users = {u.username: u for u in db.session.scalars(select(User))}
        jid = db.session.scalar(select(Document.jurisdiction_id).join(
            Committee, Committee.jurisdiction_id == Document.jurisdiction_id)
            .where(Committee.id == users["p-committee"].committee_id).limit(1))
        ids = list(db.session.scalars(select(Document.id).where(Document.jurisdiction_id == jid)
                                      .order_by(Document.id)))
        return {"users": {k: u.get_id() for k, u in users.items()}, "committee": users["p-committee"].committee_id,
                "mid_document": ids[len(ids) // 2] if ids else 1}


def indexes(app, create: bool) -> None:
    """Drop (before) or create (after) the indexes migrations 0019, 0023 and 0027 add, as the models define them."""
    with app.app_context():
        wanted = {name for m in MIGRATIONS for name, _, _ in m.INDEXES}
        for t in db.metadata.sorted_tables:
            for ix in t.indexes:
                if ix.name in wanted:
                    (ix.create if create else ix.drop)(db.engine, checkfirst=True)
    analyze(app.config["DATABASE_URL"])


def explain(app, client, url: str) -> None:
    """The request's slowest statement with its plan (EXPLAIN ANALYZE on PostgreSQL, QUERY PLAN on SQLite)."""
    seen = []

    def before(conn, cursor, statement, params, context, many):
        conn.info["t0"] = time.perf_counter()

    def after(conn, cursor, statement, params, context, many):
        seen.append((time.perf_counter() - conn.info["t0"], statement, params))
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    client.get(url)
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "after_cursor_execute", after)
    took, statement, params = max(seen, key=lambda s: s[0])
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if is_pg(app.config["DATABASE_URL"]) else "EXPLAIN QUERY PLAN "
    with app.app_context():
        plan = db.session.connection().exec_driver_sql(prefix + statement, params).all()
        db.session.rollback()
    print(f"    slowest statement {took * 1000:.1f} ms: {' '.join(statement.split())[:300]}")
    for row in plan:
        print("      " + " | ".join(str(v) for v in row))


def load() -> str:
    """The machine's load average (1, 5, 15 minutes), printed beside the figures."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"


def measure(app, info: dict, args) -> dict:
    """Label -> milliseconds (pages, review) or seconds (remind passes)."""
    cid, mid = info["committee"], info["mid_document"]
    pages = [("documents", "p-admin", "/documents"),
             ("documents, deep page", "p-admin", f"/documents?before={mid}"),
             ("documents, status=held", "p-admin", "/documents?status=held"),
             ("deliveries", "p-admin", "/deliveries"),
             ("deliveries, one committee", "p-admin", f"/deliveries?committee={cid}"),
             ("deliveries, status=failed", "p-admin", "/deliveries?status=failed"),
             ("submissions", "p-admin", "/submissions"),
             ("due list: overdue", "p-admin", "/submissions?overdue=1"),
             ("due list: due within 15 days", "p-admin", "/submissions?soon=1"),
             ("inbox (committee clerk)", "p-committee", "/inbox"),
             ("inbox, unread (committee clerk)", "p-committee", "/inbox?unread=1")]
    out = {}
    for label, user, url in pages:
        client = client_for(app, info["users"][user])
        assert client.get(url).status_code == 200, url
        out[label] = median_ms(lambda: client.get(url), args.runs)
        print(f"  {label:34} {out[label]:8.1f} ms   (load {load()})", flush=True)
        if args.explain:
            explain(app, client, url)
    client = client_for(app, info["users"]["p-admin"])
    review = f"/review?year={YEAR}"
    assert client.get(review).status_code == 200
    out[f"yearly review {YEAR}"] = median_ms(lambda: client.get(review), args.review_runs)
    print(f"  {'yearly review ' + str(YEAR):34} {out[f'yearly review {YEAR}']:8.1f} ms   (load {load()})", flush=True)
    liaison = app.extensions["oa_liaison"]
    with app.app_context():
        clear_reminders()
        for label, day in (("remind, first pass", TODAY), ("remind, same day again", TODAY),
                           ("remind, next day", TODAY + dt.timedelta(days=1))):
            t0 = time.perf_counter()
            sent = len(reminders.run(liaison, day))
            out[label] = time.perf_counter() - t0
            print(f"  {label:34} {out[label]:8.2f} s ({sent:,} sent; load {load()})", flush=True)
    return out


def summary(results: dict) -> None:
    """Each measured phase side by side, and whether the last one meets the target."""
    last = list(results.values())[-1]
    print(f"\n{'':36} " + " ".join(f"{p.split()[0]:>10}" for p in results) + "  target")
    for label in last:
        unit, target = ("s", 5) if label.startswith("remind") else ("ms", 1000 if "review" in label else 100)
        print(f"{label:36} " + " ".join(f"{r[label]:8.1f} {unit}" for r in results.values())
              + f"  ≤ {target} {unit}: {'met' if last[label] <= target else 'NOT met'}")


def clear_reminders() -> None:
    """An empty ledger and no reminder messages: the first pass then sends as on the database just built
    (the deleted rows vacuumed: else each run's claims check the unique index's dead entries of every run before)."""
    db.session.execute(ReminderSent.__table__.delete())
    db.session.execute(Message.__table__.delete().where(Message.kind == "reminder"))
    db.session.commit()
    vacuum(str(db.engine.url.render_as_string(hide_password=False)), ReminderSent.__tablename__,
           Message.__tablename__)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of the full size (0.01: 10,000 documents)")
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--review-runs", type=int, default=3)
    ap.add_argument("--explain", action="store_true", help="print each page's slowest statement and its plan")
    ap.add_argument("--keep", action="store_true", help="keep the built database and print its URL")
    ap.add_argument("--reuse", metavar="URL", help="measure on a database --keep left (no build)")
    ap.add_argument("--phases", nargs="*", choices=("before", "after"), default=["before", "after"],
                    help="which phases to measure (none: build only)")
    add_database_url(ap)
    args = ap.parse_args()
    if args.reuse:
        args.database_url = args.reuse
    with tempfile.TemporaryDirectory() as tmp:
        url = args.reuse or fresh(args.database_url, "province", keep=args.keep)
        app = create_app({"DATABASE_URL": url, "TESTING": True,
                          "DELIVER_INLINE": False, "REMIND_IN_WORKER": False}, instance_path=tmp)
        t0 = time.perf_counter()
        info = built(app) if args.reuse else build(app, args.scale)
        with app.app_context():
            sizes = {m.__tablename__: db.session.scalar(select(db.func.count()).select_from(m))
                     for m in (Document, Copy, Submission, Cohandler)}
            open_tasks = db.session.scalar(select(db.func.count()).where(Submission.status == "open"))
        print(f"{db_label(args.database_url)}: {'reused' if args.reuse else 'built in'} "
              f"{'' if args.reuse else f'{time.perf_counter() - t0:.1f} s '}(load {load()}): {COUNTIES} counties, "
              + ", ".join(f"{k} {v:,}" for k, v in sizes.items()) + f" ({open_tasks:,} open tasks)", flush=True)
        if args.keep:   # a kept database is measured by later runs: give them the planner's statistics now
            analyze(url)
            print(f"kept: --reuse {url}", flush=True)
        results = {}
        for phase, create in (("before (without 0019's, 0023's and 0027's indexes)", False),
                              ("after (with them)", True)):
            if phase.split()[0] not in args.phases:
                continue
            t1 = time.perf_counter()
            indexes(app, create)
            print(f"\n{phase}: indexes and ANALYZE {time.perf_counter() - t1:.1f} s", flush=True)
            results[phase] = measure(app, info, args)
        if results:
            summary(results)
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
