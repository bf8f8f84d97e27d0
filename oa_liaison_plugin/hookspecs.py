"""The contract between oa-liaison and the host OA system: one documented pluggy spec per hook.

Three families:

* **host events** — the host calls them (``liaison.pm.hook.<name>(...)``); oa-liaison's
  built-in plugins implement them;
* **host services** — oa-liaison calls them; the host (or a site plugin) implements them;
* **extension points** — oa-liaison calls them; third-party plugins may add to the result.

Every hook receives keyword arguments only.  ``liaison`` is the running
:class:`oa_liaison_plugin.runtime.Liaison` (configuration, database, plugin manager); an
implementation may leave out any argument it does not need.

oa-liaison calls every hook through one helper (:func:`oa_liaison_plugin.plugins.call`): each
implementation is called on its own, in pluggy's order; one that raises is recorded in the error log
(the panel's 错误 list) and the others still run.  Nothing a plugin does can lose a document: when an
extension point fails while a document is decided, the document is recorded and held for a person
with the failure as the reason.
"""
from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("oa_liaison")

HOST_EVENTS = ("document_issued", "draft_for_consultation", "check_before_issue",
               "submission_received", "meeting_scheduled")
HOST_SERVICES = ("deliver_copy", "notify", "fetch_document_file")
EXTENSION_POINTS = ("qualification_signals", "extra_recipients", "draft_context", "reminder_passes")


# ----------------------------------------------------------------------------- host events


@hookspec
def document_issued(liaison, document):
    """A unit has issued an official document (公文); decide and record where it is copied.

    Facts the host gives win over what the file says, except the 密级 and the 附注, where the
    stricter wins: the document is held when the host's ``secrecy`` or any 密级 mark anywhere in
    the file (body, headers and footers, text boxes, tables, the 信函格式 line, properties) is
    classified — also when the host says ``无`` — and when the host's or the file's 附注 restricts
    circulation; the hold reason names both values. A file that cannot be read is held with the
    read error as the reason.

    :param liaison: the running :class:`~oa_liaison_plugin.runtime.Liaison`.
    :param document: a mapping (or :class:`~oa_liaison_plugin.events.IssuedDocument`) with at
        least ``id`` (the host's document id) and ``issuer``; optional ``title``,
        ``doc_number``, ``doc_type``, ``main_recipients``, ``cc``, ``secrecy``, ``note``,
        ``body``, ``file`` (the file's bytes: OFD, PDF, .docx, .doc, .wps, .odt or .rtf, told apart by
        their bytes), ``file_name``, ``attachments`` (a list of ``{"name", "data"}``, each read like
        the file: a 密级 mark in any of them, or in its name, holds the whole document, as does one that
        cannot be read), ``url``, ``flags`` (``major``, ``important``, ``npc``). Without a file (and none
        from ``fetch_document_file``) the 密级 is the host's ``secrecy`` alone, and the reasons say so;
        ``REQUIRE_FILE`` holds such a document instead.
    :return: the built-in implementation returns ``{"document_id", "status", "qualified",
        "committees", "consultation_committees", "units", "held", "hold_reason", "reasons",
        "duplicate"}``; ``status`` is ``routed``, ``not_qualified``, ``held``, ``unmatched`` or
        ``error`` (a malformed event; ``error`` says which field). The decision is committed before
        the hook returns; copies are delivered afterwards.
    Ordering: the built-in implementation runs first (``tryfirst``); other implementations are
    watchers: :meth:`Liaison.document_issued <oa_liaison_plugin.runtime.Liaison.document_issued>`
    calls them too, ignores their results (the host always receives the built-in summary) and
    records their exceptions. No exception reaches the host's issuing flow.
    """


@hookspec
def draft_for_consultation(liaison, document):
    """A unit asks the committees' opinion on a draft (征求意见稿) of a major matter before 签发 (notice 五(一)).

    The draft is decided on the same path as :func:`document_issued` (the same holds: a classified draft is
    never sent out; the same consultation rules: 重大事项, 重大问题, 人大审议 reports, agreed topics). For a
    major matter one consultation is opened per committee, due ``CONSULTATION_WORKING_DAYS`` working days
    later on the holiday calendar, and the draft is offered to each committee through :func:`deliver_copy`
    with ``kind: "consultation"``, ``consultation_id`` and ``due``. When the same document is issued later,
    no second consultation is opened and the summary says ``consulted_before_issue: true``.

    :param liaison: the running Liaison.
    :param document: as for :func:`document_issued`; ``file`` is the 征求意见稿.
    :return: the built-in implementation returns ``{"document_id", "consultations": [{"id", "committee",
        "due"}], "reasons", "status", "held", "hold_reason", "duplicate"}``; idempotent on the host's
        document id (a second call answers the consultations already open, ``duplicate: true``).
    Ordering: all implementations run; ``Liaison`` returns the built-in implementation's answer,
    ignores the others' results and records their exceptions.
    """


