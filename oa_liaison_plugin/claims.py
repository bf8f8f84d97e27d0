"""PostgreSQL: a batch of reminders claimed in the ledger and the claimed ones kept as messages, in one statement."""
from __future__ import annotations

import json

from sqlalchemy import text

from .models import db

# The rows go as one JSON text (json_to_recordset): the server takes them once, inserts the ledger's claims, and
# writes the messages of those it claimed from the same input — not a second round of rows after the claims came
# back. A reminder another process claimed first (ON CONFLICT DO NOTHING) is not returned and gets no message.
# One JSON text, not an array a column: psycopg escapes a text array's elements one by one in Python (60 ms a
# county's 3,000 rows); the json module writes the whole batch at once.
_CLAIM_AND_KEEP = text("""
WITH input AS (
  SELECT * FROM json_to_recordset(CAST(:rows AS json))
    AS i(jurisdiction_id integer, kind text, subject text, recipient_key text, "offset" text, recipient text,
         title text, keep boolean, m_jurisdiction_id integer, m_unit_id integer, m_committee_id integer,
         m_recipient text, m_kind text, m_subject text, m_body text, m_about text)),
claimed AS (
  INSERT INTO liaison_reminder (jurisdiction_id, kind, subject, recipient_key, "offset", recipient, title, sent_at,
                                notified_at)
  SELECT jurisdiction_id, kind, subject, recipient_key, "offset", CAST(recipient AS json), title, :sent_at,
         :notified_at FROM input
  ON CONFLICT DO NOTHING
  RETURNING id, jurisdiction_id, kind, subject, recipient_key, "offset"),
kept AS (
  INSERT INTO liaison_message (jurisdiction_id, unit_id, committee_id, recipient, kind, subject, body, about,
                               created_at)
  SELECT i.m_jurisdiction_id, i.m_unit_id, i.m_committee_id, CAST(i.m_recipient AS json), i.m_kind, i.m_subject,
         i.m_body, i.m_about, :created_at
  FROM input i JOIN claimed c USING (jurisdiction_id, kind, subject, recipient_key, "offset")
  WHERE i.keep)
SELECT id, jurisdiction_id, kind, subject, recipient_key, "offset" FROM claimed""")
LEDGER = ("jurisdiction_id", "kind", "subject", "recipient_key", "offset", "title")
MESSAGE = ("jurisdiction_id", "unit_id", "committee_id", "kind", "subject", "body", "about")


def claim_and_keep(ledger: list[dict], kept: list[dict | None]):
    """Insert the ledger's rows, skipping those already there, and the message of each one inserted (``kept``:
    the message rows, one a ledger row; None: no message); the inserted ones' ids and keys."""
    dumps, memo = db.session.get_bind().dialect._json_serializer or json.dumps, {}

    def as_json(value):   # the JSON column's text as the engine writes it; a pass names the same recipients often
        try:
            key = tuple(value.items())
            return memo[key] if key in memo else memo.setdefault(key, dumps(value))
        except (AttributeError, TypeError):   # not a dict, or unhashable values in it
            return dumps(value)
    rows = []
    for r, m in zip(ledger, kept):
        row = {name: r[name] for name in LEDGER}
        row["recipient"], row["keep"] = as_json(r["recipient"]), m is not None
        if m is not None:
            row.update({f"m_{name}": m[name] for name in MESSAGE}, m_recipient=as_json(m["recipient"]))
        rows.append(row)
    first = ledger[0] if ledger else {}
    made = next((m for m in kept if m), {})
    return db.session.connection().execute(_CLAIM_AND_KEEP, {
        "rows": json.dumps(rows, ensure_ascii=False), "sent_at": first.get("sent_at"),
        "notified_at": first.get("notified_at"), "created_at": made.get("created_at")}).all()
