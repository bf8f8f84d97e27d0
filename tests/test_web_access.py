"""Every route × every role: the answer each gets, and no one reaches another unit's or committee's objects.

The route list comes from app.url_map: a new route without an entry in EXPECT fails the test.
"""
from __future__ import annotations

import pytest
from flask import url_for

from conftest import DATABASES, database
from test_web_support import build_world, session_client

ROLES = {"admin": "admin1", "unit": "jyj", "committee": "jkwwt", "auditor": "audit1"}
ALL = tuple(ROLES)


def only(code: int, *roles: str, other: int = 403, anon: int = 302) -> dict:
    """``code`` for the listed roles, ``other`` (403) for the rest, a redirect to /login for strangers."""
    return {"anon": anon, **{r: code if r in roles else other for r in ROLES}}


# (method, endpoint) -> expected status per role. POSTs carry an empty form (CSRF off): a form view
# answers 400 with its errors, an action answers 302 after doing (or refusing) its work.
EXPECT = {
    ("GET", "static"): {"anon": 200, **{r: 200 for r in ROLES}},
    ("GET", "auth.login"): {"anon": 200, **{r: 302 for r in ROLES}},
    ("POST", "auth.login"): {"anon": 400, **{r: 302 for r in ROLES}},
    ("POST", "auth.logout"): only(302, *ALL),
    ("GET", "auth.password"): only(200, *ALL),
    ("POST", "auth.password"): only(400, *ALL),
    ("GET", "home.index"): only(200, *ALL),
    ("GET", "table.index"): only(200, "admin", "auditor"),
    ("GET", "table.export"): only(200, "admin", "auditor"),
    ("GET", "table.export_xlsx"): only(200, "admin", "auditor"),
    ("GET", "table.unit_new"): only(200, "admin"),
    ("POST", "table.unit_new"): only(400, "admin"),
    ("GET", "table.unit_edit"): only(200, "admin"),
    ("POST", "table.unit_edit"): only(400, "admin"),
    ("POST", "table.unit_delete"): only(200, "admin"),  # the confirmation page first
    ("GET", "table.pattern_new"): only(200, "admin"),
    ("POST", "table.pattern_new"): only(400, "admin"),
    ("GET", "table.pattern_edit"): only(200, "admin"),
    ("POST", "table.pattern_edit"): only(400, "admin"),
    ("POST", "table.pattern_delete"): only(200, "admin"),  # the confirmation page first
    ("GET", "table.import_"): only(200, "admin"),
    ("POST", "table.import_"): only(400, "admin"),
    ("GET", "notice.index"): only(200, "admin"),
    ("POST", "notice.index"): only(400, "admin"),
    ("POST", "notice.apply"): only(400, "admin"),
    ("GET", "notice.rollback"): only(302, "admin"),
    ("POST", "notice.rollback"): only(302, "admin"),
    ("GET", "rules.index"): only(200, "admin", "auditor"),
    ("GET", "rules.export"): only(200, "admin", "auditor"),
    ("GET", "rules.new"): only(200, "admin"),
    ("POST", "rules.new"): only(400, "admin"),
    ("GET", "rules.edit"): only(200, "admin"),
    ("POST", "rules.edit"): only(400, "admin"),
    ("POST", "rules.toggle"): only(302, "admin"),
    ("POST", "rules.move"): only(302, "admin"),
    ("GET", "tester.index"): only(200, "admin", "unit", "auditor"),
    ("POST", "tester.index"): only(400, "admin", "unit", "auditor"),  # a dry run: even the auditor may try
    ("GET", "unmatched.index"): only(200, "admin", "auditor"),
    ("POST", "unmatched.map_name"): only(302, "admin"),
    ("GET", "deliveries.index"): only(200, "admin", "auditor"),
    ("GET", "deliveries.export"): only(200, "admin", "auditor"),
    ("GET", "deliveries.detail"): only(200, "admin", "auditor"),
    ("POST", "deliveries.retry"): only(302, "admin"),
    ("POST", "deliveries.retry_failed"): only(302, "admin"),
    ("POST", "deliveries.redeliver"): only(404, "admin"),   # no such copy: the admin gets 404
    ("GET", "messages.index"): only(200, *ALL),
    ("POST", "messages.read"): only(302, "admin", "unit", "committee"),   # each marks only what is its own
    ("GET", "inbox.index"): only(200, "committee", "unit"),
    ("GET", "inbox.export"): only(200, "committee", "unit"),
    # own_copy is the committee's copy: the unit clerk (the sender) gets 404, never the copy.
    ("GET", "inbox.detail"): {**only(200, "committee"), "unit": 404},
    ("GET", "inbox.file"): {**only(200, "committee"), "unit": 404},
    # own_copy's document has no attachments: 404 for the committee too
    ("GET", "inbox.attachment"): only(404, "committee", "unit"),
    ("POST", "inbox.read"): {**only(302, "committee"), "unit": 404},
    ("GET", "documents.index"): only(200, "admin", "unit", "committee", "auditor"),
    ("GET", "documents.export"): only(200, "admin", "unit", "committee", "auditor"),
    # own_document is a unit's: a committee sees only its own reports to units (404, never the document).
    ("GET", "documents.detail"): {**only(200, "admin", "unit", "auditor"), "committee": 404},
    # own_document is routed, not held: the admin is sent back with a notice, nothing changes.
    ("POST", "documents.manual_copy"): only(302, "admin"),
    ("POST", "documents.no_copy"): only(302, "admin"),
    ("POST", "documents.handover"): only(302, "admin"),
    ("GET", "submissions.index"): only(200, *ALL),
    ("GET", "submissions.export"): only(200, *ALL),
    ("GET", "submissions.replied"): only(200, "admin", "unit"),
    ("POST", "submissions.replied"): only(400, "admin", "unit"),
    ("GET", "submissions.detail"): only(200, *ALL),
    ("GET", "submissions.new"): only(200, "admin", "unit"),
    ("POST", "submissions.new"): only(400, "admin", "unit"),
    ("GET", "submissions.extend"): only(200, "admin"),
    ("POST", "submissions.extend"): only(400, "admin"),
    ("GET", "submissions.rate"): only(200, "committee"),
    ("POST", "submissions.rate"): only(400, "committee"),
    ("POST", "submissions.remind"): only(200, "admin", "committee"),   # a bare POST: the confirmation page
    # the unit clerk (县教育局) co-handles cohandled_submission; only a co-handler gives an opinion
    ("GET", "submissions.opinion"): only(200, "unit"),
    ("POST", "submissions.opinion"): only(400, "unit"),
    ("GET", "submissions.reply_file"): only(404, *ALL),   # nothing uploaded yet: not found, for whoever may look
    ("GET", "submissions.on_time"): only(200, "admin", "auditor"),
    ("GET", "consultations.index"): only(200, *ALL),
    ("GET", "consultations.export"): only(200, *ALL),
    ("GET", "consultations.opinion"): only(200, "admin", "committee"),
    ("POST", "consultations.opinion"): only(400, "admin", "committee"),
    # own_consultation was opened when its document was issued: no draft, no attachment, not answered yet
    ("GET", "consultations.draft"): only(404, *ALL),
    ("GET", "consultations.attachment"): only(404, *ALL),
    ("GET", "consultations.letter"): only(200, "admin", "unit", "auditor"),
    ("GET", "consultations.reply"): only(404, *ALL),
    ("GET", "meetings.index"): only(200, *ALL),
    ("GET", "meetings.export"): only(200, *ALL),
    ("GET", "meetings.detail"): only(200, *ALL),
    ("GET", "meetings.new"): only(200, "admin", "committee"),   # the admin picks the committee first
    ("POST", "meetings.new"): only(400, "admin", "committee"),
    ("GET", "meetings.record"): only(200, "admin", "committee"),
    ("POST", "meetings.record"): only(400, "admin", "committee"),
    ("GET", "meetings.minutes"): only(200, "admin", "committee"),
    ("POST", "meetings.signed"): only(302, "admin", "committee"),  # no file: back to the meeting with a notice
    ("GET", "meetings.signed_file"): only(200, *ALL),
    ("POST", "meetings.answer"): only(302, "admin", "unit"),
    ("POST", "meetings.topic"): only(302, "admin", "committee"),
    ("GET", "meetings.compliance"): only(200, *ALL),
    ("GET", "meetings.compliance_export"): only(200, *ALL),
    ("GET", "leaders.index"): only(200, *ALL),
    ("GET", "leaders.export"): only(200, *ALL),
    ("GET", "leaders.edit"): only(200, "admin", "unit"),
    ("POST", "leaders.edit"): only(400, "admin", "unit"),
    ("GET", "leaders.report"): only(200, "admin", "auditor"),
    ("GET", "review.index"): only(200, "admin", "auditor"),
    ("GET", "review.report"): only(200, "admin", "auditor"),
    ("GET", "review.export"): only(200, "admin", "auditor"),
    ("GET", "drafts.reply"): only(200, "admin", "unit"),
    ("POST", "drafts.reply"): only(400, "admin", "unit"),
    ("GET", "drafts.consultation"): only(200, "admin", "unit"),
    ("POST", "drafts.consultation"): only(400, "admin", "unit"),
    ("GET", "drafts.minutes"): only(200, "admin", "committee"),
    ("POST", "drafts.minutes"): only(400, "admin", "committee"),
    ("GET", "audit.index"): only(200, "admin", "auditor"),
    ("GET", "audit.export"): only(200, "admin", "auditor"),
    ("GET", "audit.detail"): only(200, "admin", "auditor"),
    ("GET", "users.index"): only(200, "admin", "auditor"),
    ("GET", "users.export"): only(200, "admin", "auditor"),
    ("GET", "users.new"): only(200, "admin"),
    ("POST", "users.new"): only(400, "admin"),
    ("GET", "users.edit"): only(200, "admin"),
    ("POST", "users.edit"): only(400, "admin"),
    ("GET", "hosts.index"): only(200, "admin", "auditor"),
    ("GET", "hosts.new"): only(200, "admin"),
    ("POST", "hosts.new"): only(400, "admin"),
    # no host of that name: the admin gets 404
    ("POST", "hosts.rotate"): only(404, "admin"),
    ("GET", "hosts.secret"): only(302, "admin"),   # nothing to show: back to the list
    ("POST", "hosts.remove"): only(404, "admin"),
    ("POST", "hosts.require_file"): only(404, "admin"),
    ("POST", "hosts.decisions"): only(404, "admin"),
    ("GET", "hosts.detail"): only(404, "admin", "auditor"),
    ("POST", "hosts.send_test"): only(404, "admin"),
    # the hosts' API: no session counts, only a signature (none here)
    ("POST", "api.events"): {r: 401 for r in ("anon", *ROLES)},
    ("POST", "api.preview"): {r: 401 for r in ("anon", *ROLES)},
    ("GET", "api.event_status"): {r: 401 for r in ("anon", *ROLES)},
    ("GET", "api.committees"): {r: 401 for r in ("anon", *ROLES)},
    ("GET", "api.units"): {r: 401 for r in ("anon", *ROLES)},
    # the published contract is documentation: anyone may read it, signed or not
    ("GET", "api.openapi_json"): {r: 200 for r in ("anon", *ROLES)},
    ("GET", "api.docs"): {r: 200 for r in ("anon", *ROLES)},
}

