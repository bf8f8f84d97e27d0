"""Several delivery workers share the ledger on PostgreSQL (FOR UPDATE SKIP LOCKED): each copy offered once."""
from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from oa_liaison_plugin import hookimpl
from oa_liaison_plugin.delivery import deliver_due
from oa_liaison_plugin.models import Copy, db


class CountingHost:
    def __init__(self):
        self.offers = Counter()
        self.lock = threading.Lock()

    @hookimpl
    def deliver_copy(self, copy):
        with self.lock:
            self.offers[copy["copy_id"]] += 1
        return f"ack-{copy['copy_id']}"


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_concurrent_workers_offer_each_copy_once(db_url, tmp_path):
    from conftest import make_app
    app = make_app(db_url, tmp_path / "inst", DELIVER_INLINE=False)
    liaison = app.extensions["oa_liaison"]
    for i in range(60):
        liaison.document_issued({"id": f"w{i}", "issuer": "南部县财政局", "title": "关于县级预算调整方案的报告",
                                 "main_recipients": ["县人大常委会"], "flags": {"major": True}})
    with app.app_context():
        total = db.session.scalar(select(func.count(Copy.id)))
    assert total >= 60
    host = CountingHost()
    liaison.pm.register(host)
    barrier = threading.Barrier(4)

    def worker():
        barrier.wait()
        while deliver_due(liaison, limit=5)["delivered"]:
            pass

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(host.offers) == total and set(host.offers.values()) == {1}
    with app.app_context():
        assert db.session.scalar(select(func.count(Copy.id)).where(Copy.status != "delivered")) == 0


def test_retry_now_leaves_a_copy_a_worker_is_offering_to_that_worker(app, tmp_path):
    """The panel's 重试 while a worker offers the copy: the copy is offered once. Before, make_due freed the
    worker's lease and the delivery that follows the retry offered it a second time beside the worker's try."""
    from oa_liaison_plugin.audit import Actor
    from oa_liaison_plugin.operations import copies
    app.config["DELIVER_INLINE"] = False
    liaison = app.extensions["oa_liaison"]
    liaison.document_issued({"id": "r1", "issuer": "南部县财政局", "title": "关于县级预算调整方案的报告",
                             "main_recipients": ["县人大常委会"], "flags": {"major": True}})
    with app.app_context():
        ids = list(db.session.scalars(select(Copy.id)))
        document_id = db.session.scalar(select(func.min(Copy.document_id)))
        db.session.remove()
    counts = {}

    class RetriedMeanwhile(CountingHost):
        @hookimpl
        def deliver_copy(self, copy):
            first = not self.offers
            answer = super().deliver_copy(copy)
            if first:   # a person presses 重试 now, in another request (thread), while this offer is under way
                def panel():
                    from oa_liaison_plugin.models import Document
                    with app.app_context():
                        jur = db.session.get(Document, document_id).jurisdiction_id
                        with liaison.work(Actor("admin1")) as uow:
                            copies.make_due(uow, ids, "copy.retry", "copies", jur)
                        counts.update(deliver_due(liaison, limit=len(ids)))
                        db.session.remove()
                t = threading.Thread(target=panel)
                t.start()
                t.join()
            return answer

    host = RetriedMeanwhile()
    liaison.pm.register(host)
    try:
        with app.app_context():
            worker = deliver_due(liaison, limit=100)
            db.session.remove()
    finally:
        liaison.pm.unregister(host)
    with app.app_context():
        delivered = db.session.scalar(select(func.count(Copy.id)).where(Copy.status == "delivered"))
        db.session.remove()
    assert host.offers and max(host.offers.values()) == 1, host.offers
    assert delivered == len(ids) and worker["delivered"] + counts["delivered"] == len(ids)
