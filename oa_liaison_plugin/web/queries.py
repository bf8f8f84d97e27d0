"""Scoped queries: every list and object a view shows starts from one of these, so scope is checked once."""
from __future__ import annotations

from flask import abort, g
from flask_login import current_user
from sqlalchemy import false, func, or_, select

from ..models import (Cohandler, Committee, Consultation, Copy, Counterpart, Document, Invitation, Jurisdiction,
                      Meeting, Submission, Unit, db)
from ..table.units import with_sub_units
from .access import committee_id, unit_ids

CAP = 1000  # counts on the home page stop here ("1000+"): a count must not scan a large table


def _jid() -> int:
    return current_user.jurisdiction_id


def committee_unit_ids(cid: int) -> list[int]:
    """Units that liaise with a committee, with their sub-units."""
    key = f"liaison_committee_units_{cid}"
    ids = g.get(key)
    if ids is None:
        ids = with_sub_units(_jid(), db.session.scalars(select(Counterpart.unit_id)
                                                        .where(Counterpart.committee_id == cid)))
        setattr(g, key, ids)
    return ids


def documents():
    """Issued documents: a unit's own; a committee's own reports to its units (reverse flow, with read receipts)."""
    q = select(Document).where(Document.jurisdiction_id == _jid())
    if current_user.role == "unit":
        q = q.where(Document.unit_id.in_(unit_ids()))
    elif current_user.role == "committee":
        q = q.where(Document.unit_id.is_(None), Document.issuer.in_(committee_issuer_names()))
    return q


def issued(q):
    """Only documents that were issued: a 征求意见稿 (``drafted``) is not one until document_issued decides it."""
    return q.where(Document.status != "drafted")


def committee_issuer_names() -> list[str]:
    """The issuer names, as written on documents copied to units, that name the user's committee."""
    from flask import current_app
    cid = committee_id()
    if not cid:
        return []
    names = db.session.scalars(select(Document.issuer).distinct().where(
        Document.jurisdiction_id == _jid(), Document.unit_id.is_(None),
        Document.id.in_(select(Copy.document_id).where(Copy.unit_id.is_not(None)))))
    resolver = current_app.extensions["oa_liaison"].resolver(db.session.get(Jurisdiction, _jid()))
    return [n for n in names if n and resolver.committee_ids.get(resolver.committee(n)) == cid]


def _copies(committee: int | None = None):
    """Copies of the jurisdiction; with ``committee``, of that committee only (none if it is not the jurisdiction's)."""
    if committee is not None:
        # A committee belongs to one county, so its test alone scopes the copies: the planner then walks the
        # committee's copies newest first (ix_liaison_copy_committee) and stops after a page. Beside the
        # jurisdiction test it expected 1 in 20 of them to match, and joined every county's document instead.
        # The outer join is the inner one (every copy has its document) that a count may leave out: both
        # databases drop a LEFT JOIN on a primary key whose columns are not used.
        q = select(Copy).outerjoin(Document, Document.id == Copy.document_id)
        return q.where(Copy.committee_id == committee) if committee in _committee_ids() else q.where(false())
    q = select(Copy).join(Document, Document.id == Copy.document_id)
    jurisdiction = Document.jurisdiction_id
    if db.session.get_bind().dialect.name == "sqlite":
        # "+ 0" keeps SQLite's planner off the document index for the jurisdiction test: it then walks
        # copies newest first and stops after one page, instead of sorting every copy of the jurisdiction.
        # PostgreSQL gets the plain column: the expression hides its statistics, and the planner, expecting
        # a county to be 0.5 % of the documents, scanned them all and probed the copies once per document.
        jurisdiction = jurisdiction + 0
    return q.where(jurisdiction == _jid())


def _committee_ids() -> set[int]:
    """The ids of the user's jurisdiction's committees (once a request)."""
    ids = g.get("liaison_committee_ids")
    if ids is None:
        ids = g.liaison_committee_ids = set(db.session.scalars(select(Committee.id).where(
            Committee.jurisdiction_id == _jid())))
    return ids


def _unit_ids() -> list[int]:
    """The ids of the user's jurisdiction's units (once a request)."""
    ids = g.get("liaison_unit_ids")
    if ids is None:
        ids = g.liaison_unit_ids = list(db.session.scalars(select(Unit.id).where(Unit.jurisdiction_id == _jid())))
    return ids


def _failed_copies():
    """The jurisdiction's failed copies, found by their recipients: a copy goes to a committee or a unit of its
    document's county, so the county's copies are those of its committees and its units. The partial indexes
    on each (migration 0027) then read this county's failed copies only; by the document's county the count
    walked every county's failed copies and probed each one's document."""
    return select(Copy).outerjoin(Document, Document.id == Copy.document_id).where(
        or_(Copy.committee_id.in_(sorted(_committee_ids())), Copy.unit_id.in_(_unit_ids())))


def copies(committee: int | None = None, *, failed: bool = False):
    """Every copy of the jurisdiction, or of one of its committees (admins and auditors only call this);
    ``failed``: only the failed ones (still pending, with an error)."""
    if not failed:
        return _copies(committee)
    q = _copies(committee) if committee is not None else _failed_copies()
    return q.where(Copy.status == "pending", Copy.last_error.is_not(None))


def inbox():
    """Copies addressed to the user's committee, or (reverse flow) to the user's unit."""
    if current_user.role == "committee" and committee_id():
        return _copies(committee_id())
    if current_user.role == "unit" and current_user.unit_id:
        return _copies().where(Copy.unit_id == current_user.unit_id)
    return _copies().where(false())


def submissions(*, cohandled: bool = False):
    """Reply tasks the user may act on: a unit's own (主办); with ``cohandled``, also those it co-handles (会办)."""
    q = select(Submission).where(Submission.jurisdiction_id == _jid())
    if current_user.role == "unit":
        mine = Submission.unit_id.in_(unit_ids())
        if cohandled:
            mine = mine | Submission.id.in_(select(Cohandler.submission_id).where(Cohandler.unit_id.in_(unit_ids())))
        q = q.where(mine)
    elif current_user.role == "committee":
        q = q.where(Submission.committee_id == committee_id())
    return q


def consultations():
    q = select(Consultation).join(Document, Document.id == Consultation.document_id).where(
        Document.jurisdiction_id == _jid())
    if current_user.role == "unit":
        q = q.where(Document.unit_id.in_(unit_ids()))
    elif current_user.role == "committee":
        q = q.where(Consultation.committee_id == committee_id())
    return q


def meetings():
    """A unit sees its own meetings and those it is invited to; a committee its own and its units'."""
    q = select(Meeting).where(Meeting.jurisdiction_id == _jid())
    if current_user.role == "unit":
        invited = select(Invitation.meeting_id).where(Invitation.unit_id.in_(unit_ids()))
        q = q.where(or_(Meeting.unit_id.in_(unit_ids()), Meeting.id.in_(invited)))
    elif current_user.role == "committee":
        cid = committee_id()
        q = q.where(or_(Meeting.committee_id == cid, Meeting.unit_id.in_(committee_unit_ids(cid))) if cid else false())
    return q


def one(query, model, ident: int):
    """The row ``ident`` if the scoped query contains it, else 404 (never 'exists but not yours')."""
    row = db.session.scalar(query.where(model.id == ident))
    if row is None:
        abort(404)
    return row


def capped_count(query, cap: int = CAP) -> str:
    n = db.session.scalar(select(func.count()).select_from(query.limit(cap + 1).subquery()))
    return f"{cap}+" if n > cap else str(n)