# URL arguments: each role's "own" object (the unit clerk's unit is 县教育局, the committee clerk's 教科文卫体委员会).
ARGS = {"unit_id": "own_unit", "name": "pattern", "copy_id": "own_copy", "document_id": "own_document",
        "submission_id": "own_submission", "consultation_id": "own_consultation", "meeting_id": "own_meeting",
        "user_id": "auditor", "rule_id": None, "entry_id": None, "filename": None, "host_name": None,
        "event_id": None, "round_": None, "number": None, "ref": None,
        "invitation_id": "own_invitation", "topic_id": "own_topic"}
OVERRIDES = {"table.unit_delete": {"unit_id": "parent_unit"},
             "submissions.opinion": {"submission_id": "cohandled_submission"}}

# Someone else's objects: allowed roles whose scope excludes them get 404 (never the data).
FOREIGN = [
    ("GET", "documents.detail", {"document_id": "other_document"}, {"unit": 404}),
    ("GET", "documents.detail", {"document_id": "unmatched_document"}, {"unit": 404}),
    ("GET", "drafts.reply", {"submission_id": "other_submission"}, {"unit": 404}),
    ("POST", "drafts.reply", {"submission_id": "other_submission"}, {"unit": 404}),
    ("GET", "drafts.consultation", {"consultation_id": "other_consultation"}, {"unit": 404}),
    ("POST", "drafts.consultation", {"consultation_id": "other_consultation"}, {"unit": 404}),
    ("GET", "submissions.replied", {"submission_id": "other_submission"}, {"unit": 404}),
    ("POST", "submissions.replied", {"submission_id": "other_submission"}, {"unit": 404}),
    ("GET", "consultations.opinion", {"consultation_id": "other_consultation"}, {"committee": 404}),
    ("POST", "consultations.opinion", {"consultation_id": "other_consultation"}, {"committee": 404}),
    ("GET", "consultations.letter", {"consultation_id": "other_consultation"}, {"unit": 404}),
    ("GET", "consultations.draft", {"consultation_id": "other_consultation"}, {"unit": 404, "committee": 404}),
    ("POST", "documents.manual_copy", {"document_id": "held_document"}, {"unit": 403, "committee": 403,
                                                                        "auditor": 403}),
    ("GET", "drafts.minutes", {"meeting_id": "other_meeting"}, {"committee": 404}),
    ("POST", "drafts.minutes", {"meeting_id": "other_meeting"}, {"committee": 404}),
    # someone else's task: not the unit's (main or co-handled), not the committee's
    ("GET", "submissions.detail", {"submission_id": "other_submission"}, {"unit": 404, "committee": 404}),
    ("GET", "submissions.rate", {"submission_id": "other_submission"}, {"committee": 404}),
    ("POST", "submissions.rate", {"submission_id": "other_submission"}, {"committee": 404}),
    ("POST", "submissions.remind", {"submission_id": "other_submission"}, {"committee": 404}),
    ("GET", "submissions.reply_file", {"submission_id": "other_submission"}, {"unit": 404, "committee": 404}),
    # a co-handler sees the task but may not answer, draft or extend it, and the main unit gives no opinion
    ("GET", "submissions.detail", {"submission_id": "cohandled_submission"}, {"unit": 200, "committee": 404}),
    ("GET", "submissions.replied", {"submission_id": "cohandled_submission"}, {"unit": 404}),
    ("POST", "submissions.replied", {"submission_id": "cohandled_submission"}, {"unit": 404}),
    ("GET", "drafts.reply", {"submission_id": "cohandled_submission"}, {"unit": 404}),
    ("GET", "submissions.opinion", {"submission_id": "own_submission"}, {"unit": 404}),
    ("POST", "submissions.opinion", {"submission_id": "other_submission"}, {"unit": 404}),
    ("GET", "inbox.detail", {"copy_id": "other_copy"}, {"committee": 404, "unit": 404}),
    ("GET", "inbox.file", {"copy_id": "other_copy"}, {"committee": 404, "unit": 404}),
    ("POST", "inbox.read", {"copy_id": "other_copy"}, {"committee": 404, "unit": 404}),
    ("GET", "meetings.detail", {"meeting_id": "other_meeting"}, {"committee": 404, "unit": 404}),
    ("GET", "meetings.minutes", {"meeting_id": "other_meeting"}, {"committee": 404}),
    ("GET", "meetings.record", {"meeting_id": "other_meeting"}, {"committee": 404}),
    ("POST", "meetings.record", {"meeting_id": "other_meeting"}, {"committee": 404}),
    ("POST", "meetings.signed", {"meeting_id": "other_meeting"}, {"committee": 404}),
    ("POST", "meetings.answer", {"invitation_id": "other_invitation"}, {"unit": 404}),
    ("POST", "meetings.topic", {"topic_id": "other_topic"}, {"committee": 404}),
    ("GET", "leaders.edit", {"unit_id": "other_unit"}, {"unit": 404}),
    ("POST", "leaders.edit", {"unit_id": "other_unit"}, {"unit": 404}),
]