@hookspec
def check_before_issue(liaison, document):
    """The host asks, before issuing, what would happen to a document, without recording anything.

    :param liaison: the running Liaison.
    :param document: as for :func:`document_issued`.
    :return: a list of advisory messages (Chinese strings) per implementation, e.g. that the
        issuer is not in the counterpart table or that a 密级 document will be held; for a document
        consulted on as a draft, each committee's position and opinion
        (``教科文卫体委员会（2017-03-20）：修改意见——…``) or that the consultation is open and when it is due.
    Ordering: all implementations run; results are concatenated by the caller.
    """


@hookspec
def submission_received(liaison, submission):
    """A committee has sent a unit a submission (调研报告, 提案, 建言献策 or 社情民意).

    :param liaison: the running Liaison.
    :param submission: a mapping with ``id``, ``committee``, ``unit`` (the main unit, 主办), ``kind``,
        ``title`` and optionally ``number``, ``received`` (ISO date), ``body`` and ``cohandlers`` (names of
        co-handling units, 会办, a list or one string separated by 、).
    :return: the built-in implementation returns ``{"submission_id", "unit", "committee",
        "due"}`` (plus ``state`` and ``cohandlers``: ``[{"unit", "due"}]``): a reply task is recorded with
        its deadline — the kind's period from the date received, moved off weekends and public holidays —
        and the main unit and co-handlers are notified. A malformed submission (unknown unit or
        committee, wrong kind, an impossible date) returns ``status: "error"``, an ``error`` naming the
        field and the ``field`` itself (e.g. ``cohandlers[1]``); nothing is recorded.
    Ordering: all implementations run; ``Liaison`` returns the built-in implementation's answer,
    ignores the others' results and records their exceptions.
    """


@hookspec
def meeting_scheduled(liaison, meeting):
    """The host has scheduled a meeting (a liaison meeting or a unit's county-wide meeting).

    :param liaison: the running Liaison.
    :param meeting: a mapping with ``id``, ``unit``, ``title``, ``held_on`` (ISO date) and
        optionally ``kind`` (``liaison`` for the 对口单位负责人联系会, ``work`` (default) for a unit's
        meeting, ``committee`` for a committee's own meeting, which names ``committee`` instead of
        ``unit``), ``committee``, ``important`` (a committee's important meeting).
    :return: the built-in implementation returns ``{"meeting_id", "invite", "unit_known", "invitees"}``:
        the committees whose leaders should be invited (notice 三(一)(三)) and the people proposed —
        the committees' leaders and the unit's CPPCC members for a unit's county-wide meeting or
        inspection, the counterpart units' leaders for a committee's important meeting — each
        ``{"kind", "name", "post", "organisation", "status"}``; the unit confirms or declines them in
        the panel. A bad event answers ``{"meeting_id", "invite": [], "error"}``.
    Ordering: all implementations run; ``Liaison`` returns the built-in implementation's answer,
    ignores the others' results and records their exceptions.
    """


# ---------------------------------------------------------------------------- host services


@hookspec(firstresult=True)
def deliver_copy(liaison, copy):
    """Deliver one copy (抄送) of an issued document to a committee's inbox in the host.

    :param liaison: the running Liaison.
    :param copy: a mapping with ``copy_id``, ``document_id`` (the host's document id, also as
        ``host_id``), ``committee`` (or ``unit`` for a committee's report sent to its units),
        ``title``, ``doc_number``, ``doc_type``, ``issuer``, ``issued_on``, ``main_recipients``,
        ``cc``, ``file_sha256``, ``file`` (bytes or None), ``file_name`` (with the real format's extension),
        ``format`` and ``content_type`` (from the file's bytes), ``attachments`` (each with ``name``,
        ``size``, ``sha256``, ``format``, ``content_type``, ``data``), ``url`` and ``reasons``. A
        classified document is never offered.  ``copy_id`` is stable: the same copy may be
        offered again after a crash, so the host must treat it as an idempotency key.
    :return: an acknowledgement (any non-empty string, e.g. the host's inbox item id) once
        the host has durably accepted the copy; ``None`` when this implementation does not
        handle it.  Raising an exception means "not delivered, retry later".
    Ordering: first non-None result wins (``firstresult``); an implementation that raises is
    recorded and the next one is asked; when none accepts, the copy is retried with backoff.
    Built in: for a jurisdiction whose host is connected over HTTP with a callback URL,
    ``oa_liaison_plugin.http.hooks`` POSTs the copy there as a signed ``liaison.copy`` CloudEvent
    (registered first, so a site's own implementation is asked before it).
    """


