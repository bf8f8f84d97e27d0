"""POST /api/v1/events and /api/v1/preview, GET /api/v1/events/<id>: Standard Webhooks signatures, JSON answers;
GET /api/v1/openapi.json and /api/v1/docs: the contract itself."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request
from sqlalchemy import select

from ...http import hosts, inbox, lanes, openapi
from ...http.envelope import ApiError, check_data, parse
from ...http.fetch import FetchError, fetch
from ...http.sealing import SealError
from ...http.signing import SignatureError, check_headers, matches
from ...models import HttpHost, InboxEvent, db

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _refuse(exc: ApiError, host: str | None = None):
    # Logged without the body or any secret: the code, the host named and the message id are enough.
    current_app.logger.warning("API 拒绝 %s %s：%s host=%s webhook-id=%s", request.method, request.path, exc.code,
                               (host or request.headers.get("x-oa-host") or "-")[:64],
                               (request.headers.get("webhook-id") or "-")[:64])
    return jsonify(exc.body()), exc.status


def _body() -> bytes:
    limit = int(current_app.config["API_MAX_BODY_BYTES"])
    if request.content_length is not None and request.content_length > limit:
        raise ApiError("too_large", f"请求体过大（上限 {limit} 字节）")
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise ApiError("too_large", f"请求体过大（上限 {limit} 字节）")
    return data


def _authenticate(body: bytes) -> hosts.Signer:
    """The host whose live secret signed this request; raises ApiError(401)."""
    return _signer(body, confirm=True)[0]


def _signer(body: bytes, *, confirm: bool) -> tuple[hosts.Signer, bool]:
    """The host whose live secret signed this request, and whether the database has confirmed it exists (a
    signer from the cache is confirmed here when ``confirm``, else by the caller's own statement); ApiError(401)."""
    h = request.headers
    try:
        ts = check_headers(h.get("webhook-id"), h.get("webhook-timestamp"), h.get("webhook-signature"),
                           tolerance=int(current_app.config["API_TIMESTAMP_TOLERANCE_SECONDS"]))
    except SignatureError as exc:
        # a malformed webhook-id is the request's fault (400 naming the header), not the signature's
        raise ApiError(exc.code, f"字段 webhook-id：{exc}" if exc.code == "bad_webhook_id" else str(exc),
                       "webhook-id" if exc.code == "bad_webhook_id" else None) from None
    name = h.get("x-oa-host")
    if name and not hosts.NAME.match(name):
        raise ApiError("unknown_host", "未知主机（X-OA-Host 未登记）")
    for fresh in (False, True):   # a refusal is always checked against the database, never a cache
        try:
            # Without X-OA-Host: whichever registered host's secret signed it (a county has few hosts).
            candidates = hosts.signers(current_app.config, name or None, fresh=fresh)
        except SealError as exc:
            current_app.logger.error("主机密钥无法解开：%s", exc)
            raise ApiError("bad_signature", "签名无法核对（服务器的主机密钥文件有误，已记录）") from None
        for host in candidates:
            if matches(host.secrets, h["webhook-id"], ts, body, h["webhook-signature"]):
                if fresh or not confirm:
                    return host, fresh
                if hosts.still_there(host.id):
                    return host, True
                hosts.forget_signers()   # removed in some process: this one's cache goes at once
                break
    if not candidates:
        raise ApiError("unknown_host", "未知主机（X-OA-Host 未登记）" if name else "没有登记任何主机")
    raise ApiError("bad_signature", "签名不正确" if name else "签名不正确，或发送方未登记")


@bp.post("/events")
def events():
    """Record a signed CloudEvent; 202 once it is durably in the inbox (processing follows)."""
    host = None
    try:
        body = _body()
        host, confirmed = _signer(body, confirm=False)   # a cached host is confirmed by the inbox's INSERT
        event = parse(body)
        jurisdiction = host.jurisdiction
        check_data(event, jurisdiction)
        _check_file_url(event, host)
        try:
            row_id, duplicate = inbox.record(host.name, event, jurisdiction, body.decode("utf-8"),
                                             webhook_id=request.headers["webhook-id"],
                                             host_id=None if confirmed else host.id)
        except inbox.HostGone:   # removed by some process: this one's cache goes, and the request is refused
            hosts.forget_signers()
            host = _authenticate(body)
            jurisdiction = host.jurisdiction
            row_id, duplicate = inbox.record(host.name, event, jurisdiction, body.decode("utf-8"),
                                             webhook_id=request.headers["webhook-id"])
    except ApiError as exc:
        db.session.rollback()
        return _refuse(exc, host.name if host is not None else None)
    liaison = current_app.extensions["oa_liaison"]
    if not duplicate and current_app.config["API_PROCESS_INLINE"]:
        inbox.after_commit(liaison, row_id, jurisdiction)
    return jsonify({"id": inbox.public_id(row_id), "status": "accepted"}), 202


def _check_file_url(event: dict, host: hosts.Signer) -> None:
    url = event["data"].get("file_url") if event["type"] == "document.issued" else None
    if url and hosts.origin(url) not in (host.allow_origins or []):
        raise ApiError("file_url_not_allowed", "字段 data.file_url：不在此主机允许的文件来源内", "data.file_url")


@bp.post("/preview")
def preview():
    """What would happen to a document now: the pre-issue messages and the decision; nothing is recorded."""
    from ...decision.route import preview as decide_preview
    host = None
    try:
        body = _body()
        host = _authenticate(body)
        event = parse(body)
        if event["type"] != "document.issued":
            raise ApiError("unknown_type", "字段 type：预览只支持 document.issued", "type")
        document = check_data(event, host.jurisdiction)
        _check_file_url(event, host)
        url = document.pop("_file_url", None)
        if url and document.get("file") is None:
            try:   # on a fetcher thread, never more at once than leave serving threads free
                document["file"] = lanes.fetch_for_request(
                    current_app.extensions["oa_liaison"], fetch, url, host.allow_origins or [],
                    current_app.config["MAX_UPLOAD_BYTES"], current_app.config["FILE_FETCH_TIMEOUT_SECONDS"])
            except FetchError as exc:
                raise ApiError("file_fetch_failed", str(exc), "data.file_url") from None
    except ApiError as exc:
        db.session.rollback()
        return _refuse(exc, host.name if host is not None else None)
    liaison = current_app.extensions["oa_liaison"]
    from ...decision.decide import host_requires_file
    token = host_requires_file.set(db.session.scalar(select(HttpHost.require_file).where(HttpHost.id == host.id)))
    try:
        decision = decide_preview(liaison, document)
        messages = liaison.check_before_issue(document)
    finally:
        host_requires_file.reset(token)
    return jsonify({"messages": messages, "decision": decision}), 200


@bp.get("/committees")
def committees():
    """The host's jurisdiction's committees under their ids (signed, empty body): what an event may name."""
    from ...table.listing import committees as listed
    return _listing("committees", listed)


@bp.get("/units")
def units():
    """The host's jurisdiction's units under their ids (signed, empty body): what an event may name."""
    from ...table.listing import units as listed
    return _listing("units", listed)


def _listing(key: str, listed):
    try:
        host = _authenticate(b"")
    except ApiError as exc:
        return _refuse(exc)
    return jsonify({key: listed(current_app.extensions["oa_liaison"], host.jurisdiction)}), 200


@bp.get("/events/<event_id>")
def event_status(event_id: str):
    """An event's state (accepted, processed) and its result, for the host that sent it (signed, empty body)."""
    host = None
    try:
        host = _authenticate(b"")
        digits = event_id[4:]
        row_id = int(digits) if event_id.startswith("evt-") and digits.isascii() and digits.isdigit() \
            and len(digits) <= 18 else None   # beyond a 64-bit id no row can have it
        row = db.session.get(InboxEvent, row_id) if row_id else None
        if row is None or row.sender != host.name:
            raise ApiError("not_found", "没有此事件")
    except ApiError as exc:
        return _refuse(exc, host.name if host is not None else None)
    return jsonify(inbox.status_of(row.id)), 200


@bp.get("/openapi.json")
def openapi_json():
    """The contract as OpenAPI 3.1 (unsigned: it is documentation)."""
    return jsonify(openapi.document()), 200


@bp.get("/docs")
def docs():
    """The contract as a page in Chinese, rendered from the OpenAPI document (no script, nothing from a CDN)."""
    spec = openapi.document()
    shown = openapi.examples()["events"]
    return render_template("oa_liaison/api/docs.html", spec=spec, signature=[*openapi.SIGNATURE, openapi.HOST_HEADER],
                           event_examples={openapi.event_name(k): v for k, v in shown.items()},
                           refs=openapi.refs, type_of=openapi.type_of, pretty=openapi.pretty)
