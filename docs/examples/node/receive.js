// Receive oa-liaison's callbacks as an OA system would: verify the Standard Webhooks signature on the RAW
// body, file each copy, notification or decision once (by its CloudEvent id), answer 2xx only once it is filed.
// A liaison.decision (a host registered with --decisions) is printed with its status and reasons.
// Usage:
//   LIAISON_SECRET=whsec_… PORT=9000 INBOX=./inbox node receive.js
// then register http://<this host>:9000/liaison/callback as the host's callback URL.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const express = require("express");
const { Webhook } = require("standardwebhooks");

const secret = process.env.LIAISON_SECRET;
if (!secret) {
  console.error("LIAISON_SECRET is not set");
  process.exit(2);
}
const webhook = new Webhook(secret);
const inbox = path.resolve(process.env.INBOX || "inbox");
fs.mkdirSync(inbox, { recursive: true });

const app = express();
// The raw-body warning: verify the bytes as they came. express.json() would parse and re-serialise the
// body, and the signature of the re-serialised text does not match (key order, spacing, \u escapes).
app.post("/liaison/callback", express.raw({ type: "*/*", limit: "60mb" }), (req, res) => {
  let event;
  try {
    event = webhook.verify(req.body, req.headers);   // throws on a bad or stale signature
  } catch (err) {
    console.log(JSON.stringify({ refused: String(err.message || err) }));
    return res.status(401).json({ error: "bad signature" });
  }
  // A retry carries the same CloudEvent id: filing by id makes a second delivery change nothing.
  const safeId = String(event.id).replace(/[^A-Za-z0-9._-]/g, "_");
  const folder = path.join(inbox, String(event.type).replace(/[^a-z.]/g, "_"));
  fs.mkdirSync(folder, { recursive: true });
  const file = path.join(folder, `${safeId}.json`);
  const first = !fs.existsSync(file);
  if (first) {
    fs.writeFileSync(file, JSON.stringify(event, null, 2));
  }
  const data = event.data || {};
  const line = { verified: true, first, type: event.type, id: event.id,
                 committee: data.committee || null, document_id: data.document_id || null };
  if (event.type === "liaison.notification") {   // file a message by its recipient's name, never the object
    Object.assign(line, { recipient_label: data.recipient_label, subject: data.subject });
  }
  if (event.type === "liaison.consultation" || data.kind === "consultation") {
    Object.assign(line, { kind: data.kind || null, consultation_id: data.consultation_id, position: data.position || null });
  }
  if (event.type === "liaison.decision") {   // why a document was (not) copied, for the clerk who issued it
    Object.assign(line, { status: data.status, hold_reason: data.hold_reason,
                          reasons: (data.reasons || []).map((r) => r.text) });
  }
  console.log(JSON.stringify(line));
  return res.status(200).json({ filed: event.id });
});

const port = Number(process.env.PORT || 9000);
const server = app.listen(port, "127.0.0.1", () => {
  console.log(JSON.stringify({ listening: server.address().port }));
});
