// Node `ws` hub with Redis: the common hand-rolled WebSocket pub/sub hub.
//
// Each instance keeps channel -> Set(socket) for its own sockets and holds ONE
// Redis subscriber connection, on which it SUBSCRIBEs to a channel while it has
// at least one local subscriber to it (UNSUBSCRIBE when the last one leaves).
// A publication (HTTP POST /api/publish or the WebSocket publish op) runs one
// Lua script on Redis: INCR of the channel's offset and PUBLISH of the complete
// envelope, so every instance receives the same bytes with a cluster-wide
// offset in one round trip. Several instances on one Redis form one hub.
//
// Speaks the subset of PROTOCOL.md that wshub-bench uses (see bun_pubsub.js).
//
//   node bench/peers/node_ws_hub.js [--port 8000] [--host 127.0.0.1]
//       [--redis redis://127.0.0.1:6379] [--max-buffered BYTES]
// First stdout line: "listening on http://HOST:PORT".
"use strict";
const http = require("node:http");
const { WebSocketServer } = require("ws");
const { createClient, defineScript } = require("redis");

const args = parseArgs(process.argv.slice(2), {
  port: "8000", host: "127.0.0.1", redis: "redis://127.0.0.1:6379", "max-buffered": String(1 << 20),
});
const MAX_BUFFERED = Number(args["max-buffered"]);
const CHANNEL_RE = /^[A-Za-z0-9_:.@=\/-]{1,255}$/;
const instance = "node-" + process.pid;
let nextClient = 0;

// KEYS[1] offset key; ARGV[1] Redis channel, ARGV[2] envelope head (up to
// "offset":), ARGV[3] its tail. Returns the offset.
const publishScript = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT:
    "local o = redis.call('INCR', KEYS[1]) " +
    "redis.call('PUBLISH', ARGV[1], ARGV[2] .. o .. ARGV[3]) return o",
  transformArguments(key, channel, head, tail) { return [key, channel, head, tail]; },
  transformReply(reply) { return reply; },
});

const cmd = createClient({ url: args.redis, scripts: { publishSeq: publishScript } });
const sub = cmd.duplicate();
const local = new Map(); // channel -> Set<WebSocket>
let epoch = "";

async function publish(channel, dataText) {
  const head = '{"type":"message","channel":' + JSON.stringify(channel) + ',"data":' + dataText + ',"offset":';
  return cmd.publishSeq("hub:offset:" + channel, "hub:ch:" + channel, head, ',"epoch":"' + epoch + '"}');
}

// One Redis message -> every local subscriber. The Buffer is framed once per
// socket by ws (no re-encoding of the text); sockets over their buffer limit are
// closed as slow consumers (4000), as wshub does.
function onRedisMessage(message, redisChannel) {
  const set = local.get(redisChannel.toString().slice(7));
  if (!set) return;
  for (const ws of set) {
    if (ws.bufferedAmount > MAX_BUFFERED) { ws.close(4000, "slow consumer"); continue; }
    ws.send(message, { binary: false });
  }
}

async function subscribe(ws, channel) {
  let set = local.get(channel);
  if (!set) {
    set = new Set();
    local.set(channel, set);
    set.pending = sub.subscribe("hub:ch:" + channel, onRedisMessage, true); // bufferMode: Buffers in, no decode
  }
  set.add(ws);
  ws.channels.add(channel);
  await set.pending; // reply only once Redis has confirmed the subscription
}

function unsubscribe(ws, channel) {
  ws.channels.delete(channel);
  const set = local.get(channel);
  if (!set) return;
  set.delete(ws);
  if (set.size === 0) {
    local.delete(channel);
    sub.unsubscribe("hub:ch:" + channel).catch(() => {});
  }
}

function reply(ws, id, extra) {
  ws.send('{"type":"reply","id":' + id + ',"ok":true' + (extra || "") + "}");
}
function replyError(ws, id, code, message) {
  const r = { type: "reply" };
  if (id !== undefined) r.id = id;
  r.ok = false;
  r.error = { code, message };
  ws.send(JSON.stringify(r));
}

