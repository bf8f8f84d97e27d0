"""The contract between oa-liaison and the host OA system: one documented pluggy spec per hook.

Three families:

* **host events** — the host calls them (``liaison.pm.hook.<name>(...)``); oa-liaison's
  built-in plugins implement them;
* **host services** — oa-liaison calls them; the host (or a site plugin) implements them;
* **extension points** — oa-liaison calls them; third-party plugins may add to the result.

Every hook receives keyword arguments only.  ``liaison`` is the running
:class:`oa_liaison_plugin.runtime.Liaison` (configuration, database, plugin manager); an
implementation may leave out any argument it does not need.
"""
from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("oa_liaison")

HOST_EVENTS = ("document_issued", "check_before_issue", "submission_received", "meeting_scheduled")
HOST_SERVICES = ("deliver_copy", "notify", "fetch_document_file")
EXTENSION_POINTS = ("qualification_signals", "extra_recipients", "draft_context")


# ----------------------------------------------------------------------------- host events


@hookspec
def document_issued(liaison, document):
    """A unit has issued an official document (公文); decide and record where it is copied.

    :param liaison: the running :class:`~oa_liaison_plugin.runtime.Liaison`.
    :param document: a mapping (or :class:`~oa_liaison_plugin.events.IssuedDocument`) with at
        least ``id`` (the host's document id) and ``issuer``; optional ``title``,
        ``doc_number``, ``doc_type``, ``main_recipients``, ``cc``, ``secrecy``, ``note``,
        ``body``, ``file`` (the .docx bytes), ``attachments``, ``url``, ``flags``
        (``major``, ``important``, ``npc``).
    :return: a summary mapping per implementation; the built-in one returns
        ``{"document_id", "status", "committees", "consultation_committees", "held", "hold_reason"}``.
        The decision is committed before the hook returns; copies are delivered afterwards.
    Ordering: all implementations run (LIFO, pluggy's default); an exception in the built-in
    implementation is recorded and never propagated to the host's issuing flow.
    """


@hookspec
def check_before_issue(liaison, document):
    """The host asks, before issuing, what would happen to a document, without recording anything.

    :param liaison: the running Liaison.
    :param document: as for :func:`document_issued`.
    :return: a list of advisory messages (Chinese strings) per implementation, e.g. that the
        issuer is not in the counterpart table or that a 密级 document will be held.
    Ordering: all implementations run; results are concatenated by the caller.
    """


@hookspec
def submission_received(liaison, submission):
    """A committee has sent a unit a submission (调研报告, 提案, 建言献策 or 社情民意).

    :param liaison: the running Liaison.
    :param submission: a mapping with ``id``, ``committee``, ``unit``, ``kind``, ``title`` and
        optionally ``number``, ``received`` (ISO date) and ``body``.
    :return: the built-in implementation returns ``{"submission_id", "unit", "committee",
        "due"}``: a reply task with a deadline is recorded.
    Ordering: all implementations run.
    """


@hookspec
def meeting_scheduled(liaison, meeting):
    """The host has scheduled a meeting (a liaison meeting or a unit's county-wide meeting).

    :param liaison: the running Liaison.
    :param meeting: a mapping with ``id``, ``unit``, ``title``, ``held_on`` (ISO date) and
        optionally ``kind`` (``liaison`` for the 对口单位负责人联系会), ``committee``.
    :return: the built-in implementation returns ``{"meeting_id", "invite"}``: the
        committees whose leaders should be invited (notice 三(一)(三)).
    Ordering: all implementations run.
    """


# ---------------------------------------------------------------------------- host services


@hookspec(firstresult=True)
def deliver_copy(liaison, copy):
    """Deliver one copy (抄送) of an issued document to a committee's inbox in the host.

    :param liaison: the running Liaison.
    :param copy: a mapping with ``copy_id``, ``document_id``, ``committee``, ``jurisdiction``,
        ``title``, ``doc_number``, ``issuer``, ``file_sha256``, ``file`` (bytes or None),
        ``attachments``, ``url`` and ``reasons``.  ``copy_id`` is stable: the same copy may be
        offered again after a crash, so the host must treat it as an idempotency key.
    :return: an acknowledgement (any non-empty string, e.g. the host's inbox item id) once
        the host has durably accepted the copy; ``None`` when this implementation does not
        handle it.  Raising an exception means "not delivered, retry later".
    Ordering: first non-None result wins (``firstresult``).
    """


@hookspec
def notify(liaison, recipient, subject, body):
    """Tell a person something (a held document awaits a decision, a reply is due…).

    :param liaison: the running Liaison.
    :param recipient: a mapping with ``role`` and ``unit``/``committee``/``user``.
    :param subject: a short Chinese subject line.
    :param body: the message text.
    :return: ignored.
    Ordering: all implementations run; exceptions are recorded, not propagated.
    """


@hookspec(firstresult=True)
def fetch_document_file(liaison, document_id):
    """Fetch the issued .docx of a document the host did not pass along with the event.

    :param liaison: the running Liaison.
    :param document_id: the host's document id.
    :return: the file's bytes, or ``None`` when this implementation cannot provide it.
    Ordering: first non-None result wins.
    """


# ------------------------------------------------------------------------ extension points


@hookspec
def qualification_signals(liaison, document, facts):
    """Add reasons for (or against) copying a document, beyond the content rules.

    :param liaison: the running Liaison.
    :param document: the host's document mapping.
    :param facts: the :class:`~oa_liaison_plugin.documents.read.DocumentFacts` read from it.
    :return: a list of mappings ``{"action": "important"|"npc"|"major"|"exclude"|"hold",
        "reason": str}``; ``hold`` is always honoured, ``exclude`` never overrides a host flag.
    Ordering: all implementations run; results are concatenated.
    """


@hookspec
def extra_recipients(liaison, document, committees):
    """Name further committees to copy a qualified document to.

    :param liaison: the running Liaison.
    :param document: the host's document mapping.
    :param committees: the committee names chosen so far (read-only).
    :return: a list of committee names (unknown names are recorded and ignored).
    Ordering: all implementations run; the union is taken, never a removal.
    """


@hookspec
def draft_context(liaison, kind, context):
    """Add or change fields a .docx draft is rendered with (e.g. a unit's own sign-off wording).

    :param liaison: the running Liaison.
    :param kind: ``reply``, ``consultation`` or ``minutes``.
    :param context: the fields collected so far (read-only).
    :return: a mapping merged into the context, later plugins overriding earlier ones.
    Ordering: all implementations run; dicts are merged in call order.
    """
