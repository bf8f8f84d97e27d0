"""`serve` warns when no worker runs (nothing failed would be retried); `serve --with-worker` retries by itself."""
from __future__ import annotations

import json

from http_host import CallbackHost, wait_for
from helpers import cli, cli_env, serve


def _serve(instance, *args, **env):
    return serve(cli_env(instance, **env), "--threads", "2", *args)


def test_serve_warns_at_start_when_no_worker_has_been_seen(tmp_path):
    proc, _ = _serve(tmp_path / "instance")
    proc.terminate()
    _, err = proc.communicate(timeout=60)
    assert "没有工作进程运行" in err.decode() and "serve --with-worker" in err.decode()


def test_serve_with_worker_retries_a_refused_copy_without_a_worker_of_its_own(tmp_path):
    instance = tmp_path / "instance"
    env = {"OA_LIAISON_DELIVERY_BACKOFF_SECONDS": "[0]"}
    added = cli(instance, "hosts", "add", "oa1", "-j", "nanbu", "--json", **env)
    assert added.returncode == 0, added.stderr
    copies = []   # the first copy is refused (the ping on hosts update is answered)

    def answer(n, event):
        if event.get("type") != "liaison.copy":
            return 200
        copies.append(event)
        return 500 if len(copies) == 1 else 200
    host = CallbackHost(json.loads(added.stdout)["secret"], answer=answer)
    try:
        assert cli(instance, "hosts", "update", "oa1", "--callback-url", host.url, **env).returncode == 0
        (tmp_path / "d.json").write_text(json.dumps({"id": "D-1", "issuer": "南部县教育局", "title": "关于印发教育规划的通知",
                                                     "flags": {"important": True}}, ensure_ascii=False), "utf-8")
        done = cli(instance, "event", "document.issued", "--input", str(tmp_path / "d.json"), **env)
        assert done.returncode == 0, done.stderr

        def copy_acked():
            return any(r["id"] in host.acked for r in host.received if r["event"]["type"] == "liaison.copy")
        offered = [r for r in host.received if r["event"]["type"] == "liaison.copy"]
        assert len(offered) == 1 and not copy_acked()      # offered once, refused
        proc, _ = _serve(instance, "--with-worker", **env)
        try:
            wait_for(copy_acked)                                   # retried by the worker inside serve
        finally:
            proc.terminate()
            _, err = proc.communicate(timeout=60)
        assert "--with-worker" in err.decode() and "没有工作进程运行" not in err.decode()
    finally:
        host.close()
