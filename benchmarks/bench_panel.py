"""Benchmark: the web panel's list pages on a large database, each beside a naive baseline in the same run.

Fills a database (SQLite by default; bulk inserts through SQLAlchemy Core) with N documents and about 3N copies
spread over the 南部县 table, plus submissions, consultations, meetings and audit entries, then asks
each list page through Flask's test client (logged in as the role that uses it) and reports the
median time of the whole request: routing, login check, scoped keyset query, rendering.

The baseline is the first way one would write each list: the same scoped filter without LIMIT,
every matching row loaded through the ORM (Document.body and Copy.snapshot included), a COUNT(*)
for "page x of y", then the first 50 rows kept — the query work of an unpaginated list.

Run:  .venv/bin/python benchmarks/bench_panel.py [--documents 100000] [--runs 15] [--database-url URL]
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_db import add_database_url, analyze, db_label, fresh  # noqa: E402
from oa_liaison_plugin import create_app  # noqa: E402
from oa_liaison_plugin.models import (Committee, Consultation, Copy, Counterpart, Document,  # noqa: E402
                                      Meeting, Submission, Unit, db)
from oa_liaison_plugin.web.models import AuditEntry, User  # noqa: E402
from oa_liaison_plugin.web.users.accounts import create_user  # noqa: E402

PASSWORD = "bench-password-1"
BODY = "为进一步做好全县有关工作，根据上级精神，结合我县实际，现就有关事项通知如下。" * 8
CHUNK = 20_000


def fill(app, n_docs: int, seed: int = 5) -> dict:
    """Bulk-insert the data set; returns a few ids the pages are asked about."""
    rnd = random.Random(seed)
    liaison = app.extensions["oa_liaison"]
    with app.app_context():
        jur = liaison.jurisdiction()
        committees = dict(db.session.execute(select(Committee.name, Committee.id)).all())
        links = dict(db.session.execute(select(Counterpart.unit_id, Counterpart.committee_id)).all())
        units = [u for u in db.session.execute(select(Unit.id, Unit.name, Unit.parent_id)).all()]
        top = [u for u in units if u.id in links]
        start = dt.datetime(2022, 1, 1)
        docs, copies, consults = [], [], []
        copy_id = 0
        conn = db.session.connection()
        for i in range(1, n_docs + 1):
            at = start + dt.timedelta(minutes=15 * i)
            r = rnd.random()
            status = ("routed" if r < 0.65 else "not_qualified" if r < 0.985 else "held" if r < 0.995
                      else "unmatched")
            unit = rnd.choice(top)
            issuer = f"南部县未知单位{rnd.randrange(60)}" if status == "unmatched" else unit.name
            docs.append(dict(id=i, jurisdiction_id=jur.id, host_id=f"oa-{i}", issuer=issuer,
                             unit_id=None if status == "unmatched" else unit.id, title=f"关于第{i}号事项的通知",
                             doc_number=f"南发〔{at.year}〕{i}号", doc_type="通知", status=status, body=BODY,
                             meta={}, received_at=at, decided_at=at, issued_on=at.date()))
            if status == "routed":
                others = rnd.sample(sorted(committees.values()), rnd.choice((3, 4, 5, 6)))
                targets = {links[unit.id], *others}
                for cid in sorted(targets):
                    copy_id += 1
                    delivered = rnd.random() < 0.97
                    failed = not delivered and rnd.random() < 0.7
                    copies.append(dict(id=copy_id, document_id=i, committee_id=cid, unit_id=None,
                                       status="delivered" if delivered else "pending",
                                       snapshot={"host_id": f"oa-{i}", "title": f"关于第{i}号事项的通知"},
                                       reasons=[{"code": "qualified", "text": "重要文件"}],
                                       attempts=1 if delivered else 3, next_attempt_at=at, created_at=at,
                                       delivered_at=at if delivered else None,
                                       read_at=at + dt.timedelta(days=1) if delivered and rnd.random() < 0.6
                                       else None,
                                       last_error="ConnectionError: 收件服务不可用" if failed else None))
                if rnd.random() < 0.1:
                    consults.append(dict(document_id=i, committee_id=links[unit.id], due_on=at.date(),
                                         status="open" if rnd.random() < 0.3 else "answered", created_at=at))
            if len(copies) >= CHUNK:  # documents first: the copies refer to them
                conn.execute(insert(Document), docs)
                conn.execute(insert(Copy), copies)
                docs, copies = [], []
        for rows, model in ((docs, Document), (copies, Copy), (consults, Consultation)):
            for k in range(0, len(rows), CHUNK):
                conn.execute(insert(model), rows[k:k + CHUNK])
        conn.execute(insert(Submission), [dict(
            jurisdiction_id=jur.id, host_id=f"sub-{k}", committee_id=rnd.choice(list(committees.values())),
            unit_id=(u := rnd.choice(top)).id, unit_name=u.name, kind="提案", title=f"关于第{k}件事的建议",
            received_on=dt.date(2022, 1, 1) + dt.timedelta(days=k % 900), due_on=dt.date(2022, 4, 1)
            + dt.timedelta(days=k % 900), status="open" if k % 3 else "replied") for k in range(5000)])
        conn.execute(insert(Meeting), [dict(
            jurisdiction_id=jur.id, host_id=f"m-{k}", unit_id=(u := rnd.choice(top)).id,
            kind="liaison" if k % 4 else "work",
            title=f"第{k}次会议", held_on=dt.date(2022, 1, 1) + dt.timedelta(days=k % 900),
            invitees=[next(n for n, c in committees.items() if c == links[u.id])]) for k in range(2000)])
        conn.execute(insert(AuditEntry), [dict(
            jurisdiction_id=jur.id, user_id=1, username="admin", action="rule.update", target=f"rule-{k}",
            before={"terms": ["甲"]}, after={"terms": ["乙"]}, at=start + dt.timedelta(minutes=k))
            for k in range(50_000)])
        for name, role, scope in (("b-admin", "admin", None), ("b-unit", "unit", "南部县教育局"),
                                  ("b-committee", "committee", "教科文卫体委员会"), ("b-auditor", "auditor", None)):
            create_user(liaison, username=name, password=PASSWORD, role=role,
                        unit=scope if role == "unit" else None,
                        committee=scope if role == "committee" else None)
        db.session.commit()
        ids = {u.username: u.get_id() for u in db.session.scalars(select(User))}
        unit_id = db.session.scalar(select(User.unit_id).where(User.username == "b-unit"))
        committee_id = db.session.scalar(select(User.committee_id).where(User.username == "b-committee"))
        counts = {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
                  for m in (Document, Copy, Consultation, Submission, Meeting, AuditEntry)}
    return {"users": ids, "unit_id": unit_id, "committee_id": committee_id, "counts": counts,
            "mid_document": n_docs // 2, "mid_copy": copy_id // 2}


def client_for(app, session_id):
    client = app.test_client()
    with client.session_transaction() as s:
        s["_user_id"] = session_id
        s["_fresh"] = True
    return client


def median_ms(fn, runs: int) -> float:
    fn()  # warm: caches, the first template compile
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def naive(app, query, count_query):
    """The unpaginated baseline: load every matching row through the ORM, count them, keep 50."""
    def run():
        with app.app_context():
            rows = db.session.scalars(query).all()
            db.session.scalar(count_query)
            db.session.remove()
            return rows[:50]
    return run


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--documents", type=int, default=100_000)
    add_database_url(ap)
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": fresh(args.database_url, "panel"), "TESTING": True,
                          "DELIVER_INLINE": False}, instance_path=tmp)
        t0 = time.perf_counter()
        info = fill(app, args.documents)
        analyze(app.config["DATABASE_URL"])
        sizes = ", ".join(f"{k} {v:,}" for k, v in info["counts"].items())
        print(f"filled in {time.perf_counter() - t0:.1f} s: {sizes}")
        users, uid, cid = info["users"], info["unit_id"], info["committee_id"]
        with app.app_context():
            jur_id = app.extensions["oa_liaison"].jurisdiction().id
            unit_ids = [uid, *db.session.scalars(select(Unit.id).where(Unit.parent_id == uid))]
        docs = select(Document).where(Document.jurisdiction_id == jur_id)
        copies = (select(Copy).join(Document, Document.id == Copy.document_id)
                  .where(Document.jurisdiction_id == jur_id))

        def count(q):
            return select(func.count()).select_from(q.subquery())

        pages = [  # (label, user, url, naive query)
            ("documents, all (admin)", "b-admin", "/documents", docs.order_by(Document.id.desc())),
            ("documents, deep page (admin)", "b-admin", f"/documents?before={info['mid_document']}",
             docs.where(Document.id < info["mid_document"]).order_by(Document.id.desc())),
            ("documents, status=held", "b-admin", "/documents?status=held",
             docs.where(Document.status == "held").order_by(Document.id.desc())),
            ("documents, one unit (admin)", "b-admin", f"/documents?unit={uid}",
             docs.where(Document.unit_id == uid).order_by(Document.id.desc())),
            ("documents, unit clerk", "b-unit", "/documents",
             docs.where(Document.unit_id.in_(unit_ids)).order_by(Document.id.desc())),
            ("deliveries, all", "b-admin", "/deliveries", copies.order_by(Copy.id.desc())),
            ("deliveries, one committee", "b-admin", f"/deliveries?committee={cid}",
             copies.where(Copy.committee_id == cid).order_by(Copy.id.desc())),
            ("deliveries, status=failed", "b-admin", "/deliveries?status=failed",
             copies.where(Copy.status == "pending", Copy.last_error.is_not(None)).order_by(Copy.id.desc())),
            ("deliveries, sending unit", "b-admin", f"/deliveries?unit={uid}",
             copies.where(Document.unit_id == uid).order_by(Copy.id.desc())),
            ("deliveries, one month", "b-admin", "/deliveries?from=2022-06-01&to=2022-06-30",
             copies.where(Copy.created_at >= dt.datetime(2022, 5, 31, 16),
                          Copy.created_at < dt.datetime(2022, 6, 30, 16)).order_by(Copy.id.desc())),
            ("inbox (committee)", "b-committee", "/inbox",
             copies.where(Copy.committee_id == cid).order_by(Copy.id.desc())),
            ("inbox, unread", "b-committee", "/inbox?unread=1",
             copies.where(Copy.committee_id == cid, Copy.read_at.is_(None)).order_by(Copy.id.desc())),
            ("unmatched issuers", "b-admin", "/unmatched",
             docs.where(Document.status == "unmatched").order_by(Document.id.desc())),
            ("submissions (unit)", "b-unit", "/submissions",
             select(Submission).where(Submission.unit_id.in_(unit_ids)).order_by(Submission.id.desc())),
            ("consultations (committee)", "b-committee", "/consultations",
             select(Consultation).where(Consultation.committee_id == cid).order_by(Consultation.id.desc())),
            ("meetings (admin)", "b-admin", "/meetings", select(Meeting).order_by(Meeting.id.desc())),
            ("audit log", "b-auditor", "/audit",
             select(AuditEntry).where(AuditEntry.jurisdiction_id == jur_id).order_by(AuditEntry.id.desc())),
            ("home (admin, capped counts)", "b-admin", "/", None),
            ("home (committee)", "b-committee", "/", None),
        ]
        print(f"\nlist pages, {db_label(args.database_url)}, {args.runs} runs each, median of the whole request "
              "(Flask test client)")
        print("panel = the whole request (query + rendering); baseline = its query work alone")
        print("(no rendering), so the speed-up understates the difference for large result sets.")
        print(f"{'page':32} {'panel':>9} {'baseline':>10} {'speed-up':>9}  rows the baseline loads")
        worst = 0.0
        for label, user, url, query in pages:
            client = client_for(app, users[user])
            resp = client.get(url)
            assert resp.status_code == 200, (url, resp.status_code)
            ours = median_ms(lambda: client.get(url), args.runs)
            worst = max(worst, ours)
            if query is None:
                print(f"{label:32} {ours:7.1f} ms {'—':>10} {'':>9}")
                continue
            runs = max(3, args.runs // 3)
            base = median_ms(naive(app, query, count(query)), runs)
            with app.app_context():
                n = db.session.scalar(count(query))
            print(f"{label:32} {ours:7.1f} ms {base:8.1f} ms {base / ours:8.1f}x  {n:,}")
        print(f"\nslowest list page: {worst:.1f} ms median (target ≤ 100 ms)")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
