"""The Java example in docs/examples/java, JDK-only version, compiled with javac and run against a live server: send
signed events, receive and verify the callbacks, see a held document's reason (skipped where javac is absent)."""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess

import pytest

from helpers import docx
from http_host import Served, add_host
from test_node_example import EXAMPLE as NODE, Lines, copy_received, held_reason_received

EXAMPLE = NODE.parent / "java"


@pytest.fixture
def classes(tmp_path):
    """The example compiled as its README says, with the JDK-only stand-in for the Standard Webhooks library."""
    if shutil.which("javac") is None or shutil.which("java") is None:
        if os.environ.get("CI"):
            pytest.fail("javac is missing: .ci/run installs default-jdk-headless")
        pytest.skip("javac is not installed")
    out = tmp_path / "classes"
    sources = [*(EXAMPLE / "src" / "main" / "java" / "liaison").glob("*.java"),
               EXAMPLE / "jdk" / "com" / "standardwebhooks" / "Webhook.java"]
    built = subprocess.run(["javac", "-encoding", "UTF-8", "-d", str(out), *map(str, sources)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    return out


def _send(classes, env, *args, kind=None):
    run_env = {**env, **({"LIAISON_TYPE": kind} if kind else {})}
    sent = subprocess.run(["java", "-cp", str(classes), "liaison.Send", *args], capture_output=True, text=True,
                          timeout=120, env=run_env)
    assert sent.returncode == 0, sent.stderr + sent.stdout
    return json.loads(sent.stdout)


def test_the_java_example_sends_events_and_verifies_every_callback(lite_app, tmp_path, classes):
    from oa_liaison_plugin.http import hosts
    from oa_liaison_plugin.models import db
    app = lite_app
    secret = add_host(app, decisions=True)
    env = {**os.environ, "LIAISON_SECRET": secret, "PORT": "0", "INBOX": str(tmp_path / "inbox"),
           "JAVA_TOOL_OPTIONS": "-Dfile.encoding=UTF-8 -Dstdout.encoding=UTF-8"}
    receiver = subprocess.Popen(["java", "-cp", str(classes), "liaison.Receive"], env=env, text=True,
                                encoding="utf-8", stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    served = Served(app)
    try:
        lines = Lines(receiver)
        port = lines.next_where(lambda o: "listening" in o)["listening"]
        with app.app_context():
            hosts.set_callback_url("oa1", f"http://127.0.0.1:{port}/liaison/callback")
            db.session.commit()
        hosts.forget_signers()
        env["LIAISON_URL"] = f"http://127.0.0.1:{served.port}"
        file = docx()
        documents = {"JAVA-1": {"id": "JAVA-1", "file_name": "12号.docx",
                                "file_base64": base64.b64encode(file).decode()},
                     "JAVA-2": {"id": "JAVA-2", "issuer": "南部县教育局", "title": "关于校园安全检查的通知",
                                "secrecy": "秘密", "flags": {"important": True}}}
        for name, data in documents.items():
            path = tmp_path / f"{name}.json"
            path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
            answer = _send(classes, env, str(path))
            assert answer["status"] == 202 and answer["answer"]["status"] == "accepted"
        copy_received(lines, tmp_path / "inbox", "JAVA-1", file)

        held = held_reason_received(app, lines, "JAVA-2")
        assert held["reasons"] and held["reasons"][0] == held["hold_reason"]

        listed = _send(classes, env, "list")
        ids = {c["name"]: c["id"] for c in listed["answer"]["committees"]}
        # a submission names its committee by that id
        path = tmp_path / "submission.json"
        path.write_text(json.dumps({"id": "S-J", "committee": ids["提案委员会"], "unit": "县教育局", "kind": "提案",
                                    "title": "关于学校安全的提案"}, ensure_ascii=False), "utf-8")
        assert _send(classes, env, str(path), kind="submission.received")["status"] == 202
    finally:
        served.close()
        receiver.terminate()
        receiver.wait(timeout=60)
