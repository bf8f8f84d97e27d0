// Send one event to oa-liaison as an OA system would: a CloudEvent (structured JSON), signed with
// Standard Webhooks. Usage:
//   LIAISON_URL=http://127.0.0.1:8080 LIAISON_SECRET=whsec_… [LIAISON_TYPE=submission.received] node send.js [data.json]
// data.json holds the event's data; without it a sample 通知 (metadata only, no file) is sent as document.issued.
// LIAISON_TYPE names any event type: document.issued (the default), document.drafted, consultation.answered,
// submission.received, meeting.scheduled.
// To attach the file, put its bytes in data.file_base64 (and data.file_name).
"use strict";
const fs = require("node:fs");
const crypto = require("node:crypto");
const { CloudEvent, HTTP } = require("cloudevents");
const { Webhook } = require("standardwebhooks");

const url = process.env.LIAISON_URL || "http://127.0.0.1:8080";
const secret = process.env.LIAISON_SECRET;
if (!secret) {
  console.error("LIAISON_SECRET is not set (the whsec_… secret that `oa-liaison hosts add` printed)");
  process.exit(2);
}
const data = process.argv[2]
  ? JSON.parse(fs.readFileSync(process.argv[2], "utf8"))
  : { id: "2026-0012", issuer: "南部县教育局", doc_number: "南教发〔2026〕12号",
      title: "关于印发《南部县义务教育均衡发展实施方案》的通知", flags: { important: true } };

const type = process.env.LIAISON_TYPE || "document.issued";

async function main() {
  // The CloudEvent id is the event's identity: a retry must send the SAME id (and the same webhook-id),
  // or it is a new event. Derive it from the type and the thing's own id, never let the SDK make a random one.
  const event = new CloudEvent({
    id: `${type}-${data.id ?? data.consultation_id}`,
    source: process.env.LIAISON_SOURCE || "https://oa.example.cn/gw",
    type,
    datacontenttype: "application/json",
    data,
  });
  const message = HTTP.structured(event);
  // Sign the exact bytes that are sent: serialise once, sign that string, send that string.
  const body = typeof message.body === "string" ? message.body : JSON.stringify(message.body);
  const msgId = `msg-${crypto.createHash("sha256").update(body).digest("hex").slice(0, 32)}`;
  const seconds = Math.floor(Date.now() / 1000);
  const headers = {
    "content-type": "application/cloudevents+json; charset=utf-8",
    "webhook-id": msgId,
    "webhook-timestamp": String(seconds),
    "webhook-signature": new Webhook(secret).sign(msgId, new Date(seconds * 1000), body),
  };
  const answer = await fetch(`${url}/api/v1/events`, { method: "POST", headers, body });
  const text = await answer.text();
  console.log(JSON.stringify({ status: answer.status, answer: JSON.parse(text) }));
  process.exit(answer.status === 202 ? 0 : 1);
}

main().catch((err) => {
  console.error(String(err));
  process.exit(1);
});
