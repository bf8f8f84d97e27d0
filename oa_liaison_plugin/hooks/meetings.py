"""Built-in meeting_scheduled: liaison meetings, and committee leaders invited to county-wide meetings (三(一)(三))."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from ..delivery import record_error
from ..events import MEETING_COLUMNS, check_lengths
from ..models import Meeting, db
from ..plugins import hookimpl

# 三(一): county-wide work meetings and special meetings; 三(三): inspections of these areas.
_COUNTY_WIDE = re.compile(r"全县|全局|工作会议|专题会议|推进会|动员会|部署会")
_INSPECTION = re.compile(r"(廉政|财政|税收|国土|物价).{0,12}(检查|督查|巡查)|重大案件")


@hookimpl
def meeting_scheduled(liaison, meeting):
    with liaison.context():
        mid = str(meeting.get("id"))[:128] if isinstance(meeting, dict) else None
        try:
            for f in ("id", "unit", "title", "held_on"):
                if not isinstance(meeting, dict) or not str(meeting.get(f) or "").strip():
                    raise ValueError(f"字段 {f}：不能为空")
            check_lengths(meeting, MEETING_COLUMNS)
            try:
                held_on = dt.date.fromisoformat(str(meeting["held_on"]))
            except ValueError:
                raise ValueError(f"字段 held_on：日期应为 YYYY-MM-DD，实际为 {meeting['held_on']!r}") from None
            jur = liaison.jurisdiction(meeting.get("jurisdiction"))
            unit = liaison.resolver(jur.code).resolve(str(meeting["unit"]))
            kind = "liaison" if meeting.get("kind") == "liaison" else "work"
            invite = []
            if unit.resolved and (kind == "liaison" or _COUNTY_WIDE.search(meeting["title"])
                                  or _INSPECTION.search(meeting["title"])):
                invite = list(unit.committees or [unit.committee])
            row = db.session.scalar(select(Meeting).where(Meeting.jurisdiction_id == jur.id,
                                                          Meeting.host_id == str(meeting["id"])))
            if row is None:
                row = Meeting(jurisdiction_id=jur.id, host_id=str(meeting["id"]))
                db.session.add(row)
            row.unit_id, row.kind, row.title, row.held_on, row.invitees = (
                unit.unit_id, kind, str(meeting["title"]).strip(), held_on, invite)
            db.session.commit()
            if invite:
                liaison.call("notify", about=row.host_id, recipient={"role": "unit", "unit": unit.unit},
                                       subject="请邀请政协对口专门委员会负责人",
                                       body=f"“{row.title}”（{held_on.isoformat()}）应邀请{'、'.join(invite)}负责人参加"
                                            f"（南委办〔2017〕1号 三(一)(三)）。")
            return {"meeting_id": row.host_id, "invite": invite, "unit_known": unit.resolved}
        except Exception as exc:
            db.session.rollback()
            record_error("meeting_scheduled", "bad_event", str(exc), subject=mid)
            return {"meeting_id": mid, "invite": [], "error": str(exc)}
