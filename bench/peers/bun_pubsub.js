// Bun peer: Bun.serve with Bun's built-in WebSocket pub/sub (uWebSockets
// inside): ws.subscribe(topic) and server.publish(topic, message). The speed
// anchor of the benchmarks (issue #4); single instance, no broker.
//
// Speaks the subset of PROTOCOL.md that wshub-bench uses: WebSocket at /ws with
// a welcome frame, the subscribe / unsubscribe / publish / ping ops with replies,
// message envelopes {"type","channel","data","offset","epoch"} (data as sent),
// and POST /api/publish {"channel","data"} -> {"offset","epoch"}.
//
//   bun bench/peers/bun_pubsub.js [--port 8000] [--host 127.0.0.1]
//       [--backpressure-limit BYTES] [--idle-timeout S]
// First stdout line: "listening on http://HOST:PORT".
const args = parseArgs(process.argv.slice(2), {
  port: "8000", host: "127.0.0.1", "backpressure-limit": String(1 << 20), "idle-timeout": "60",
});

const epoch = Math.random().toString(36).slice(2, 10);
const instance = "bun-" + process.pid;
const offsets = new Map(); // channel -> last offset (per channel, like wshub's history offsets)
const CHANNEL_RE = /^[A-Za-z0-9_:.@=\/-]{1,255}$/;
let nextClient = 0;

function nextOffset(channel) {
  const o = (offsets.get(channel) || 0) + 1;
  offsets.set(channel, o);
  return o;
}

// Builds the envelope around the data's JSON text (so data goes out as it came in)
// and hands it to Bun's pub/sub; one encode, then uWS copies it to every subscriber.
function publish(server, channel, dataText) {
  const offset = nextOffset(channel);
  server.publish(channel,
    '{"type":"message","channel":' + JSON.stringify(channel) + ',"data":' + dataText +
    ',"offset":' + offset + ',"epoch":"' + epoch + '"}');
  return offset;
}

// The JSON text of the "data" member, re-serialised from the parsed request:
// the idiomatic route, and byte-identical to what was sent whenever the sender
// wrote compact JSON (wshub-bench's payloads always are).
function dataText(obj) {
  return JSON.stringify(obj.data);
}

function reply(ws, id, extra) {
  ws.send('{"type":"reply","id":' + id + ',"ok":true' + (extra || "") + "}");
}
function replyError(ws, id, code, message) {
  ws.send(JSON.stringify(id === undefined
    ? { type: "reply", ok: false, error: { code, message } }
    : { type: "reply", id, ok: false, error: { code, message } }));
}

const server = Bun.serve({
  hostname: args.host,
  port: Number(args.port),
  reusePort: false,
  development: false,
  async fetch(req, server) {
    const url = new URL(req.url);
    if (url.pathname === "/ws") {
      if (server.upgrade(req, { data: { client: "c-" + instance + "-" + (++nextClient), channels: new Set() } })) return;
      return new Response("upgrade required", { status: 426 });
    }
    if (url.pathname === "/api/publish" && req.method === "POST") {
      let body;
      try { body = await req.json(); } catch { return jsonError(400, "malformed"); }
      if (!body || typeof body.channel !== "string" || !CHANNEL_RE.test(body.channel) || !("data" in body)) {
        return jsonError(400, "malformed");
      }
      const offset = publish(server, body.channel, dataText(body));
      return new Response('{"offset":' + offset + ',"epoch":"' + epoch + '"}',
        { headers: { "content-type": "application/json" } });
    }
    if (url.pathname === "/healthz" || url.pathname === "/readyz") return new Response("ok");
    return jsonError(404, "not found");
  },
  websocket: {
    perMessageDeflate: false,            // like wshub: no compression
    idleTimeout: Number(args["idle-timeout"]), // Bun pings and closes silent sockets
    sendPings: true,
    backpressureLimit: Number(args["backpressure-limit"]),
    closeOnBackpressureLimit: true,      // slow consumers are closed, not buffered without bound
    publishToSelf: true,
    maxPayloadLength: 1 << 20,
    open(ws) {
      ws.send(JSON.stringify({ type: "welcome", client: ws.data.client, instance, user: "",
        ping_interval: 25, version: 1 }));
    },
    message(ws, message) {
      if (typeof message !== "string") { ws.close(1003, "binary frame"); return; }
      for (const line of message.split("\n")) {
        if (line.length > 0) onOp(ws, line);
      }
    },
    close(ws) {
      // Bun drops the socket's topics itself.
    },
  },
});

function onOp(ws, line) {
  let op;
  try { op = JSON.parse(line); } catch { replyError(ws, undefined, 400, "bad JSON"); return; }
  const id = op && Number.isInteger(op.id) ? op.id : undefined;
  if (id === undefined) { replyError(ws, undefined, 400, "missing id"); return; }
  switch (op.op) {
    case "subscribe":
      if (typeof op.channel !== "string" || !CHANNEL_RE.test(op.channel)) return replyError(ws, id, 400, "bad channel");
      if (ws.data.channels.has(op.channel)) return replyError(ws, id, 409, "already subscribed");
      ws.data.channels.add(op.channel);
      ws.subscribe(op.channel);
      reply(ws, id, ',"epoch":"' + epoch + '","offset":' + (offsets.get(op.channel) || 0));
      return;
    case "unsubscribe":
      ws.data.channels.delete(op.channel);
      ws.unsubscribe(op.channel);
      reply(ws, id);
      return;
    case "publish": {
      if (typeof op.channel !== "string" || !CHANNEL_RE.test(op.channel) || !("data" in op)) {
        return replyError(ws, id, 400, "malformed");
      }
      const offset = publish(server, op.channel, dataText(op));
      reply(ws, id, ',"offset":' + offset + ',"epoch":"' + epoch + '"');
      return;
    }
    case "ping":
      reply(ws, id);
      return;
    default:
      replyError(ws, id, 400, "unknown op");
  }
}

function jsonError(code, message) {
  return new Response(JSON.stringify({ error: { code, message } }),
    { status: code, headers: { "content-type": "application/json" } });
}

function parseArgs(argv, defaults) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m || !(m[1] in defaults)) { console.error("unknown argument " + argv[i]); process.exit(2); }
    out[m[1]] = m[2] !== undefined ? m[2] : argv[++i];
  }
  return out;
}

console.log("listening on http://" + args.host + ":" + server.port);