@hookspec
def notify(liaison, recipient, subject, body):
    """Tell a person something (a held document awaits a decision, a reply is due…).

    :param liaison: the running Liaison.
    :param recipient: a mapping with ``role`` and ``unit``/``committee``/``user``, and ``jurisdiction`` (the
        recipient's jurisdiction code; always given: for a change made through an operation and for a
        reminder).
    :param subject: a short Chinese subject line.
    :param body: the message text.
    :return: ignored.
    Ordering: all implementations run, newest registered first; an exception in one is recorded
    (not propagated) and the others still run; the event that notified still succeeds.
    Built in: when the recipient's jurisdiction has a host with a callback URL, the notification is queued
    (in the same transaction as the change that caused it) and POSTed there as a signed
    ``liaison.notification`` CloudEvent by the worker (with retries). A change's notifications are called
    only after it committed, never after a rollback.
    """


@hookspec(firstresult=True)
def fetch_document_file(liaison, document_id):
    """Fetch the issued file (OFD, PDF, .docx…) of a document the host did not pass along with the event.

    :param liaison: the running Liaison.
    :param document_id: the host's document id.
    :return: the file's bytes, or ``None`` when this implementation cannot provide it.
    Ordering: first non-None result wins; an implementation that raises (or returns something other
    than bytes) is recorded and the document is held for a person.
    """


# ------------------------------------------------------------------------ extension points


@hookspec
def qualification_signals(liaison, document, facts):
    """Add reasons for (or against) copying a document, beyond the content rules.

    :param liaison: the running Liaison.
    Called on every decision of a document: when it is issued, previewed, re-decided after a name is
    mapped, and by backfill — so a hold is honoured on every path.

    :param document: the document as a mapping: the host's fields (``id``, ``issuer``, ``title``,
        ``doc_number``, ``doc_type``, ``main_recipients``, ``cc``, ``secrecy``, ``note``,
        ``issued_on`` as ISO text, ``body``, ``file``, ``flags`` …) with the gaps filled from the file.
    :param facts: a dict of the merged facts (same keys; ``issued_on`` a ``date``; ``secrecy`` the
        strictest 密级 found; ``attachment_names``).
    :return: a list of mappings ``{"action": "important"|"npc"|"major"|"exclude"|"hold",
        "reason": str}``; ``hold`` is always honoured, ``exclude`` never overrides a host flag.
    Ordering: all implementations run; results are concatenated. An implementation that raises or
    returns something else holds the document for a person (recorded with the plugin's name).
    """


@hookspec
def extra_recipients(liaison, document, committees, facts):
    """Name further committees to copy a qualified document to.

    Asked for every document whose issuer is in the counterpart table, before qualification (all
    inputs of a decision are gathered up front); the names are used only if the document is copied.

    :param liaison: the running Liaison.
    :param document: the document mapping, as for :func:`qualification_signals` (the title read
        from the file is there when the host gave none).
    :param committees: the committee names chosen so far: the issuer's counterpart, then the topic
        rules' committees (a tuple).
    :param facts: the merged facts, as for :func:`qualification_signals`.
    :return: a list of committee names (unknown names are recorded and ignored).
    Ordering: all implementations run; the union is taken, never a removal. An implementation that
    raises or returns something else holds the document for a person.
    """


@hookspec
def draft_context(liaison, kind, context):
    """Add or change fields a .docx draft is rendered with (e.g. a unit's own sign-off wording).

    :param liaison: the running Liaison.
    :param kind: ``reply``, ``consultation`` or ``minutes``.
    :param context: the fields collected so far (read-only).
    :return: a mapping merged into the context, later plugins overriding earlier ones.
    Ordering: all implementations run; dicts are merged in call order (newest registered first, so
    the earliest registered wins a clash); a failing implementation is recorded and skipped.
    """


@hookspec
def reminder_passes(liaison):
    """Name the reminder passes that ``oa-liaison remind`` and the worker's daily pass go through.

    Built in: the reply tasks' passes (main units and co-handlers, ``replies/remind.py``) and meeting
    compliance (``meetings/compliance.py``), each registered as an ordinary plugin; a site adds its own
    the same way. The reminder ledger lets each proposed reminder go out exactly once.

    :param liaison: the running Liaison.
    :return: a list of passes, each a callable ``(liaison, jurisdiction, today)`` returning an iterable of
        :class:`oa_liaison_plugin.reminders.Reminder` (``jurisdiction`` is the jurisdiction's row, ``today``
        the county's date); each reminder's ``recipient`` names its jurisdiction
        (:func:`oa_liaison_plugin.work.recipient`).
    Ordering: all implementations run, newest registered first; every pass returned runs once per
    jurisdiction, in that order. An implementation that raises is recorded in the error log and its
    passes are left out; the others still run.
    """
