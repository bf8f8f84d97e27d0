"""Kill the issuing process mid-run (SIGKILL): after a restart nothing is lost and nothing is doubled."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

TESTS = str(Path(__file__).parent)
WORKER = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[4])   # the tests' folder: the one condition wait, http_host.wait_for
    from http_host import wait_for
    from oa_liaison_plugin import create_app
    from oa_liaison_plugin.reference_host import ReferenceHost
    app = create_app({"DATABASE_URL": sys.argv[1], "DELIVERY_BACKOFF_SECONDS": [0],
                      "DELIVERY_LEASE_SECONDS": 1, "FILE_FETCH_TIMEOUT_SECONDS": 0.4,
                      "CALLBACK_TIMEOUT_SECONDS": 0.4}, instance_path=sys.argv[2])
    liaison = app.extensions["oa_liaison"]
    host = ReferenceHost(liaison)
    mode = sys.argv[3]
    if mode == "restart":
        host.resend_unnotified()
        from oa_liaison_plugin.delivery import deliver_due
        from oa_liaison_plugin.models import Copy, db, utcnow
        with app.app_context():   # wait until no lease the killed process held is still running
            def no_live_lease():
                db.session.rollback()   # a fresh snapshot each look
                return not db.session.scalar(db.select(db.func.count(Copy.id)).where(Copy.lease_until > utcnow()))
            wait_for(no_live_lease)
        deliver_due(liaison, limit=100000)
        print("restarted", flush=True)
        sys.exit(0)
    titles = ["关于义务教育均衡发展的实施方案", "关于农村人居环境整治的实施方案", "关于2017年县级预算的报告"]
    issuers = ["南部县教育局", "南部县农业农村局", "南部县财政局", "南部县生态环境局"]
    for i in range(10000):
        host.issue(issuer=issuers[i % 4], title=titles[i % 3], flags={"important": True},
                   main_recipients=["南部县人民代表大会常务委员会"] if i % 3 == 2 else ["县级各部门"])
        print(i, flush=True)   # how far it got: the test kills it after a given number of documents
""")


@pytest.mark.slow
def test_sigkill_mid_run_loses_and_doubles_nothing(db_url, tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER, "utf-8")
    args = [sys.executable, str(script), db_url, str(tmp_path / "inst")]
    for after in (6, 40, 90):  # kill at three different moments, counted in documents issued
        proc = subprocess.Popen([*args, "run", TESTS], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for line in proc.stdout:
            if int(line) >= after:
                break
        else:
            raise AssertionError(proc.stderr.read())
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL
        done = subprocess.run([*args, "restart", TESTS], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr

    engine = create_engine(db_url)
    with engine.connect() as c:
        host_docs = c.execute(text("SELECT COUNT(*) FROM refhost_document")).scalar()
        recorded = c.execute(text("SELECT COUNT(*) FROM liaison_document")).scalar()
        assert host_docs > 6 and recorded == host_docs  # every issued document was decided
        assert c.execute(text("SELECT COUNT(*) FROM refhost_document WHERE NOT notified")).scalar() == 0
        copies = c.execute(text("SELECT COUNT(*) FROM liaison_copy")).scalar()
        pairs = c.execute(text("SELECT COUNT(*) FROM (SELECT DISTINCT document_id, committee_id FROM liaison_copy) x")
                          ).scalar()
        assert copies == pairs > 0
        assert c.execute(text("SELECT COUNT(*) FROM liaison_copy WHERE status <> 'delivered'")).scalar() == 0
        inbox = c.execute(text("SELECT COUNT(*) FROM refhost_inbox")).scalar()
        distinct = c.execute(text("SELECT COUNT(DISTINCT copy_id) FROM refhost_inbox")).scalar()
        assert inbox == distinct == copies  # each copy landed once in the host
        per_doc = c.execute(text("SELECT MAX(n) FROM (SELECT document_id, COUNT(*) n FROM refhost_inbox "
                                 "GROUP BY document_id, recipient) x")).scalar()
        assert per_doc == 1
    engine.dispose()


BPMN_WAIT = textwrap.dedent("""
    import json, sys, threading
    from oa_liaison_plugin import create_app
    from oa_liaison_plugin.hosts.bpmn import BpmnHost, actions
    app = create_app({"DATABASE_URL": sys.argv[1]}, instance_path=sys.argv[2])
    liaison = app.extensions["oa_liaison"]
    host = BpmnHost(liaison)
    mode, key = sys.argv[3], "fawen-crash"
    if mode == "start":          # killed inside 会签's step: the draft was sent, the engine state not yet saved
        consult = actions.ACTIONS["consult"]
        def consult_then_stop(*args):
            out = consult(*args)
            print("consulted", flush=True)
            threading.Event().wait()
        actions.ACTIONS["consult"] = consult_then_stop
        host.start("fawen", {"issuer": "南部县自然资源和规划局", "title": "关于南部县国土空间总体规划的意见",
                             "flags": {"major": True}, "doc_code": "南自然资发"}, key=key)
        for step in ("draft", "review", "countersign"):
            host.complete(key, step, {})
    elif mode == "wait":         # 会签 done again after the restart; then killed while waiting for the committees
        host.complete(key, "countersign", {})
        print("waiting" if not host.tasks("fawen") else "not waiting", flush=True)
        threading.Event().wait()
    else:                        # a committee answered meanwhile: the pass takes the instance to 签发
        moved = host.refresh()
        print(json.dumps({"moved": moved, "tasks": host.tasks("fawen")}, ensure_ascii=False), flush=True)
""")


@pytest.mark.slow
def test_bpmn_killed_while_consulting_opens_no_second_consultation_and_the_answer_reaches_signing(db_url, tmp_path):
    import json
    script = tmp_path / "bpmn_wait.py"
    script.write_text(BPMN_WAIT, "utf-8")
    args = [sys.executable, str(script), db_url, str(tmp_path / "inst")]
    for mode, said in (("start", "consulted"), ("wait", "waiting")):
        proc = subprocess.Popen([*args, mode], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = proc.stdout.readline().strip()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert line == said, proc.stderr.read()
    engine = create_engine(db_url)
    with engine.begin() as c:
        rows = c.execute(text("SELECT id, status FROM liaison_consultation")).all()
        assert len(rows) == 1 and rows[0].status == "open"   # the step ran twice, the consultation opened once
        assert c.execute(text("SELECT COUNT(*) FROM liaison_copy WHERE kind = 'consultation'")).scalar() == 1
        cid = rows[0].id
    engine.dispose()
    from helpers import EXE, cli_env
    answered = subprocess.run([EXE, "consultations", "answer", str(cid), "--opinion", "建议补充生态保护红线",
                               "--position", "修改意见", "--json"], capture_output=True, text=True, timeout=120,
                              env=cli_env(tmp_path / "inst", OA_LIAISON_DATABASE_URL=db_url))
    assert answered.returncode == 0, answered.stderr
    done = subprocess.run([*args, "refresh"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["moved"] == ["fawen-crash"] and [t["step"] for t in out["tasks"]] == ["sign"]
    assert any("修改意见——建议补充生态保护红线" in m for m in out["tasks"][0]["data"]["liaison_advice"])
    engine = create_engine(db_url)
    with engine.connect() as c:
        assert c.execute(text("SELECT COUNT(*) FROM liaison_consultation")).scalar() == 1
    engine.dispose()
