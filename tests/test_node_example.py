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
from contextlib import contextmanager
from pathlib import Path

import pytest

from helpers import docx
from http_host import Served, add_host, wait_for

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


@contextmanager
def running(app, tmp_path: Path):
    """The example's receiver (``node receive.js``) registered as the host's callback URL, and the API served:
    (its printed lines, the server, the environment send.js runs with)."""
    _ready()
    secret = add_host(app, decisions=True)
    env = {**os.environ, "LIAISON_SECRET": secret, "PORT": "0", "INBOX": str(tmp_path / "inbox")}
    receiver = subprocess.Popen(["node", "receive.js"], cwd=EXAMPLE, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    served = Served(app)
    try:
        lines = Lines(receiver)
        port = lines.next_where(lambda o: "listening" in o)["listening"]
        from oa_liaison_plugin.http import hosts
        from oa_liaison_plugin.models import db
        with app.app_context():
            hosts.get("oa1").callback_url = f"http://127.0.0.1:{port}/liaison/callback"
            db.session.commit()
        yield lines, served, env
    finally:
        served.close()
        receiver.terminate()
        receiver.wait(timeout=60)


def test_the_node_example_sends_an_event_and_verifies_the_copys_callback(lite_app, tmp_path):
    with running(lite_app, tmp_path) as (lines, served, env):
        file = docx()
        _send(lite_app, served, env, tmp_path, "document.issued", {
            "id": "NODE-1", "file_name": "12号.docx", "file_base64": base64.b64encode(file).decode()})
        copy_received(lines, tmp_path / "inbox", "NODE-1", file)
        # subscribed to decisions, the OA sees why a document was held
        _send(lite_app, served, env, tmp_path, "document.issued", {
            "id": "NODE-2", "issuer": "南部县教育局", "title": "关于校园安全检查的通知", "secrecy": "秘密"})
        decision = held_reason_received(lite_app, lines, "NODE-2")
        assert decision["reasons"][0] == decision["hold_reason"]


def _send(app, served, env: dict, tmp_path: Path, type_: str, data: dict) -> dict:
    """``node send.js`` as printed, with LIAISON_TYPE naming the event type: its answer."""
    path = tmp_path / f"{type_}-{data.get('id', data.get('consultation_id'))}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    sent = subprocess.run(["node", "send.js", str(path)], cwd=EXAMPLE, capture_output=True, text=True, timeout=120,
                          env={**env, "LIAISON_URL": f"http://127.0.0.1:{served.port}", "LIAISON_TYPE": type_})
    assert sent.returncode == 0, sent.stderr + sent.stdout
    answer = json.loads(sent.stdout)
    assert answer["status"] == 202 and answer["answer"]["status"] == "accepted", answer
    wait_for(lambda: _processed(app, answer["answer"]["id"]))   # what it queued is committed
    return answer


def _processed(app, event_id: str) -> bool:
    from sqlalchemy import select

    from oa_liaison_plugin.models import InboxEvent, db
    with app.app_context():
        status = db.session.scalar(select(InboxEvent.status).where(InboxEvent.id == int(event_id.split("-")[1])))
        db.session.remove()
    return status == "done"


def _worker_round(app) -> None:
    """One round of the worker's notification ledger (what `oa-liaison worker` does)."""
    from oa_liaison_plugin.http import outbox
    from oa_liaison_plugin.models import db
    with app.app_context():
        outbox.deliver_due(app.extensions["oa_liaison"])
        db.session.remove()


def test_the_node_example_sends_every_event_type_and_verifies_every_callback_type(lite_app, tmp_path):
    """integrating.md's "done when": a client written with the npm packages sends each of the five event types and
    verifies each of the five callback types (a copy, a consultation's draft, its answer, notifications, a ping)."""
    with running(lite_app, tmp_path) as (lines, served, env):
        from oa_liaison_plugin.http.ping import ping
        with lite_app.app_context():
            assert ping(lite_app.config, "oa1")["ok"]
        assert lines.next_where(lambda o: o.get("type") == "liaison.ping")["verified"]

        # before 签发: a major matter's draft goes to its committee, which answers
        _send(lite_app, served, env, tmp_path, "document.drafted", {
            "id": "NODE-D1", "issuer": "县自然资源和规划局", "title": "关于南部县国土空间总体规划的征求意见稿",
            "flags": {"major": True}})
        draft = lines.next_where(lambda o: o.get("type") == "liaison.copy" and o.get("kind") == "consultation")
        assert draft["verified"] and draft["committee"] == "城乡建设与环境资源保护委员会"
        _send(lite_app, served, env, tmp_path, "consultation.answered", {
            "consultation_id": draft["consultation_id"], "position": "修改意见", "opinion": "建议补充生态保护红线的内容。"})
        _worker_round(lite_app)
        answered = lines.next_where(lambda o: o.get("type") == "liaison.consultation")
        assert answered["verified"] and answered["position"] == "修改意见"
        assert answered["consultation_id"] == draft["consultation_id"]

        # a committee's submission and a meeting: the unit is told, filed under its name as plain text (and the
        # drafting unit was told of the committee's answer)
        _send(lite_app, served, env, tmp_path, "submission.received", {
            "id": "NODE-S1", "committee": "教科文卫体委员会", "unit": "县教育局", "kind": "提案",
            "title": "关于加强校园安全管理的提案"})
        _send(lite_app, served, env, tmp_path, "meeting.scheduled", {
            "id": "NODE-M1", "unit": "县教育局", "kind": "liaison", "title": "县教育局与对口专门委员会联系会议",
            "held_on": "2026-12-20"})
        _worker_round(lite_app)
        told = [lines.next_where(lambda o: o.get("type") == "liaison.notification") for _ in range(3)]
        assert all(t["verified"] for t in told)
        assert sorted((t["recipient_label"], t["subject"][:4]) for t in told) == [
            ("县教育局", "待答复："), ("县教育局", "请邀请政"), ("县自然资源和规划局", "征求意见")], told
        assert (tmp_path / "inbox" / "liaison.notification").is_dir()

        # an issued document: its copy to the committee, and (subscribed) the decision with its reasons
        file = docx()
        _send(lite_app, served, env, tmp_path, "document.issued", {
            "id": "NODE-I1", "file_name": "12号.docx", "file_base64": base64.b64encode(file).decode()})
        copy_received(lines, tmp_path / "inbox", "NODE-I1", file)
        _worker_round(lite_app)
        decision = lines.next_where(lambda o: o.get("type") == "liaison.decision" and o["document_id"] == "NODE-I1")
        assert decision["verified"] and decision["status"] == "routed" and decision["reasons"]
