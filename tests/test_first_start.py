"""A deployment's first start: several processes on a new, empty database at once all succeed."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

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