def _world(url, tmp):
    from conftest import make_app
    app = make_app(url, tmp / "instance", WTF_CSRF_ENABLED=False)
    world = build_world(app)
    from oa_liaison_plugin.audit import Actor
    with app.extensions["oa_liaison"].work(Actor("test")) as uow:
        uow.audit("user.create", "audit1", None, {"username": "audit1"}, jurisdiction_id=1)
    yield app, world
    from oa_liaison_plugin.models import db
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def world_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("access")
    yield from _world(f"sqlite:///{tmp / 'access.sqlite3'}", tmp)


@pytest.fixture(scope="module", params=DATABASES)
def any_world_app(request, tmp_path_factory):
    """The same world on SQLite and on PostgreSQL (whose integers overflow and which refuses NUL)."""
    if request.param == "sqlite":
        yield request.getfixturevalue("world_app")
        return
    tmp = tmp_path_factory.mktemp("access-pg")
    with database(request.param, tmp) as url:
        yield from _world(url, tmp)


def _url(app, world, endpoint, rule, overrides=None):
    args = {}
    for name in rule.arguments:
        key = (overrides or {}).get(name) or OVERRIDES.get(endpoint, {}).get(name) or ARGS[name]
        fixed = {"rule_id": "npc-title", "entry_id": 1, "number": 1, "filename": "oa_liaison.css",
                 "host_name": "nobody", "event_id": "evt-1", "round_": 1, "ref": "copy-999999"}
        args[name] = fixed[name] if key is None else world[key]
    with app.test_request_context():
        return url_for(endpoint, **args)


