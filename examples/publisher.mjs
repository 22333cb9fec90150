#!/usr/bin/env node
// A back-end publisher: posts a message to a channel every second through the
// server API (POST /api/publish). No dependencies (Node 20's fetch).
//   WSHUB_URL=http://127.0.0.1:8000 WSHUB_API_KEY=... node examples/publisher.mjs [channel] [count]
const base = process.env.WSHUB_URL || 'http://127.0.0.1:8000';
const key = process.env.WSHUB_API_KEY; // not needed with `wshub serve --dev`
const channel = process.argv[2] || 'chat:lobby';
const count = Number(process.argv[3] || Infinity);

async function publish(data) {
  const res = await fetch(`${base}/api/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `apikey ${key}` } : {}) },
    body: JSON.stringify({ channel, data }),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`publish failed: ${res.status} ${body?.error?.message ?? ''}`);
  return body; // {offset, epoch}
}

for (let i = 1; i <= count; i++) {
  const { offset } = await publish({ user: 'publisher', text: `tick ${i} at ${new Date().toISOString()}` });
  console.log(`published tick ${i} to ${channel} at offset ${offset}`);
  if (i < count) await new Promise((r) => setTimeout(r, 1000));
}
