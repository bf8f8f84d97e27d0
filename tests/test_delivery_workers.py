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
