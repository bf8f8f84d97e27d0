"""Messages (消息): a panel user marks the ones addressed to their unit or committee as read; audited."""
from __future__ import annotations

from sqlalchemy import select

from ..models import db, utcnow


def mark_read(uow, user, ids: list[int], jurisdiction_id: int) -> list[int]:
    """Record that ``user`` has read these messages (those read before stay as they were); returns the new ones."""
    from ..web.models import MessageRead
    have = set(db.session.scalars(select(MessageRead.message_id).where(
        MessageRead.user_id == user.id, MessageRead.message_id.in_(ids)))) if ids else set()
    new = [i for i in dict.fromkeys(ids) if i not in have]
    now = utcnow()
    db.session.add_all(MessageRead(message_id=i, user_id=user.id, read_at=now) for i in new)
    if new:
        uow.audit("message.read", f"user-{user.id}", None, {"messages": new}, jurisdiction_id=jurisdiction_id)
    return new
