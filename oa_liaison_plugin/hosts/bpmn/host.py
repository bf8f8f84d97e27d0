"""BpmnHost: start processes, list and complete people's steps, persist the engine state, host oa-liaison's services."""
from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...models import db, utcnow
from ...plugins import hookimpl
from . import engine
from .actions import ACTIONS
from .models import Message, ProcessInstance, StoredAttachment, StoredFile

TABLES = [m.__table__ for m in (ProcessInstance, StoredFile, StoredAttachment, Message)] + \
    [db.metadata.tables["bpmnhost_number"]]


class BpmnHost:
    """A Python OA on a BPMN engine, attached to oa-liaison as a plugin (host services) and as its caller (events)."""

    def __init__(self, liaison, *, fail_deliveries: int = 0):
        self.liaison = liaison
        self.fail_deliveries = fail_deliveries   # the demo's simulated inbox outage: N deliveries fail first
        with liaison.context():
            db.metadata.create_all(db.engine, tables=TABLES)
        liaison.pm.register(self, name="bpmn-host")

    # ------------------------------------------------------------------ processes
    def start(self, process: str, data: dict, *, key: str | None = None, file: bytes | None = None,
              attachments: list[tuple[str, bytes]] = ()) -> str:
        """Start a process instance with its first data (and the draft's file and 附件, as (name, bytes));
        runs until a person must act. Returns its key."""
        key = key or f"{process}-{uuid.uuid4().hex[:12]}"
        with self.liaison.context():
            wf = engine.new(process, data)
            row = ProcessInstance(process=process, key=key, state="")
            db.session.add(row)
            if file is not None:
                db.session.add(StoredFile(instance_key=key, data=file))
            for position, (name, content) in enumerate(attachments, 1):
                db.session.add(StoredAttachment(instance_key=key, position=position, name=name, data=content))
            db.session.commit()   # the instance exists before anything it starts (a crash leaves it resumable)
            self._advance(row, wf)
        return key

    def complete(self, key: str, step: str, data: dict | None = None) -> dict:
        """A person finishes a step (its BPMN id, e.g. ``sign``) with form data; returns the instance's data."""
        with self.liaison.context():
            row = db.session.scalar(select(ProcessInstance).where(ProcessInstance.key == key).with_for_update())
            if row is None:
                raise KeyError(f"没有流程实例“{key}”")
            wf = engine.loads(row.state)
            task = next((t for t in engine.user_tasks(wf) if t.task_spec.bpmn_id == step), None)
            if task is None:
                waiting = "、".join(t.task_spec.bpmn_name for t in engine.user_tasks(wf)) or "无（流程已办结）"
                raise ValueError(f"流程“{key}”当前不在“{step}”这一步；待办：{waiting}")
            task.data.update(data or {})
            task.run()
            return self._advance(row, wf)

    def refresh(self) -> list[str]:
        """The OA's timer pass (run it from a scheduler): a 发文 waiting for the committees goes on to 签发 when
        every consultation is answered (the message 委员会意见已全部反馈) or its due date has come (the timer).
        Returns the keys of the instances that moved on."""
        moved = []
        with self.liaison.context():
            keys = db.session.scalars(select(ProcessInstance.key).where(
                ProcessInstance.process == "fawen", ProcessInstance.completed.is_(False))
                .order_by(ProcessInstance.id)).all()
        for key in keys:
            with self.liaison.context():
                row = db.session.scalar(select(ProcessInstance).where(ProcessInstance.key == key).with_for_update())
                wf = engine.loads(row.state)
                if not engine.waiting_for(wf, "consult_wait"):
                    db.session.rollback()
                    continue
                heard = self.liaison.consultations(f"bpmn-{key}")
                if heard and all(c["status"] == "answered" for c in heard):
                    engine.send_message(wf, "all_answered", {"answered": [c["id"] for c in heard]})
                self._advance(row, wf)
                if not engine.waiting_for(wf, "consult_wait"):
                    moved.append(key)
        return moved

    def _advance(self, row: ProcessInstance, wf) -> dict:
        def perform(task):
            action = ACTIONS.get(task.task_spec.bpmn_id)
            if action is None:
                return
            try:
                task.data.update(action(self, row.key, dict(task.data)))
            except Exception as exc:   # the plugin's side never blocks the workflow; the step says what failed
                db.session.rollback()
                task.data["liaison_error"] = f"{task.task_spec.bpmn_name}：{type(exc).__name__}: {exc}"
        engine.advance(wf, perform)
        row = db.session.merge(row)
        row.state, row.completed, row.updated_at = engine.dumps(wf), wf.is_completed(), utcnow()
        db.session.commit()
        return self.data(row.key)

    def data(self, key: str) -> dict:
        """The instance's current data (of its waiting step, or of its end)."""
        with self.liaison.context():
            row = db.session.scalar(select(ProcessInstance).where(ProcessInstance.key == key))
            wf = engine.loads(row.state)
            waiting = engine.user_tasks(wf)
            return dict(waiting[0].data if waiting else wf.last_task.data if wf.last_task else wf.data)

    def tasks(self, process: str | None = None) -> list[dict]:
        """Every step waiting for a person: key, process, step id and name, data."""
        with self.liaison.context():
            q = select(ProcessInstance).where(ProcessInstance.completed.is_(False)).order_by(ProcessInstance.id)
            if process:
                q = q.where(ProcessInstance.process == process)
            out = []
            for row in db.session.scalars(q):
                for t in engine.user_tasks(engine.loads(row.state)):
                    out.append({"key": row.key, "process": row.process, "step": t.task_spec.bpmn_id,
                                "name": t.task_spec.bpmn_name, "data": dict(t.data)})
            return out

    def inbox(self, recipient: str | None = None) -> list[dict]:
        """Committees' (and units') 阅件 items: one process instance per copy."""
        return [t for t in self.tasks("yuejian") if recipient is None or t["data"]["recipient"] == recipient]

    def messages(self) -> list[Message]:
        with self.liaison.context():
            return db.session.scalars(select(Message).order_by(Message.id)).all()

    # ------------------------------------------------------------------ host services
    @hookimpl
    def deliver_copy(self, liaison, copy):
        """A copy becomes a 阅件 process in the recipient's inbox, once per copy id."""
        if self.fail_deliveries > 0:
            self.fail_deliveries -= 1
            raise ConnectionError("BPMN 主办系统收件服务暂不可用（模拟）")
        key = copy["copy_id"]
        with liaison.context():
            if db.session.scalar(select(ProcessInstance.id).where(ProcessInstance.key == key)) is None:
                data = {"copy_id": key, "recipient": copy.get("committee") or copy.get("unit"),
                        "document_id": copy["document_id"], "title": copy.get("title"),
                        "doc_number": copy.get("doc_number"), "issuer": copy.get("issuer"),
                        "reasons": [r.get("text") for r in copy.get("reasons") or []]}
                try:
                    self.start("yuejian", data, key=key)
                except IntegrityError:   # another worker delivered the same copy at the same moment
                    db.session.rollback()
            return f"bpmn-inbox-{key}"

    @hookimpl
    def notify(self, liaison, recipient, subject, body):
        with liaison.context():
            db.session.add(Message(recipient=recipient, subject=subject, body=body))
            db.session.commit()

    @hookimpl
    def fetch_document_file(self, liaison, document_id):
        if not str(document_id).startswith("bpmn-"):
            return None
        with liaison.context():
            stored = db.session.scalar(select(StoredFile).where(StoredFile.instance_key == str(document_id)[5:]))
            return stored.data if stored else None
