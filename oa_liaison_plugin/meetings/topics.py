"""Agreed topics (三(六)): the year's consultation and research topics, planned -> in_progress -> done."""
from __future__ import annotations

import datetime as dt

from ..errors import InputError
from ..models import AgreedTopic, Consultation, Document, Submission, db

STATES = {"planned": "计划中", "in_progress": "进行中", "done": "已完成"}


def advance(topic: AgreedTopic, state: str, on: dt.date, *, consultation_id: int | None = None,
            submission_id: int | None = None) -> AgreedTopic:
    """Move a topic forward (never back) on ``on``, optionally linking what came of it; flushed, not committed."""
    if state not in STATES:
        raise InputError("state", f"应为 {'、'.join(STATES)} 之一，实际为 {state!r}")
    order = list(STATES)
    if order.index(state) < order.index(topic.state):
        raise InputError("state", f"课题已是“{STATES[topic.state]}”，不能改回“{STATES[state]}”")
    if on < topic.planned_on:
        raise InputError("on", f"日期 {on.isoformat()} 早于议定课题的联系会（{topic.planned_on.isoformat()}）")
    if consultation_id is not None:
        c = db.session.get(Consultation, consultation_id)
        doc = db.session.get(Document, c.document_id) if c else None
        if c is None or doc.jurisdiction_id != topic.jurisdiction_id or c.committee_id != topic.committee_id:
            raise InputError("consultation", f"征求意见 {consultation_id} 不存在或不是本委员会的")
        topic.consultation_id = consultation_id
    if submission_id is not None:
        s = db.session.get(Submission, submission_id)
        if s is None or s.jurisdiction_id != topic.jurisdiction_id or s.committee_id != topic.committee_id:
            raise InputError("submission", f"来件 {submission_id} 不存在或不是本委员会的")
        topic.submission_id = submission_id
    if state != "planned" and topic.started_on is None:
        topic.started_on = on
    if state == "done" and topic.done_on is None:
        topic.done_on = on
    topic.state = state
    db.session.flush()
    return topic