def _routes(app):
    routes = {}
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes[(method, rule.endpoint)] = rule
    return routes


def test_every_route_has_an_expectation(world_app):
    app, _ = world_app
    routes = _routes(app)
    missing = sorted(set(routes) - set(EXPECT))
    stale = sorted(set(EXPECT) - set(routes))
    assert not missing, f"routes without an entry in EXPECT (add one, answering for every role): {missing}"
    assert not stale, f"EXPECT names routes that no longer exist: {stale}"


@pytest.mark.parametrize("role", ["anon", *ROLES])
def test_route_role_matrix(world_app, role):
    app, world = world_app
    wrong = []
    for (method, endpoint), rule in sorted(_routes(app).items(), key=lambda kv: kv[0][1] == "auth.logout"):
        expected = EXPECT[(method, endpoint)][role]
        client = session_client(app, ROLES.get(role), world)
        url = _url(app, world, endpoint, rule)
        resp = client.open(url, method=method, data={})
        if resp.status_code != expected:
            wrong.append(f"{method} {url} ({endpoint}): {resp.status_code}, expected {expected}")
        if resp.status_code == 302 and role == "anon":
            assert "/login" in resp.headers["Location"]
        assert resp.status_code < 500, resp.get_data(as_text=True)[:500]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("method,endpoint,args,expected", FOREIGN,
                         ids=[f"{m}-{e}-{'-'.join(a.values())}" for m, e, a, _ in FOREIGN])
