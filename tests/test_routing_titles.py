"""Real-looking titles per committee go where the notice says (二(二) 方案/规划/计划, 四 each committee's field)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from oa_liaison_plugin.decision.route import preview

CASES = json.loads((Path(__file__).parent / "data" / "routing_titles.json").read_text("utf-8"))["cases"]


@pytest.fixture(scope="module")
def tester(tmp_path_factory):
    from conftest import make_app
    tmp = tmp_path_factory.mktemp("titles")
    app = make_app(f"sqlite:///{tmp / 'titles.sqlite3'}", tmp / "instance")
    liaison = app.extensions["oa_liaison"]

    def decide(issuer, title):
        with app.app_context():
            return preview(liaison, {"id": "t", "issuer": issuer, "title": title})
    yield decide
    from oa_liaison_plugin.models import db
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_at_least_ten_titles_per_committee_with_negatives():
    from collections import Counter
    per = Counter(c for case in CASES for c in [*case.get("has", []), *filter(None, [case.get("for")])])
    negatives = Counter(case["for"] for case in CASES if case["expect"] == "not_qualified")
    assert len(per) == 7 and min(per.values()) >= 10 and len(negatives) == 7 and min(negatives.values()) >= 3


@pytest.mark.parametrize("case", CASES, ids=[c["title"][:40] for c in CASES])
def test_title_is_routed_as_the_notice_says(tester, case):
    got = tester(case["issuer"], case["title"])
    why = [r["text"] for r in got["reasons"]]
    assert got["status"] == case["expect"], (got["status"], why)
    for committee in case.get("has", []):
        assert committee in got["committees"], (committee, got["committees"], why)
