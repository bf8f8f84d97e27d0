"""The HTTP contract as an OpenAPI 3.1 document, built from the input and callback models and the error table."""
from __future__ import annotations

import copy
import json
from functools import lru_cache
from importlib import resources

from pydantic.json_schema import models_json_schema

from ..inputs.callbacks import (CALLBACKS, Accepted, Callback, Committees, ErrorBody, EventStatus, Preview, Reason,
                                Units)
from ..inputs.events import DATA, CloudEvent
from ..wording import wording
from .envelope import api_errors

REF = "#/components/schemas/{model}"
CLOUDEVENTS = "application/cloudevents+json"
# The statuses each operation may answer with an error (the table says which codes have which status); any may 500.
ERRORS = {"events": (400, 401, 403, 409, 413, 500), "preview": (400, 401, 403, 413, 422, 500, 503),
          "status": (401, 404, 500), "listing": (401, 500)}
SIGNATURE = [
    {"name": "webhook-id", "in": "header", "required": True, "schema": {"type": "string", "maxLength": 256},
     "description": "消息编号：同一编号再次发送（相同请求体）得到相同应答，不重复处理"},
    {"name": "webhook-timestamp", "in": "header", "required": True, "schema": {"type": "string", "pattern": r"^\d+$"},
     "description": "Unix 时间（秒）；与服务器时间相差超过 5 分钟即拒绝"},
    {"name": "webhook-signature", "in": "header", "required": True, "schema": {"type": "string"},
     "description": "v1,<base64(HMAC-SHA256(密钥, \"{webhook-id}.{webhook-timestamp}.{body}\"))>；可有多个，以空格分隔"},
]
HOST_HEADER = {"name": "X-OA-Host", "in": "header", "required": False, "schema": {"type": "string"},
               "description": "可选：主机名称；省略时由签名本身识别主机"}


def examples() -> dict:
    """The shipped examples (data/api_examples.json): one real event, callback and answer of each kind."""
    return json.loads(resources.files("oa_liaison_plugin").joinpath("data/api_examples.json").read_text("utf-8"))


def event_name(kind: str) -> str:
    """``document.issued`` → ``DocumentIssuedEvent`` (the component holding that type's whole CloudEvent)."""
    return "".join(part.title() for part in kind.replace(".", "_").split("_")) + "Event"


def callback_name(kind: str) -> str:
    """``liaison.copy`` → ``LiaisonCopyCallback``."""
    return "".join(part.title() for part in kind.replace(".", "_").split("_")) + "Callback"


def _schemas() -> dict:
    """Every model's JSON Schema under components/schemas, and one CloudEvent per event and callback type."""
    models = [(m, "validation") for m in (CloudEvent, *DATA.values())] + \
             [(m, "serialization") for m in (Callback, Reason, *CALLBACKS.values(), Accepted, ErrorBody, EventStatus,
                                             Preview, Committees, Units)]
    _, top = models_json_schema(models, ref_template=REF)
    schemas = top["$defs"]
    words = wording()["api_schemas"]
    for name, schema in schemas.items():   # the docstrings are the developers'; the contract speaks Chinese
        schema["description"] = words[name]
    for kinds, envelope, name, said in ((DATA, "CloudEvent", event_name, "event"),
                                        (CALLBACKS, "Callback", callback_name, "callback")):
        for kind, model in kinds.items():
            one = copy.deepcopy(schemas[envelope])
            one["title"] = name(kind)
            one["description"] = words[said].format(kind=kind, data=model.__name__)
            one["properties"]["type"] = {"const": kind}
            one["properties"]["data"] = {"$ref": REF.format(model=model.__name__)}
            schemas[name(kind)] = one
    schemas["ErrorBody"]["properties"]["error"]["enum"] = list(api_errors())
    return schemas


