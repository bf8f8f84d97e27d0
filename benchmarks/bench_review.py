"""Benchmark: the yearly review (五(三)) of a county with 100,000 documents and 300,000 copies in the year.

Fills a database (SQLite by default; bulk inserts through SQLAlchemy Core) with N documents issued in one year, 3N
copies, consultations, submissions (replied ones with their audit entry), liaison and work meetings with
proposed invitees, and agreed topics. Then, side by side in one run:

- ours: the panel page (GET /review?year=Y through Flask's test client, logged in as the admin) and the
  .docx report (GET /review/report.docx), whose figures come from GROUP BY queries (review.stats);
- baseline: the same two requests with the figures computed the first way one would write them: the
  rows loaded into Python (only the columns needed, through Core) and counted in loops.

Both must give the same numbers (checked). Times are medians of --runs requests.

Run:  .venv/bin/python benchmarks/bench_review.py [--documents 100000] [--runs 5] [--database-url URL]
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_db import add_database_url, analyze, db_label, fresh  # noqa: E402
from oa_liaison_plugin import create_app  # noqa: E402
from oa_liaison_plugin.models import (AgreedTopic, Committee, Consultation, Copy, Counterpart, Document,  # noqa: E402
                                      Invitation, Meeting, Reply, Submission, Unit, db)
from oa_liaison_plugin.replies.tasks import RATINGS  # noqa: E402
from oa_liaison_plugin.clock import county_today  # noqa: E402
from oa_liaison_plugin.config import county_zone  # noqa: E402
from oa_liaison_plugin.review import stats  # noqa: E402
from oa_liaison_plugin.web.models import AuditEntry  # noqa: E402
from oa_liaison_plugin.web.users.accounts import create_user  # noqa: E402

YEAR = 2025
CHUNK = 20_000
PASSWORD = "bench-password-1"


def fill(app, n_docs: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    with app.app_context():
        jur = app.extensions["oa_liaison"].jurisdiction()
        committees = list(db.session.scalars(select(Committee.id).where(Committee.jurisdiction_id == jur.id)))
        links = dict(db.session.execute(select(Counterpart.unit_id, Counterpart.committee_id)).all())
        units = list(db.session.scalars(select(Unit.id).where(Unit.jurisdiction_id == jur.id)))
        conn = db.session.connection()
        start = dt.datetime(YEAR, 1, 1)
        docs, copies, cons = [], [], []
        for i in range(1, n_docs + 1):
            unit = rnd.choice(units)
            at = start + dt.timedelta(seconds=int((i - 1) * 315.36e5 / n_docs))
            docs.append(dict(id=i, jurisdiction_id=jur.id, host_id=f"oa-{i}", issuer="单位", unit_id=unit,
                             title=f"关于第{i}号事项的通知", status="routed", meta={}, received_at=at, issued_on=at.date()))
            own = links.get(unit) or rnd.choice(committees)
            for cid in [own, *rnd.sample([c for c in committees if c != own], 2)]:
                copies.append(dict(document_id=i, committee_id=cid, status="delivered", snapshot={}, reasons=[],
                                   attempts=1, next_attempt_at=at, created_at=at))
            if rnd.random() < 0.02:
                answered = rnd.random() < 0.7
                cons.append(dict(document_id=i, committee_id=own, due_on=at.date() + dt.timedelta(days=15),
                                 status="answered" if answered else "open", created_at=at,
                                 stage="before" if rnd.random() < 0.5 else "after",
                                 position=rnd.choice(["同意", "修改意见", "不同意", None]) if answered else None,
                                 answered_at=at + dt.timedelta(days=rnd.randint(1, 25)) if answered else None))
            if len(copies) >= CHUNK:
                conn.execute(insert(Document), docs)
                conn.execute(insert(Copy), copies)
                docs, copies = [], []
        if docs:
            conn.execute(insert(Document), docs)
        if copies:
            conn.execute(insert(Copy), copies)
        conn.execute(insert(Consultation), cons)
        subs, audits = [], []
        for i in range(1, n_docs // 60 + 1):
            received = dt.date(YEAR, 1, 1) + dt.timedelta(days=rnd.randrange(360))
            replied = rnd.random() < 0.6
            subs.append(dict(id=i, jurisdiction_id=jur.id, host_id=f"s-{i}", committee_id=rnd.choice(committees),
                             unit_id=rnd.choice(units), unit_name="单位", kind="提案", title=f"提案{i}",
                             received_on=received, due_on=received + dt.timedelta(days=90),
                             status="replied" if replied else "open"))
            if replied:
                audits.append(dict(at=dt.datetime.combine(received, dt.time()) + dt.timedelta(days=rnd.randrange(120)),
                                   jurisdiction_id=jur.id, username="bench", action="submission.replied",
                                   target=f"submission-{i}", after={"status": "replied"}))
        conn.execute(insert(Submission), subs)
        conn.execute(insert(AuditEntry), audits)
        meetings, invitations, topics = [], [], []
        for i in range(1, 401):
            liaison_meeting = i <= 9    # some committees hold two, some one, some none
            cid = committees[(i - 1) % len(committees) if i <= 7 else (i - 8) % 2] if liaison_meeting else None
            unit = rnd.choice(units)
            meetings.append(dict(id=i, jurisdiction_id=jur.id, host_id=f"m-{i}", unit_id=unit, committee_id=cid,
                                 kind="liaison" if liaison_meeting else "work", title=f"会议{i}",
                                 held_on=dt.date(YEAR, 1, 1) + dt.timedelta(days=rnd.randrange(360)), invitees=[],
                                 topics=[], decisions=[]))
            for k in range(3 if not liaison_meeting else 0):
                invitations.append(dict(meeting_id=i, kind="committee_leader", name=f"负责人{k}", organisation=f"委{k}",
                                        unit_id=unit, committee_id=rnd.choice(committees),
                                        status=rnd.choice(("proposed", "confirmed", "declined"))))
            if liaison_meeting:
                for k in range(3):
                    topics.append(dict(jurisdiction_id=jur.id, meeting_id=i, committee_id=cid,
                                       unit_id=rnd.choice(units), year=YEAR, kind="consultation", title=f"课题{i}-{k}",
                                       state=rnd.choice(("planned", "in_progress", "done")),
                                       planned_on=dt.date(YEAR, 3, 1)))
        conn.execute(insert(Meeting), meetings)
        conn.execute(insert(Invitation), invitations)
        conn.execute(insert(AgreedTopic), topics)
        create_user(app.extensions["oa_liaison"], username="bench-admin", password=PASSWORD, role="admin")
        db.session.commit()
        db.session.execute(db.text("ANALYZE"))


def python_review(liaison, jur, year: int) -> dict:
    """The baseline: every figure by loading the rows into Python and counting them."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    start, end = stats.utc_year(year, liaison.config.get("TIMEZONE"))
    s = db.session
    today = county_today(liaison.config)
    parent = dict(s.execute(select(Unit.id, Unit.parent_id).where(Unit.jurisdiction_id == jur.id)).all())
    top = {u: p or u for u, p in parent.items()}
    in_year = {}
    for did, unit, issued, received in s.execute(select(Document.id, Document.unit_id, Document.issued_on,
                                                         Document.received_at)
                                                 .where(Document.jurisdiction_id == jur.id)):
        if (first <= issued <= last) if issued else (start <= received < end):
            in_year[did] = unit
    c, u = Counter(), Counter()
    copied = set()
    for did, cid, kind in s.execute(select(Copy.document_id, Copy.committee_id, Copy.kind)):
        if did in in_year and cid is not None and kind == "copy":
            c[(cid, "copies")] += 1
            copied.add(did)
    for did in copied:
        if in_year[did] is not None:
            u[(top[in_year[did]], "documents_copied")] += 1
    zone = county_zone(liaison.config)
    positions = {"同意": "positions_agree", "修改意见": "positions_amend", "不同意": "positions_disagree"}
    for did, cid, status, stage, due, at, position in s.execute(select(
            Consultation.document_id, Consultation.committee_id, Consultation.status, Consultation.stage,
            Consultation.due_on, Consultation.answered_at, Consultation.position)):
        if did in in_year:
            on_time = status == "answered" and at.replace(tzinfo=dt.timezone.utc).astimezone(zone).date() <= due
            for key, counter in ((cid, c), (top.get(in_year[did]), u)):
                counter[(key, "consultations_opened")] += 1
                counter[(key, "consultations_answered")] += status == "answered"
                counter[(key, f"consultations_{stage}")] += 1
                counter[(key, "consultations_on_time")] += on_time
                if position in positions:
                    counter[(key, positions[position])] += 1
    # 按期答复率 (stats.ON_TIME_DEFINITION): the first reply letter's date against the deadline it answered.
    first_reply = {sid: (sent, due) for sid, sent, due in s.execute(
        select(Reply.submission_id, Reply.sent_on, Reply.due_on).where(Reply.round == 1))}
    for sid, cid, unit, received, due, status in s.execute(select(
            Submission.id, Submission.committee_id, Submission.unit_id, Submission.received_on, Submission.due_on,
            Submission.status).where(Submission.jurisdiction_id == jur.id)):
        if first <= received <= last:
            sent, answered_due = first_reply.get(sid, (None, None))
            for key, counter in ((cid, c), (top.get(unit), u)):
                counter[(key, "submissions")] += 1
                counter[(key, "submissions_answered")] += status == "replied" or sent is not None
                counter[(key, "submissions_on_time")] += sent is not None and sent <= answered_due
                counter[(key, "submissions_due")] += status == "replied" or sent is not None or due < today
    held = {}
    for mid, cid, unit, kind, day in s.execute(select(Meeting.id, Meeting.committee_id, Meeting.unit_id, Meeting.kind,
                                                      Meeting.held_on).where(Meeting.jurisdiction_id == jur.id)):
        if first <= day <= last:
            held[mid] = True
            if kind == "liaison":
                c[(cid, "meetings_held")] += 1
            u[(top.get(unit), "meetings_held")] += 1
    for mid, cid, unit, status in s.execute(select(Invitation.meeting_id, Invitation.committee_id, Invitation.unit_id,
                                                   Invitation.status)):
        if mid in held:
            for key, counter in ((cid, c), (top.get(unit), u)):
                counter[(key, "invitations_proposed")] += 1
                counter[(key, "invitations_confirmed")] += status == "confirmed"
                counter[(key, "invitations_declined")] += status == "declined"
    for cid, unit, state in s.execute(select(AgreedTopic.committee_id, AgreedTopic.unit_id, AgreedTopic.state).where(
            AgreedTopic.jurisdiction_id == jur.id, AgreedTopic.year == year)):
        for key, counter in ((cid, c), (top.get(unit), u)):
            counter[(key, "topics")] += 1
            counter[(key, "topics_done")] += state == "done"
    minimum = int(liaison.config["MEETINGS_MINIMUM"])
    committees = [{"name": name, **{k: c[(cid, k)] for k in stats.COMMITTEE_FIGURES},
                   "behind": c[(cid, "meetings_held")] < minimum, "ratings": {}}
                  for cid, name in s.execute(select(Committee.id, Committee.name).where(
                      Committee.jurisdiction_id == jur.id).order_by(Committee.position, Committee.id))]
    active = {key for key, _ in u}
    liaising = set(s.scalars(select(Counterpart.unit_id)))
    units = [{"name": name, **{k: u[(uid, k)] for k in stats.UNIT_FIGURES}, "ratings": {}}
             for uid, name in s.execute(select(Unit.id, Unit.name).where(
                 Unit.jurisdiction_id == jur.id, Unit.parent_id.is_(None)).order_by(Unit.position, Unit.id))
             if uid in liaising or uid in active]
    totals = {k: sum(x[k] for x in committees) for k in stats.COMMITTEE_FIGURES}
    totals["ratings"] = dict.fromkeys(RATINGS, 0)   # the filled data has no ratings
    for row in (*committees, *units, totals):
        row["on_time_rate"] = stats.on_time_rate(row["submissions_on_time"], row["submissions_due"])
    return {"year": year, "jurisdiction": jur.code, "jurisdiction_name": jur.name, "minimum": minimum,
            "committees": committees, "units": units, "totals": totals,
            "committees_behind": [x["name"] for x in committees if x["behind"]]}


