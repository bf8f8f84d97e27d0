"""docs/deploy's nginx configuration in front of two servers and a worker on one PostgreSQL database."""
from __future__ import annotations

import http.client
import json
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest

from conftest import database
from helpers import EXE, cli_env, docx
from http_host import b64, cloud_event, signed, wait_for
from helpers import free_port as _free_port
from test_several_processes import _serve

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

DEPLOY = Path(__file__).resolve().parents[1] / "docs" / "deploy"


def _https(port: int, method: str, path: str, body: bytes = b"", headers=None):
    context = ssl._create_unverified_context()   # the test's own self-signed certificate
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=60, context=context)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        resp.read()
        return resp.status, resp.getheader("Set-Cookie") or "", resp.getheader("X-Upstream")
    finally:
        conn.close()


def _nginx(tmp: Path, ports: list[int]) -> tuple[subprocess.Popen, int]:
    """nginx running docs/deploy/nginx-oa-liaison.conf with test ports and a self-signed certificate."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-keyout", str(tmp / "key.pem"), "-out", str(tmp / "cert.pem")],
                   check=True, capture_output=True)
    listen = _free_port()
    site = ((DEPLOY / "nginx-oa-liaison.conf").read_text()
            .replace("127.0.0.1:8081", f"127.0.0.1:{ports[0]}")
            .replace("127.0.0.1:8082", f"127.0.0.1:{ports[1]}")
            .replace("listen 443 ssl", f"listen 127.0.0.1:{listen} ssl")
            .replace("/etc/ssl/certs/oa-liaison.pem", str(tmp / "cert.pem"))
            .replace("/etc/ssl/private/oa-liaison.key", str(tmp / "key.pem"))
            .replace("location / {", "location / {\n    add_header X-Upstream $upstream_addr always;"))
    (tmp / "site.conf").write_text(site)
    (tmp / "nginx.conf").write_text(
        f"daemon off; user root; worker_processes 1; pid {tmp}/nginx.pid; error_log {tmp}/error.log;\n"
        f"events {{}}\nhttp {{ access_log off; client_body_temp_path {tmp}/body;\n"
        f"proxy_temp_path {tmp}/proxy;\n"
        f"include {tmp}/site.conf; }}\n")
    proc = subprocess.Popen(["nginx", "-p", str(tmp), "-c", str(tmp / "nginx.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def up():
        if proc.poll() is not None:
            pytest.fail("nginx exited: " + proc.stderr.read().decode("utf-8", "replace"))
        try:
            return _https(listen, "GET", "/login")[0] == 200
        except OSError:
            return False
    wait_for(up)
    return proc, listen


def test_events_and_the_panel_through_nginx_reach_both_servers_and_are_decided_once(tmp_path):
    if not (shutil.which("nginx") and shutil.which("openssl")):
        pytest.skip("needs nginx and openssl (Debian: apt install nginx-light)")
    with database("postgres", tmp_path, seeded=True) as url:
        env = cli_env(tmp_path / "inst", OA_LIAISON_DATABASE_URL=url,
                      OA_LIAISON_WORKER_POLL_SECONDS="0.2",
                      OA_LIAISON_REMIND_IN_WORKER="false", OA_LIAISON_WORKER_NICE="0")
        added = subprocess.run([EXE, "hosts", "add", "oa1", "--jurisdiction", "nanbu", "--json"],
                               capture_output=True, text=True, env=env, timeout=120)
        assert added.returncode == 0, added.stderr
        secret = json.loads(added.stdout)["secret"]
        procs = []
        try:
            servers = [_serve(env, "--trusted-proxy", "127.0.0.1") for _ in range(2)]
            procs += [p for p, _ in servers]
            procs.append(subprocess.Popen([EXE, "worker"], env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
            nginx, port = _nginx(tmp_path, [p for _, p in servers])
            procs.append(nginx)
            status, cookie, _ = _https(port, "GET", "/login")
            assert status == 200 and "Secure" in cookie   # the proxy's https believed: Secure cookie
            file_b64 = b64(docx())
            upstreams = set()
            for i in range(6):
                body = cloud_event("document.issued", {"id": f"N-{i}", "file_base64": file_b64},
                                   event_id=f"n-{i}")
                status, _, upstream = _https(port, "POST", "/api/v1/events", body,
                                             signed(secret, f"msg-n-{i}", body))
                assert status == 202
                upstreams.add(upstream)
            assert upstreams == {f"127.0.0.1:{p}" for _, p in servers}   # nginx shared them out

            from sqlalchemy import create_engine, text
            engine = create_engine(url)

            def decided():
                with engine.connect() as c:
                    return c.execute(text("SELECT count(*) FROM liaison_decision")).scalar() == 6
            wait_for(decided)
            with engine.connect() as c:
                assert c.execute(text("SELECT count(*) FROM liaison_http_inbox")).scalar() == 6
                assert c.execute(text("SELECT count(DISTINCT document_id) FROM liaison_decision")
                                 ).scalar() == 6
            engine.dispose()
        finally:
            for p in procs:
                if p.poll() is None:
                    p.terminate()
            for p in procs:
                p.wait(timeout=60)


def test_the_systemd_units_are_valid(tmp_path):
    """systemd-analyze parses docs/deploy's units as instances, the ExecStart pointing at this install
    (running them needs systemd as PID 1, which the test machine has not)."""
    if not shutil.which("systemd-analyze"):
        pytest.skip("needs systemd-analyze")
    for unit, instance in (("oa-liaison-serve@.service", "8081"), ("oa-liaison-worker@.service", "1")):
        text_ = (DEPLOY / unit).read_text().replace("/opt/oa-liaison/.venv/bin/oa-liaison", EXE)
        (tmp_path / unit.replace("@", f"@{instance}")).write_text(text_)
    done = subprocess.run(["systemd-analyze", "verify", *map(str, tmp_path.glob("*@*.service"))],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and str(tmp_path) not in done.stderr, done.stderr   # no warning about ours