def _errors(statuses) -> dict:
    """The error answers of an operation: each status with its codes from the error table, and an example each."""
    table = api_errors()
    out = {}
    for status in statuses:
        rows = [r for r in table.values() if r["status"] == status]
        out[str(status)] = {
            "description": "；".join(f"{r['code']}：{r['when_zh']}" for r in rows),
            "content": {"application/json": {
                "schema": {"$ref": REF.format(model="ErrorBody")},
                "examples": {r["code"]: {"summary": r["when_zh"], "value": {
                    "error": r["code"], "message": r["message"], **({"field": "data.unit"} if r["field"] else {})}}
                    for r in rows}}}}
    return out


def _json(model: str, example=None, examples_: dict | None = None, media: str = "application/json") -> dict:
    """A JSON answer's content: the schema and its example."""
    body = {"schema": {"$ref": REF.format(model=model)}}
    if example is not None:
        body["example"] = example
    if examples_:
        body["examples"] = examples_
    return {media: body}


def _event_bodies(kinds) -> dict:
    """A request body taking any of these event types (oneOf, told apart by ``type``)."""
    shown = examples()["events"]
    schema = {"oneOf": [{"$ref": REF.format(model=event_name(k))} for k in kinds],
              "discriminator": {"propertyName": "type",
                                "mapping": {k: REF.format(model=event_name(k)) for k in kinds}}}
    ex = {k: {"summary": k, "value": shown[k]} for k in kinds}
    return {"required": True, "content": {media: {"schema": schema, "examples": ex}
                                          for media in (CLOUDEVENTS, "application/json")}}


def _paths() -> dict:
    """The operations: events, an event's status, preview, the committees and units, and this documentation."""
    shown = examples()["answers"]
    signed = [*SIGNATURE, HOST_HEADER]
    listing = {"tags": ["查询"], "parameters": signed}
    return {
        "/api/v1/events": {"post": {
            "tags": ["事件"], "operationId": "postEvent", "summary": "发送一个事件（公文印发、征求意见稿、意见反馈、收文、会议）",
            "description": "CloudEvents 1.0 结构化 JSON，Standard Webhooks 签名。所有检查在 202 之前完成：202 表示已持久记录，随后处理。",
            "parameters": signed, "requestBody": _event_bodies(DATA),
            "responses": {"202": {"description": "已持久记录到收件箱（随后处理；重复发送得到相同应答）",
                                  "content": _json("Accepted", shown["accepted"])}, **_errors(ERRORS["events"])}}},
        "/api/v1/events/{event_id}": {"get": {
            "tags": ["事件"], "operationId": "getEvent", "summary": "查看本主机发送的事件的处理状态和结果",
            "description": "签名方式相同，请求体为空。",
            "parameters": [{"name": "event_id", "in": "path", "required": True,
                            "schema": {"type": "string", "pattern": r"^evt-\d+$"}}, *signed],
            "responses": {"200": {"description": "事件的状态和结果",
                                  "content": _json("EventStatus", shown["event_status"])},
                          **_errors(ERRORS["status"])}}},
        "/api/v1/preview": {"post": {
            "tags": ["事件"], "operationId": "preview", "summary": "预览：此刻印发会得到的决定和签发前提示，不记录任何内容",
            "parameters": signed, "requestBody": _event_bodies(["document.issued"]),
            "responses": {"200": {"description": "签发前提示和决定", "content": _json("Preview", shown["preview"])},
                          **_errors(ERRORS["preview"])}}},
        "/api/v1/committees": {"get": {
            **listing, "operationId": "listCommittees", "summary": "本行政区的专门委员会（编号、名称、简称、对口单位）",
            "responses": {"200": {"description": "专门委员会", "content": _json("Committees")},
                          **_errors(ERRORS["listing"])}}},
        "/api/v1/units": {"get": {
            **listing, "operationId": "listUnits", "summary": "本行政区的单位（编号、名称、别名、上级、对口委员会）",
            "responses": {"200": {"description": "单位", "content": _json("Units")}, **_errors(ERRORS["listing"])}}},
        "/api/v1/openapi.json": {"get": {
            "tags": ["说明"], "operationId": "openapi", "summary": "本文档（OpenAPI 3.1，无需签名）",
            "responses": {"200": {"description": "OpenAPI 文档", "content": {"application/json": {}}}}}},
        "/api/v1/docs": {"get": {
            "tags": ["说明"], "operationId": "docs", "summary": "本文档的中文页面（无需签名）",
            "responses": {"200": {"description": "HTML 页面", "content": {"text/html": {}}}}}},
    }