def timed(client, url: str, runs: int) -> tuple[float, int]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        resp = client.get(url)
        times.append(time.perf_counter() - t)
        assert resp.status_code == 200, (url, resp.status_code)
    return statistics.median(times), len(resp.data)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--documents", type=int, default=100_000)
    add_database_url(ap)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": fresh(args.database_url, "review"), "SECRET_KEY": "bench",
                          "TESTING": True,
                          "WTF_CSRF_ENABLED": False}, instance_path=Path(tmp) / "instance")
        t = time.perf_counter()
        fill(app, args.documents)
        analyze(app.config["DATABASE_URL"])
        liaison = app.extensions["oa_liaison"]
        with app.app_context():
            n_docs, n_copies = (db.session.scalar(select(db.func.count()).select_from(m)) for m in (Document, Copy))
            jur = liaison.jurisdiction()
            from oa_liaison_plugin.review import year_review
            ours, baseline = year_review(liaison, jur, YEAR), python_review(liaison, jur, YEAR)
            assert ours == baseline, "the SQL review and the Python baseline disagree"
            from oa_liaison_plugin.web.models import User
            admin = db.session.scalar(select(User).where(User.username == "bench-admin")).get_id()
        print(f"data ({db_label(args.database_url)}): {n_docs:,} documents and {n_copies:,} copies in {YEAR}, "
              f"{len(ours['units'])} units, {len(ours['committees'])} committees "
              f"(filled in {time.perf_counter() - t:.1f} s)")
        print("same numbers from both: yes "
              f"(copies {ours['totals']['copies']:,}, consultations {ours['totals']['consultations_opened']:,}, "
              f"submissions {ours['totals']['submissions']:,}, meetings {ours['totals']['meetings_held']})")
        client = app.test_client()
        with client.session_transaction() as sess:
            sess["_user_id"], sess["_fresh"] = admin, True
        import oa_liaison_plugin.web.review.views as views
        results = {}
        for name, fn in (("ours (GROUP BY)", views.year_review), ("baseline (rows in Python)", python_review)):
            views.year_review = fn
            page = timed(client, f"/review?year={YEAR}", args.runs)
            report = timed(client, f"/review/report.docx?year={YEAR}", args.runs)
            results[name] = (page[0], report[0])
            print(f"{name:28s} page {page[0] * 1000:8.1f} ms ({page[1] // 1024} KB)   "
                  f".docx {report[0] * 1000:8.1f} ms ({report[1] // 1024} KB)")
        (op, od), (bp, bd) = results.values()
        print(f"ratio baseline/ours: page {bp / op:.1f}x, .docx {bd / od:.1f}x; "
              f"target ≤ 1 s each: {'met' if max(op, od) <= 1 else 'NOT met'}")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