async function onOp(ws, line) {
  let op;
  try { op = JSON.parse(line); } catch { return replyError(ws, undefined, 400, "bad JSON"); }
  const id = op && Number.isInteger(op.id) ? op.id : undefined;
  if (id === undefined) return replyError(ws, undefined, 400, "missing id");
  try {
    switch (op.op) {
      case "subscribe":
        if (typeof op.channel !== "string" || !CHANNEL_RE.test(op.channel)) return replyError(ws, id, 400, "bad channel");
        if (ws.channels.has(op.channel)) return replyError(ws, id, 409, "already subscribed");
        await subscribe(ws, op.channel);
        return reply(ws, id, ',"epoch":"' + epoch + '","offset":0');
      case "unsubscribe":
        unsubscribe(ws, op.channel);
        return reply(ws, id);
      case "publish": {
        if (typeof op.channel !== "string" || !CHANNEL_RE.test(op.channel) || !("data" in op)) {
          return replyError(ws, id, 400, "malformed");
        }
        const offset = await publish(op.channel, JSON.stringify(op.data));
        return reply(ws, id, ',"offset":' + offset + ',"epoch":"' + epoch + '"');
      }
      case "ping":
        return reply(ws, id);
      default:
        return replyError(ws, id, 400, "unknown op");
    }
  } catch (e) {
    return replyError(ws, id, 503, "broker unavailable");
  }
}

const server = http.createServer({ keepAliveTimeout: 60000 }, (req, res) => {
  if (req.method === "POST" && req.url === "/api/publish") {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      let body;
      try { body = JSON.parse(Buffer.concat(chunks)); } catch { return sendJson(res, 400, { error: { code: 400, message: "malformed" } }); }
      if (!body || typeof body.channel !== "string" || !CHANNEL_RE.test(body.channel) || !("data" in body)) {
        return sendJson(res, 400, { error: { code: 400, message: "malformed" } });
      }
      try {
        const offset = await publish(body.channel, JSON.stringify(body.data));
        sendText(res, 200, '{"offset":' + offset + ',"epoch":"' + epoch + '"}');
      } catch {
        sendJson(res, 503, { error: { code: 503, message: "broker unavailable" } });
      }
    });
    return;
  }
  if (req.url === "/healthz" || req.url === "/readyz") return sendText(res, 200, "ok");
  sendJson(res, 404, { error: { code: 404, message: "not found" } });
});

const wss = new WebSocketServer({
  server, path: "/ws",
  perMessageDeflate: false, // the default, said aloud: compression costs more CPU than it saves here
  clientTracking: false,    // we track sockets per channel ourselves
  maxPayload: 1 << 20,
});

wss.on("connection", (ws) => {
  ws.channels = new Set();
  ws.isAlive = true;
  ws.on("pong", () => { ws.isAlive = true; });
  ws.send(JSON.stringify({ type: "welcome", client: "c-" + instance + "-" + (++nextClient), instance, user: "",
    ping_interval: 25, version: 1 }));
  ws.on("message", (data, isBinary) => {
    ws.isAlive = true;
    if (isBinary) return ws.close(1003, "binary frame");
    const text = data.toString();
    let start = 0;
    for (;;) {
      const nl = text.indexOf("\n", start);
      const line = nl < 0 ? text.slice(start) : text.slice(start, nl);
      if (line.length > 0) onOp(ws, line);
      if (nl < 0) break;
      start = nl + 1;
    }
  });
  ws.on("close", () => { for (const c of [...ws.channels]) unsubscribe(ws, c); });
  ws.on("error", () => {});
  sockets.add(ws);
  ws.once("close", () => sockets.delete(ws));
});

// Keepalive as in ws's README: ping every 25 s, drop sockets that did not answer.
const sockets = new Set();
setInterval(() => {
  for (const ws of sockets) {
    if (!ws.isAlive) { ws.terminate(); continue; }
    ws.isAlive = false;
    ws.ping();
  }
}, 25000).unref();

function sendText(res, status, text) {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
function sendJson(res, status, obj) { sendText(res, status, JSON.stringify(obj)); }

function parseArgs(argv, defaults) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m || !(m[1] in defaults)) { console.error("unknown argument " + argv[i]); process.exit(2); }
    out[m[1]] = m[2] !== undefined ? m[2] : argv[++i];
  }
  return out;
}

(async () => {
  cmd.on("error", (e) => console.error("redis:", e.message));
  sub.on("error", (e) => console.error("redis sub:", e.message));
  await Promise.all([cmd.connect(), sub.connect()]);
  await cmd.set("hub:epoch", Math.random().toString(36).slice(2, 10), { NX: true });
  epoch = await cmd.get("hub:epoch");
  server.listen(Number(args.port), args.host, () => {
    console.log("listening on http://" + args.host + ":" + server.address().port);
  });
  const stop = () => { server.close(); process.exit(0); };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
})();