def _webhooks() -> dict:
    """Every callback type: POSTed to the host's callback URL, signed with the same Standard Webhooks headers."""
    shown, words = examples()["callbacks"], wording()["api_schemas"]
    out = {}
    for kind, model in CALLBACKS.items():
        ex = {name: {"summary": name, "value": value} for name, value in shown.items() if value["type"] == kind}
        out[kind] = {"post": {
            "tags": ["回调"], "operationId": callback_name(kind), "summary": words[model.__name__],
            "description": "以主机的有效密钥签名（轮换期间带两个签名）。验证签名后以 webhook-id 去重；持久保存后应答 2xx，"
                           "其他应答（含 3xx、超时）均按退避重试。",
            "parameters": SIGNATURE,
            "requestBody": {"required": True, "content": {CLOUDEVENTS: {
                "schema": {"$ref": REF.format(model=callback_name(kind))}, "examples": ex}}},
            "responses": {"2XX": {"description": "已收到并持久保存"},
                          "default": {"description": "未确认：稍后重试"}}}}
    return out


def refs(node) -> list[str]:
    """The schema names a part of the document refers to, in order, each once (for the docs page's links)."""
    found: list[str] = []

    def walk(n):
        """Every $ref below ``n``, examples skipped."""
        if isinstance(n, dict):
            ref = n.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/") and ref[21:] not in found:
                found.append(ref[21:])
            for key, v in n.items():
                if key not in ("example", "examples"):
                    walk(v)
        elif isinstance(n, list):
            for v in n:
                walk(v)
    walk(node)
    return found


def type_of(schema: dict) -> str:
    """A property's type in a few words: ``string``, ``array of Reason``, ``"a" | "b"``, ``string | null``."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "const" in schema:
        return json.dumps(schema["const"], ensure_ascii=False)
    if "enum" in schema:
        return " | ".join(json.dumps(v, ensure_ascii=False) for v in schema["enum"])
    if "anyOf" in schema or "oneOf" in schema:
        return " | ".join(type_of(s) for s in schema.get("anyOf") or schema["oneOf"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {type_of(schema.get('items', {}))}"
    return f"{kind} ({schema['format']})" if "format" in schema else str(kind)


def pretty(value) -> str:
    """JSON as people read it: indented, Chinese as it is."""
    return json.dumps(value, ensure_ascii=False, indent=2)


@lru_cache(maxsize=1)
def document() -> dict:
    """The OpenAPI 3.1 document of the HTTP API (built once per process)."""
    from .. import __version__
    return {
        "openapi": "3.1.0",
        "info": {"title": "oa-liaison 接入接口", "version": __version__,
                 "description": "主办 OA 系统与 oa-liaison（县政协专门委员会对口联系）之间的 HTTP 接口：签名的事件、"
                                "回调和应答。详见 docs/integrating.md。"},
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "servers": [{"url": "/"}],
        "tags": [{"name": "事件"}, {"name": "查询"}, {"name": "回调"}, {"name": "说明"}],
        "paths": _paths(),
        "webhooks": _webhooks(),
        "components": {"schemas": _schemas()},
        "x-error-codes": list(api_errors().values()),
    }


TABLE_START = "<!-- api_errors: written by tools/api_errors_table.py from oa_liaison_plugin/data/api_errors.json -->"
TABLE_END = "<!-- /api_errors -->"


def errors_markdown() -> str:
    """The error table as docs/integrating.md shows it (English), between its markers."""
    rows = ["| status | body | when |", "|---|---|---|"]
    for e in api_errors().values():
        body = f'{{"error": "{e["code"]}"' + (', "field": "…"' if e["field"] else "") + "}"
        rows.append(f"| {e['status']} | `{body}` | {e['when_en']} |")
    return "\n".join([TABLE_START, *rows, TABLE_END])
