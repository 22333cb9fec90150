#!/usr/bin/env node
// A Node subscriber on @wshub/client: prints every message of a channel,
// reconnecting and recovering missed messages on its own.
//   (cd clients/js && npm ci)   # Node 20 needs the `ws` package
//   WSHUB_WS=ws://127.0.0.1:8000/ws node examples/subscriber.mjs [channel]
// Several instances: WSHUB_WS=ws://127.0.0.1:8001/ws,ws://127.0.0.1:8002/ws
import { WshubClient } from '../clients/js/wshub.js';

const urls = (process.env.WSHUB_WS || 'ws://127.0.0.1:8000/ws').split(',');
const channel = process.argv[2] || 'chat:lobby';
const client = new WshubClient(urls, { user: 'node-subscriber', token: process.env.WSHUB_TOKEN });

client.on('connecting', ({ url }) => console.error(`connecting to ${url}`));
client.on('connected', (w) => console.error(`connected to instance ${w.instance} as ${w.client}`));
client.on('disconnected', ({ code, reason, reconnect }) =>
  console.error(`disconnected (${code} ${reason})${reconnect ? ', reconnecting' : ''}`));

const sub = client.subscribe(channel, (m) => {
  const tag = m.recovered ? ' [recovered]' : '';
  console.log(`#${m.offset} ${JSON.stringify(m.data)}${tag}`);
});
sub.on('gap', () => console.error('missed messages could not be recovered'));

process.on('SIGINT', () => {
  client.close();
  process.exit(0);
});
await client.connect();
console.error(`subscribed to ${channel}; Ctrl-C to stop`);
