"""PostgreSQL: a batch of reminders claimed in the ledger and the claimed ones kept as messages, in one statement."""
from __future__ import annotations

import json

from sqlalchemy import text

from .models import db

# One array a column (unnest): the server takes the rows once, inserts the ledger's claims, and writes the
# messages of those it claimed from the same input — not a second round of rows after the claims came back.
# A reminder another process claimed first (ON CONFLICT DO NOTHING) is not returned and gets no message.
# The recipients (JSON) and their keys repeat from row to row: each is sent once in :texts, and a row gives its
# position there — in a text array every quote and backslash of a JSON text is escaped, 140 ms a county's 3,000.
_CLAIM_AND_KEEP = text("""
WITH input AS (
  SELECT * FROM unnest(CAST(:jurisdiction_id AS integer[]), CAST(:kind AS text[]), CAST(:subject AS text[]),
                       CAST(:recipient_key AS integer[]), CAST(:offset AS text[]), CAST(:recipient AS integer[]),
                       CAST(:title AS text[]), CAST(:keep AS boolean[]), CAST(:m_jurisdiction_id AS integer[]),
                       CAST(:m_unit_id AS integer[]), CAST(:m_committee_id AS integer[]),
                       CAST(:m_recipient AS integer[]), CAST(:m_kind AS text[]), CAST(:m_subject AS text[]),
                       CAST(:m_body AS text[]), CAST(:m_about AS text[]))
    AS i(jurisdiction_id, kind, subject, recipient_key_at, "offset", recipient_at, title, keep, m_jurisdiction_id,
         m_unit_id, m_committee_id, m_recipient_at, m_kind, m_subject, m_body, m_about)),
texts AS (SELECT CAST(:texts AS text[]) AS t),
rows AS (
  SELECT i.*, t[recipient_key_at] AS recipient_key, t[recipient_at] AS recipient, t[m_recipient_at] AS m_recipient
  FROM input i, texts),
claimed AS (
  INSERT INTO liaison_reminder (jurisdiction_id, kind, subject, recipient_key, "offset", recipient, title, sent_at,
                                notified_at)
  SELECT jurisdiction_id, kind, subject, recipient_key, "offset", CAST(recipient AS json), title, :sent_at,
         :notified_at FROM rows
  ON CONFLICT DO NOTHING
  RETURNING id, jurisdiction_id, kind, subject, recipient_key, "offset"),
kept AS (
  INSERT INTO liaison_message (jurisdiction_id, unit_id, committee_id, recipient, kind, subject, body, about,
                               created_at)
  SELECT r.m_jurisdiction_id, r.m_unit_id, r.m_committee_id, CAST(r.m_recipient AS json), r.m_kind, r.m_subject,
         r.m_body, r.m_about, :created_at
  FROM rows r JOIN claimed c USING (jurisdiction_id, kind, subject, recipient_key, "offset")
  WHERE r.keep)
SELECT id, jurisdiction_id, kind, subject, recipient_key, "offset" FROM claimed""")
LEDGER = ("jurisdiction_id", "kind", "subject", "recipient_key", "offset", "recipient", "title")
MESSAGE = ("jurisdiction_id", "unit_id", "committee_id", "recipient", "kind", "subject", "body", "about")
TEXTS = ("recipient", "recipient_key")   # sent once each (:texts), by position


def claim_and_keep(ledger: list[dict], kept: list[dict | None]):
    """Insert the ledger's rows, skipping those already there, and the message of each one inserted (``kept``:
    the message rows, one a ledger row; None: no message); the inserted ones' ids and keys."""
    dumps, texts, memo = db.session.get_bind().dialect._json_serializer or json.dumps, {}, {}

    def at(name, value):   # the position of the value's text in :texts (a JSON column's value serialized)
        if name == "recipient":
            try:
                key = tuple(value.items())
                value = memo[key] if key in memo else memo.setdefault(key, dumps(value))
            except (AttributeError, TypeError):   # not a dict, or unhashable values in it
                value = dumps(value)
        return texts.setdefault(value, len(texts) + 1)
    params = {name: [at(name, r[name]) if name in TEXTS else r[name] for r in ledger] for name in LEDGER}
    params["keep"] = [m is not None for m in kept]
    for name in MESSAGE:
        params[f"m_{name}"] = [None if m is None else at(name, m[name]) if name in TEXTS else m[name] for m in kept]
    first = ledger[0] if ledger else {}
    made = next((m for m in kept if m), {})
    return db.session.connection().execute(_CLAIM_AND_KEEP, {
        **params, "texts": list(texts), "sent_at": first.get("sent_at"), "notified_at": first.get("notified_at"),
        "created_at": made.get("created_at")})
