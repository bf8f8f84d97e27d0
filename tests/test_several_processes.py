"""Two servers, two workers, one PostgreSQL database: a worker SIGKILLed mid-batch loses, doubles nothing."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from standardwebhooks import Webhook

from conftest import database
from helpers import EXE, cli_env, docx, serve
from http_host import CallbackHost, b64, post_event, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

EVENTS = 24


def _serve(env, *more) -> tuple[subprocess.Popen, int]:
    return serve(env, "--threads", "2", *more)


def _talking_to(pids, port: int) -> int:
    """The one of ``pids`` with a connection open to 127.0.0.1:``port`` (Linux: /proc)."""
    inodes = {}
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                link = os.readlink(fd)
                if link.startswith("socket:["):
                    inodes[link[8:-1]] = pid
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[2].split(":")[1], 16) == port and fields[3] == "01" and fields[9] in inodes:
            return inodes[fields[9]]
    raise AssertionError("no worker is calling the host")


def test_two_servers_and_two_workers_one_killed_mid_batch_decide_and_deliver_each_event_once(tmp_path):
    if not Path("/proc/net/tcp").exists():
        pytest.skip("finds the delivering worker through /proc")
    calling, killed = threading.Event(), threading.Event()

    copies = []   # the liaison.ping sent when the callback URL is set is answered at once

    def answer(n, event):
        # The first copy offered: its worker, which has claimed the events after it, is mid-batch until it is
        # killed (its lease then runs out: twice the callback timeout, 20 s).
        if event.get("type") != "liaison.copy":
            return 200
        copies.append(event)
        if len(copies) == 1:
            calling.set()
            killed.wait(60)
            return 500
        return 200
    callbacks = CallbackHost("whsec_" + b64(b"x" * 24), answer=answer)
    with database("postgres", tmp_path, seeded=True) as url:
        env = cli_env(tmp_path / "inst", OA_LIAISON_DATABASE_URL=url, OA_LIAISON_API_PROCESS_INLINE="false",
                      OA_LIAISON_DELIVERY_LEASE_SECONDS="3", OA_LIAISON_WORKER_POLL_SECONDS="0.2",
                      OA_LIAISON_DELIVERY_BACKOFF_SECONDS="[0.2]", OA_LIAISON_CALLBACK_TIMEOUT_SECONDS="10",
                      OA_LIAISON_FILE_FETCH_TIMEOUT_SECONDS="1",
                      OA_LIAISON_REMIND_IN_WORKER="false", OA_LIAISON_WORKER_NICE="0")
        added = subprocess.run([EXE, "hosts", "add", "oa1", "--jurisdiction", "nanbu", "--json"],
                               capture_output=True, text=True, env=env, timeout=120)
        assert added.returncode == 0, added.stderr
        secret = json.loads(added.stdout)["secret"]
        callbacks.webhook = Webhook(secret)
        # The callback URL once the receiver knows the secret: setting it sends a signed liaison.ping.
        updated = subprocess.run([EXE, "hosts", "update", "oa1", "--callback-url", callbacks.url], capture_output=True,
                                 text=True, env=env, timeout=120)
        assert updated.returncode == 0, updated.stderr
        procs = []
        try:
            servers = [_serve(env) for _ in range(2)]
            procs += [p for p, _ in servers]
            workers = [subprocess.Popen([EXE, "worker"], env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL) for _ in range(2)]
            procs += workers
            file_b64 = b64(docx())
            for i in range(EVENTS):
                port = servers[i % 2][1]
                code, _ = post_event(port, secret, "document.issued",
                                     {"id": f"D-{i}", "file_base64": file_b64}, event_id=f"e-{i}")
                assert code == 202
            wait_for(calling.is_set)
            victim = _talking_to([w.pid for w in workers], int(callbacks.url.split(":")[2].split("/")[0]))
            os.kill(victim, signal.SIGKILL)
            assert next(w for w in workers if w.pid == victim).wait() == -signal.SIGKILL
            killed.set()

            engine = create_engine(url)

            def scalar(sql):
                with engine.connect() as c:
                    return c.execute(text(sql)).scalar()
            wait_for(lambda: scalar("SELECT count(*) FROM liaison_http_inbox WHERE status='done'") == EVENTS
                     and scalar("SELECT count(*) FROM liaison_copy WHERE status <> 'delivered'") == 0,
                     timeout=300)
            copies = scalar("SELECT count(*) FROM liaison_copy")
            assert copies >= EVENTS
            assert scalar("SELECT count(*) FROM liaison_document WHERE status = 'routed'") == EVENTS
            assert scalar("SELECT count(*) FROM liaison_decision") == EVENTS       # each decided once
            assert scalar("SELECT count(DISTINCT document_id) FROM liaison_decision") == EVENTS

            def acked():   # the copies' acknowledgements (not the ping's)
                return {k: v for k, v in callbacks.acked.items() if not k.startswith("ping-")}
            wait_for(lambda: len(acked()) == copies)
            assert set(acked().values()) == {1}                                     # each acknowledged once
            assert callbacks.bad == []
            engine.dispose()
        finally:
            killed.set()
            for p in procs:
                if p.poll() is None:
                    p.terminate()
            for p in procs:
                p.wait(timeout=60)
            callbacks.close()
