// Socket.IO 4 hub with @socket.io/redis-adapter: the most used option.
// Rooms are channels: a client joins a room with the "subscribe" event (with an
// ack), and a publication is io.to(channel).emit("message", envelope); the
// Redis adapter forwards every broadcast to the other instances over Redis
// Pub/Sub. Offsets come from a Redis INCR per channel, so they are cluster-wide.
//
// The wire is Socket.IO's (Engine.IO v4 over WebSocket at /socket.io/); wshub-bench
// speaks it with --protocol socketio. Events:
//   client -> server  "subscribe" (channel, ack)    ack({ok:true,epoch,offset}) or ({ok:false,error})
//   client -> server  "publish" ({channel,data}, ack) ack({ok:true,offset,epoch})
//   server -> client  "message" {type:"message",channel,data,offset,epoch}
// plus POST /api/publish {"channel","data"} -> {"offset","epoch"} on the same port.
//
//   node bench/peers/socketio_hub.js [--port 8000] [--host 127.0.0.1]
//       [--redis redis://127.0.0.1:6379]
// First stdout line: "listening on http://HOST:PORT".
"use strict";
const http = require("node:http");
const { Server } = require("socket.io");
const { createAdapter } = require("@socket.io/redis-adapter");
const { createClient } = require("redis");

const args = parseArgs(process.argv.slice(2), { port: "8000", host: "127.0.0.1", redis: "redis://127.0.0.1:6379" });
const CHANNEL_RE = /^[A-Za-z0-9_:.@=\/-]{1,255}$/;

const pubClient = createClient({ url: args.redis });
const subClient = pubClient.duplicate();
let epoch = "";

const httpServer = http.createServer({ keepAliveTimeout: 60000 });
const io = new Server(httpServer, {
  transports: ["websocket"], // no long-polling: every client here upgrades straight away
  perMessageDeflate: false,  // the default since 4.0, said aloud
  httpCompression: false,
  serveClient: false,
  maxHttpBufferSize: 1 << 20,
  pingInterval: 25000,
  pingTimeout: 20000,
  cleanupEmptyChildNamespaces: true,
});

async function publish(channel, data) {
  const offset = await pubClient.incr("sio:offset:" + channel);
  io.to(channel).emit("message", { type: "message", channel, data, offset, epoch });
  return offset;
}

io.on("connection", (socket) => {
  socket.on("subscribe", (channel, ack) => {
    if (typeof ack !== "function") return;
    if (typeof channel !== "string" || !CHANNEL_RE.test(channel)) {
      return ack({ ok: false, error: { code: 400, message: "bad channel" } });
    }
    socket.join(channel);
    ack({ ok: true, epoch, offset: 0 });
  });
  socket.on("unsubscribe", (channel, ack) => {
    socket.leave(channel);
    if (typeof ack === "function") ack({ ok: true });
  });
  socket.on("publish", async (msg, ack) => {
    if (!msg || typeof msg.channel !== "string" || !CHANNEL_RE.test(msg.channel)) {
      if (typeof ack === "function") ack({ ok: false, error: { code: 400, message: "malformed" } });
      return;
    }
    const offset = await publish(msg.channel, msg.data);
    if (typeof ack === "function") ack({ ok: true, offset, epoch });
  });
});

// The HTTP API shares the port: Socket.IO answers /socket.io/, this the rest.
httpServer.on("request", (req, res) => {
  if (req.url.startsWith("/socket.io/")) return;
  if (req.method === "POST" && req.url === "/api/publish") {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      let body;
      try { body = JSON.parse(Buffer.concat(chunks)); } catch { return sendText(res, 400, '{"error":{"code":400,"message":"malformed"}}'); }
      if (!body || typeof body.channel !== "string" || !CHANNEL_RE.test(body.channel) || !("data" in body)) {
        return sendText(res, 400, '{"error":{"code":400,"message":"malformed"}}');
      }
      try {
        const offset = await publish(body.channel, body.data);
        sendText(res, 200, '{"offset":' + offset + ',"epoch":"' + epoch + '"}');
      } catch {
        sendText(res, 503, '{"error":{"code":503,"message":"broker unavailable"}}');
      }
    });
    return;
  }
  if (req.url === "/healthz" || req.url === "/readyz") return sendText(res, 200, "ok");
  sendText(res, 404, '{"error":{"code":404,"message":"not found"}}');
});

function sendText(res, status, text) {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
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

(async () => {
  pubClient.on("error", (e) => console.error("redis:", e.message));
  subClient.on("error", (e) => console.error("redis sub:", e.message));
  await Promise.all([pubClient.connect(), subClient.connect()]);
  await pubClient.set("sio:epoch", Math.random().toString(36).slice(2, 10), { NX: true });
  epoch = await pubClient.get("sio:epoch");
  io.adapter(createAdapter(pubClient, subClient));
  httpServer.listen(Number(args.port), args.host, () => {
    console.log("listening on http://" + args.host + ":" + httpServer.address().port);
  });
  const stop = () => { io.close(); process.exit(0); };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
})();
