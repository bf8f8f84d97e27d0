"""A deployment's first start: several processes on a new, empty database at once all succeed."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXE = shutil.which("oa-liaison") or str(Path(sys.executable).with_name("oa-liaison"))


def test_six_processes_start_together_on_a_new_instance(db_url, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OA_LIAISON_")}
    env.update(OA_LIAISON_INSTANCE_PATH=str(tmp_path / "instance"), OA_LIAISON_DATABASE_URL=db_url)
    procs = [subprocess.Popen([EXE, "resolve", "南部县教育局", "--json"], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(6)]
    results = [(p.wait(timeout=180), p.stdout.read(), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert [rc for rc, _, _ in results] == [0] * 6, "\n".join(err[-600:] for _, _, err in results)
    for _, out, _ in results:
        answer = json.loads(out)
        assert (answer["unit"], answer["committee"]) == ("县教育局", "教科文卫体委员会")

    from conftest import make_app
    from oa_liaison_plugin.models import Jurisdiction, Rule, Unit, db
    app = make_app(db_url, tmp_path / "instance")
    with app.app_context():   # loaded once: one jurisdiction, the shipped units and rules once each
        assert db.session.query(Jurisdiction).count() == 1
        units = db.session.query(Unit.name).all()
        assert len(units) == len(set(units)) > 100
        rules = db.session.query(Rule.rule_id).all()
        assert len(rules) == len(set(rules)) > 0
        db.session.remove()
        db.engine.dispose()


def test_a_first_start_on_a_machine_too_busy_for_the_regex_trial_still_loads_the_shipped_table_and_rules(
        sqlite_url, tmp_path, monkeypatch):
    """The backtracking trial is wall-clock bounded: on a loaded machine (simulated: every trial search times out)
    a shipped default rule or table pattern failed it and the program could not start. What we ship was tried
    in our tests (test_rules, test_hostile); what a person enters is still tried."""
    from conftest import _dispose, make_app
    from oa_liaison_plugin.decision import rules
    from oa_liaison_plugin.decision.ruleset import default_rules, rules_of
    from oa_liaison_plugin.errors import InputError
    from oa_liaison_plugin.models import Jurisdiction, Unit, db
    monkeypatch.setattr(rules, "TRIAL_TIMEOUT", 0)
    app = make_app(sqlite_url, tmp_path / "instance")
    with app.app_context():
        jur = db.session.scalar(db.select(Jurisdiction).where(Jurisdiction.code == "nanbu"))
        assert [r["id"] for r in rules_of(jur)] == [r["id"] for r in default_rules()]
        assert db.session.scalar(db.select(db.func.count(Unit.id)).where(Unit.jurisdiction_id == jur.id)) > 40
        # a person's pattern is still tried, and refused when the trial runs out of time
        with pytest.raises(InputError, match="超时"):
            rules.validate_rule({"id": "p", "name": "人写的", "action": "committee", "committee": "提案委员会",
                                 "match": "regex", "fields": ["title"], "pattern": "关于.*通知"})
    _dispose(app)
