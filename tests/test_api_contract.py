"""The published contract: GET /api/v1/openapi.json is a valid OpenAPI 3.1 document built from the input models,
its examples are valid against their own schemas, /api/v1/docs shows it under the panel's CSP, and the error
table in docs/integrating.md is the one the API answers from."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from http_host import add_host, check_schema, cloud_event, contract, host_with_callback, post_event, request, \
    signed, wait_for
from oa_liaison_plugin.http import hosts
from oa_liaison_plugin.http.envelope import api_errors
from oa_liaison_plugin.http.openapi import callback_name, errors_markdown, event_name, examples
from oa_liaison_plugin.inputs.callbacks import CALLBACKS
from oa_liaison_plugin.inputs.events import DATA

ROOT = Path(__file__).resolve().parents[1]


def test_the_served_document_is_valid_openapi_3_1_and_needs_no_signature(lite_app):
    client = lite_app.test_client()
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    spec = r.get_json()
    validate(spec)   # openapi-spec-validator: OpenAPI 3.1 (its JSON Schema dialect included)
    assert spec["openapi"] == "3.1.0"
    assert {"/api/v1/events", "/api/v1/events/{event_id}", "/api/v1/preview", "/api/v1/committees",
            "/api/v1/units"} <= set(spec["paths"])
    assert set(spec["webhooks"]) == {"liaison.copy", "liaison.notification", "liaison.consultation", "liaison.ping",
                                     "liaison.decision"}
    headers = {p["name"] for p in spec["webhooks"]["liaison.copy"]["post"]["parameters"]}
    assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}


def test_the_schemas_are_the_models_that_check_the_input():
    schemas = contract()["components"]["schemas"]
    for kind, model in DATA.items():
        assert schemas[model.__name__]["properties"].keys() == model.model_json_schema()["properties"].keys()
        assert schemas[event_name(kind)]["properties"]["type"] == {"const": kind}
    assert schemas["SubmissionReceived"]["properties"]["kind"]["enum"] == ["提案", "调研报告", "建言献策", "社情民意"]
    assert "id" in schemas["DocumentIssued"]["required"] and schemas["DocumentIssued"]["additionalProperties"] is False
    # lists the API sends are [] when empty, never null
    for name in ("CopyData", "DecisionData", "Committee", "Unit"):
        for field, prop in schemas[name]["properties"].items():
            if prop.get("type") == "array":
                assert "null" not in json.dumps(prop), (name, field)


@pytest.mark.parametrize("kind", list(DATA))
def test_every_event_type_has_an_example_valid_against_its_schema(kind):
    example = examples()["events"][kind]
    check_schema(example, event_name(kind))
    shown = contract()["paths"]["/api/v1/events"]["post"]["requestBody"]["content"]["application/cloudevents+json"]
    assert shown["examples"][kind]["value"] == example


@pytest.mark.parametrize("kind", list(CALLBACKS))
def test_every_callback_type_has_an_example_valid_against_its_schema(kind):
    shown = contract()["webhooks"][kind]["post"]["requestBody"]["content"]["application/cloudevents+json"]
    assert shown["examples"]
    for example in shown["examples"].values():
        check_schema(example["value"], callback_name(kind))


def test_a_drifted_example_fails_its_schema():
    copy = json.loads(json.dumps(examples()["callbacks"]["liaison.copy"]))
    copy["data"]["attachments"] = None   # lists are [], never null
    with pytest.raises(AssertionError, match="attachments"):
        check_schema(copy, "LiaisonCopyCallback")
    event = json.loads(json.dumps(examples()["events"]["submission.received"]))
    event["data"]["kind"] = "报告"
    with pytest.raises(AssertionError, match="kind"):
        check_schema(event, "SubmissionReceivedEvent")


def test_the_answers_examples_are_valid():
    shown = examples()["answers"]
    check_schema(shown["accepted"], "Accepted")
    check_schema(shown["event_status"], "EventStatus")
    check_schema(shown["preview"], "Preview")
    for status, answer in contract()["paths"]["/api/v1/events"]["post"]["responses"].items():
        for example in answer["content"]["application/json"].get("examples", {}).values():
            check_schema(example["value"], "ErrorBody")
            assert api_errors()[example["value"]["error"]]["status"] == int(status)


def test_integrating_md_shows_the_error_table_the_api_answers_from():
    doc = (ROOT / "docs" / "integrating.md").read_text("utf-8")
    assert errors_markdown() in doc, "docs/integrating.md's error table is out of date: run tools/api_errors_table.py"
    codes = set(re.findall(r'`\{"error": "(\w+)"', doc))
    assert codes == set(api_errors())


def test_every_code_the_api_raises_is_in_the_error_table():
    raised = set()
    for path in (ROOT / "oa_liaison_plugin").rglob("*.py"):
        raised |= set(re.findall(r'ApiError\("(\w+)"', path.read_text("utf-8")))
    raised |= set(re.findall(r'SignatureError\("(\w+)"', (ROOT / "oa_liaison_plugin/http/signing.py").read_text()))
    assert raised and raised <= set(api_errors()), raised - set(api_errors())


def test_the_docs_page_is_served_from_the_package_in_chinese_under_the_csp(lite_app):
    r = lite_app.test_client().get("/api/v1/docs")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and r.mimetype == "text/html"
    assert "script-src 'none'" in r.headers["Content-Security-Policy"]
    assert "<script" not in page and "style=" not in page and not re.search(r'(src|href)="(https?:)?//', page)
    assert "错误代码" in page and "回调" in page and "数据格式" in page
    for code in api_errors():
        assert f'id="error-{code}"' in page
    for kind in CALLBACKS:
        assert f'id="callback-{kind}"' in page
    for kind in DATA:
        assert f'id="schema-{event_name(kind)}"' in page
    assert "南部县教育局" in page and "``" not in page   # Chinese examples and words, not escapes or docstrings


def test_the_docs_page_in_a_real_browser_breaks_no_csp_rule(lite_app):
    pw = pytest.importorskip("playwright.sync_api")
    from http_host import Served
    from test_web_browser import ARGS, CHROMIUM
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    served = Served(lite_app)
    try:
        with pw.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            problems = []   # what the CSP refused, and any of the page's own resources that failed
            page.on("console", lambda m: problems.append(m.text) if "Refused" in m.text else None)
            page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
                    if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
            page.goto(f"http://127.0.0.1:{served.port}/api/v1/docs")
            assert page.locator("h2#errors").inner_text() == "错误代码"
            # the stylesheet from the package applied (a table has its border), and nothing was blocked
            border = page.locator("#errors + p + table").evaluate("e => getComputedStyle(e).borderCollapse")
            assert border == "collapse" and not problems, problems
            browser.close()
    finally:
        served.close()


def test_a_callback_that_drifts_from_the_contract_fails_the_test_that_received_it(app, served):
    """The callback host checks every callback: a copy whose list is null is caught, not waved through."""
    _, cb = host_with_callback(app)
    from oa_liaison_plugin.http.callbacks import cloudevent, post
    from oa_liaison_plugin.models import utcnow
    bad = json.loads(json.dumps(examples()["callbacks"]["liaison.copy"]["data"]))
    bad["reasons"] = None
    with app.app_context():
        post(app.config, hosts.get("oa1"), "copy-999", cloudevent("liaison.copy", "copy-999", "/oa-liaison/nanbu",
                                                                   bad, utcnow()))
    wait_for(lambda: cb.received)
    with pytest.raises(AssertionError, match="reasons"):
        cb.close()


def test_an_answer_that_drifts_from_the_contract_fails_the_client(app, served):
    secret = add_host(app)
    body = cloud_event("document.issued", {"id": "D-1"}, event_id="ev-1")
    code, answer = request(served.port, "/api/v1/events", body, signed(secret, "m-1", body))
    assert code == 202
    from http_host import check_answer
    with pytest.raises(AssertionError, match="status"):
        check_answer("POST", "/api/v1/events", 202, json.dumps({"id": answer["id"]}).encode(), "application/json")
    with pytest.raises(AssertionError, match="not in the contract"):
        check_answer("POST", "/api/v1/events", 201, b"{}", "application/json")
    assert post_event(served.port, secret, "document.issued", {"id": "D-1"}, event_id="ev-1", msg_id="m-1")[0] == 202
