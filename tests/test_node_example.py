"""The Node.js example in docs/examples/node, run as printed against a live server: send a signed event, receive
and verify the copy's callback (skipped where Node or the example's npm packages are absent)."""
from __future__ import annotations

import base64
import json
import os
import queue
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from helpers import docx
from http_host import Served, add_host

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "node"


def _ready():
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    if not (EXAMPLE / "node_modules" / "standardwebhooks").is_dir():
        if os.environ.get("CI"):
            pytest.fail("the Node example's packages are missing: .ci/run runs `npm ci` in docs/examples/node")
        pytest.skip("run `npm ci` in docs/examples/node first")


class Lines:
    """A child process's standard output, one JSON object a line, read in the background."""

    def __init__(self, proc: subprocess.Popen):
        self.proc, self.queue = proc, queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.queue.put(json.loads(line))

    def next_where(self, predicate, timeout: float = 120.0) -> dict:
        while True:
            try:
                item = self.queue.get(timeout=timeout)   # a safety net for a hung run, not a pace
            except queue.Empty:
                raise AssertionError("the Node process printed nothing more") from None
            if predicate(item):
                return item


def copy_received(lines: Lines, inbox: Path, document_id: str, file: bytes) -> None:
    """An example's receiver printed the document's copy to 教科文卫体委员会 verified, and filed the very file the
    OA sent."""
    copy = lines.next_where(lambda o: o.get("type") == "liaison.copy")
    assert copy["verified"] and copy["first"] and copy["document_id"] == document_id
    assert copy["committee"] == "教科文卫体委员会"
    filed = json.loads((inbox / "liaison.copy" / f"{copy['id']}.json").read_text("utf-8"))
    assert base64.b64decode(filed["data"]["file_base64"]) == file


def held_reason_received(app, lines: Lines, document_id: str) -> dict:
    """Once the document is held, the worker's ledger sends its liaison.decision; the example's receiver printed
    it verified, with the hold reason (the worker's round run here, as the worker would)."""
    from http_host import doc_status, wait_for
    from oa_liaison_plugin.http import outbox
    from oa_liaison_plugin.models import db
    wait_for(lambda: doc_status(app, document_id) == "held")   # committed with its decision's callback
    with app.app_context():
        assert outbox.deliver_due(app.extensions["oa_liaison"])["notifications"] >= 1
        db.session.remove()
    decision = lines.next_where(lambda o: o.get("type") == "liaison.decision" and o["document_id"] == document_id)
    assert decision["verified"] and decision["status"] == "held" and "密级" in decision["hold_reason"]
    return decision


def test_the_node_example_sends_an_event_and_verifies_the_copys_callback(lite_app, tmp_path):
    _ready()
    secret = add_host(lite_app, decisions=True)
    env = {**os.environ, "LIAISON_SECRET": secret, "PORT": "0", "INBOX": str(tmp_path / "inbox")}
    receiver = subprocess.Popen(["node", "receive.js"], cwd=EXAMPLE, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    served = Served(lite_app)
    try:
        lines = Lines(receiver)
        port = lines.next_where(lambda o: "listening" in o)["listening"]
        from oa_liaison_plugin.http import hosts
        from oa_liaison_plugin.models import db
        with lite_app.app_context():
            hosts.get("oa1").callback_url = f"http://127.0.0.1:{port}/liaison/callback"
            db.session.commit()
        data = tmp_path / "document.json"
        file = docx()
        data.write_text(json.dumps({"id": "NODE-1", "file_name": "12号.docx",
                                    "file_base64": base64.b64encode(file).decode()}, ensure_ascii=False), "utf-8")
        sent = subprocess.run(["node", "send.js", str(data)], cwd=EXAMPLE, capture_output=True, text=True,
                              timeout=120, env={**env, "LIAISON_URL": f"http://127.0.0.1:{served.port}"})
        assert sent.returncode == 0, sent.stderr + sent.stdout
        answer = json.loads(sent.stdout)
        assert answer["status"] == 202 and answer["answer"]["status"] == "accepted"
        copy_received(lines, tmp_path / "inbox", "NODE-1", file)
        # subscribed to decisions, the OA sees why a document was held
        held = tmp_path / "held.json"
        held.write_text(json.dumps({"id": "NODE-2", "issuer": "南部县教育局", "title": "关于校园安全检查的通知",
                                    "secrecy": "秘密"}, ensure_ascii=False), "utf-8")
        sent = subprocess.run(["node", "send.js", str(held)], cwd=EXAMPLE, capture_output=True, text=True,
                              timeout=120, env={**env, "LIAISON_URL": f"http://127.0.0.1:{served.port}"})
        assert sent.returncode == 0, sent.stderr + sent.stdout
        decision = held_reason_received(lite_app, lines, "NODE-2")
        assert decision["reasons"][0] == decision["hold_reason"]
    finally:
        served.close()
        receiver.terminate()
        receiver.wait(timeout=60)