def test_someone_elses_objects_are_not_found(world_app, method, endpoint, args, expected):
    app, world = world_app
    rule = _routes(app)[(method, endpoint)]
    for role, code in expected.items():
        client = session_client(app, ROLES[role], world)
        resp = client.open(_url(app, world, endpoint, rule, args), method=method, data={})
        assert resp.status_code == code, (role, resp.status_code)
        assert "城市总体规划" not in resp.get_data(as_text=True)


def test_lists_show_only_what_is_the_users(world_app):
    app, world = world_app
    unit = session_client(app, "jyj", world)
    docs = unit.get("/documents").get_data(as_text=True)
    assert "义务教育均衡发展" in docs and "城市总体规划" not in docs and "全民阅读" not in docs
    assert "城区停车难" not in unit.get("/submissions").get_data(as_text=True)
    assert "城建环资对口联系会" not in unit.get("/meetings").get_data(as_text=True)
    committee = session_client(app, "jkwwt", world)
    inbox = committee.get("/inbox").get_data(as_text=True)
    assert "义务教育均衡发展" in inbox and "城市总体规划" not in inbox
    assert "城市总体规划" not in committee.get("/consultations").get_data(as_text=True)
    assert "城建环资对口联系会" not in committee.get("/meetings").get_data(as_text=True)
    other = session_client(app, "cjhz", world)
    assert "义务教育均衡发展" not in other.get("/inbox").get_data(as_text=True)


def test_auditor_cannot_change_anything(world_app):
    app, world = world_app
    auditor = session_client(app, "audit1", world)
    for (method, endpoint), rule in _routes(app).items():
        if method == "POST" and endpoint not in ("auth.logout", "auth.password", "tester.index",
                                                 "auth.login"):
            # the hosts' API ignores sessions: an auditor's session is no signature (401)
            refused = (401,) if endpoint.startswith("api.") else (403, 404)
            assert auditor.post(_url(app, world, endpoint, rule), data={}).status_code in refused, endpoint


ODD_IDS = ["0", "-1", str(2 ** 31), str(2 ** 63), "9" * 40, "abc", "%00", "a%00b", "%01", "%ff", "\u0663",
           "x" * 300]


def _odd_url(rule, value: str) -> str:
    """The rule's path with every variable part replaced by ``value`` as it stands (no converter asked)."""
    import re
    return re.sub(r"<[^>]+>", value, rule.rule)


@pytest.mark.parametrize("role", ["anon", *ROLES])
def test_odd_ids_in_every_route_are_never_a_500(any_world_app, role):
    app, world = any_world_app
    client = session_client(app, ROLES.get(role), world)
    broken = []
    for (method, endpoint), rule in sorted(_routes(app).items()):
        if not rule.arguments or endpoint == "auth.logout":
            continue
        for value in ODD_IDS:
            url = _odd_url(rule, value)
            try:   # TESTING propagates a view's exception instead of answering 500
                status = client.open(url, method=method, data={}).status_code
            except Exception as exc:
                status = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
            if not isinstance(status, int) or status >= 500:
                broken.append(f"{method} {url[:120]} ({endpoint}): {status}")
    assert not broken, "\n".join(broken)


def test_a_nul_in_a_name_in_the_path_is_a_chinese_400(any_world_app):
    app, world = any_world_app
    resp = session_client(app, "admin1", world).get("/table/patterns/a%00b/edit")
    assert resp.status_code == 400 and "网址含控制字符 U+0000" in resp.get_data(as_text=True)
