// The live demo at /: a chat room and a live activity view on @wshub/client.
//
// Query parameters:
//   room=NAME     chat channel chat:NAME (default lobby)
//   user=NAME     your name (in --dev it is also the connection's user id)
//   servers=H:P,H:P   instances to use, in turn (default: the one serving this page)
//   retry=MS      first reconnect backoff ceiling in ms (default 300)
import { WshubClient } from '/sdk/wshub.js';
import { drawChart } from '/chart.js';

const params = new URLSearchParams(location.search);
const room = params.get('room') || 'lobby';
const channel = `chat:${room}`;
const user = params.get('user') || `guest-${Math.random().toString(36).slice(2, 6)}`;
const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
const servers = (params.get('servers') || location.host).split(',').filter(Boolean);
const urls = servers.map((s) => `${scheme}://${s}/ws`);

const $ = (id) => document.getElementById(id);
const messagesEl = $('messages');
const activityEl = $('activity');
$('user').textContent = user;
$('room').textContent = channel;

const retry = Number(params.get('retry')) || 300;
const client = new WshubClient(urls, { user, minReconnectDelay: retry, maxReconnectDelay: Math.max(5000, retry) });

// What tests read: every delivered chat message, in delivery order.
const delivered = [];
window.demo = { client, channel, delivered, urls };

function log(text) {
  const li = document.createElement('li');
  const t = document.createElement('time');
  t.textContent = new Date().toLocaleTimeString();
  li.append(t, text);
  activityEl.prepend(li);
  while (activityEl.children.length > 100) activityEl.lastChild.remove();
}

function system(text) {
  const li = document.createElement('li');
  li.className = 'system';
  li.textContent = text;
  appendMessage(li);
}

function appendMessage(li) {
  const atBottom = messagesEl.scrollTop + messagesEl.clientHeight >= messagesEl.scrollHeight - 4;
  messagesEl.append(li);
  while (messagesEl.children.length > 500) messagesEl.firstChild.remove();
  if (atBottom) messagesEl.scrollTop = messagesEl.scrollHeight;
}

client.on('state', (state) => {
  const el = $('state');
  el.textContent = state;
  el.className = `badge ${state}`;
  $('send-button').disabled = state === 'closed';
});
client.on('connecting', ({ url }) => log(`connecting to ${url}`));
client.on('connected', (w) => {
  $('instance').textContent = w.instance;
  $('client').textContent = w.client;
  log(`connected to instance ${w.instance} as ${w.client}`);
});
client.on('disconnected', ({ code, reason, reconnect }) => {
  $('instance').textContent = '-';
  log(`disconnected: close ${code}${reason ? ` (${reason})` : ''}${reconnect ? ', reconnecting' : ''}`);
});

let received = 0;
const sub = client.subscribe(channel, (m) => {
  received++;
  const data = m.data && typeof m.data === 'object' ? m.data : { text: String(m.data) };
  delivered.push({ offset: m.offset, recovered: m.recovered, user: data.user, text: data.text });
  const li = document.createElement('li');
  li.dataset.offset = m.offset ?? '';
  if (m.recovered) li.classList.add('recovered');
  const off = document.createElement('span');
  off.className = 'off';
  off.textContent = m.offset !== undefined ? `#${m.offset}` : '';
  const who = document.createElement('span');
  who.className = 'who';
  who.textContent = data.user || 'server';
  const text = document.createElement('span');
  text.className = 'text';
  text.textContent = data.text ?? JSON.stringify(m.data);
  li.append(off, who, text);
  if (m.recovered) {
    const tag = document.createElement('span');
    tag.className = 'tag';
    tag.textContent = 'recovered';
    tag.title = 'published while this page was reconnecting; delivered from history';
    li.append(tag);
  }
  appendMessage(li);
});
sub.on('subscribed', (info) => {
  if (info.resumed) {
    log(
      info.recovered
        ? `resubscribed to ${channel}: ${info.recoveredCount} missed message(s) recovered`
        : `resubscribed to ${channel}: history did not cover the gap`,
    );
  } else {
    log(`subscribed to ${channel} at offset ${info.offset}`);
  }
});
sub.on('gap', () => system('some messages were missed while disconnected (history did not cover the gap)'));
sub.on('error', (err) => system(`cannot subscribe: ${err.message}`));

$('send').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const input = $('text');
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  $('send-error').textContent = '';
  try {
    await client.publish(channel, { user, text });
  } catch (err) {
    $('send-error').textContent = `not sent: ${err.message}`;
    input.value = text;
  }
});

// Presence of the room, every 3 s while connected.
async function refreshPresence() {
  if (client.state !== 'connected') return;
  try {
    const { clients } = await client.presence(channel);
    const ul = $('presence');
    ul.replaceChildren(
      ...clients.map((c) => {
        const li = document.createElement('li');
        li.textContent = `${c.user || 'anonymous'} (${c.client})`;
        return li;
      }),
    );
  } catch {
    // presence may be off for the namespace; the list just stays as it is
  }
}
setInterval(refreshPresence, 3000);
sub.on('subscribed', refreshPresence);

// Messages per second over the last minute.
const rates = [];
let lastCount = 0;
setInterval(() => {
  rates.push(received - lastCount);
  lastCount = received;
  if (rates.length > 60) rates.shift();
  drawChart($('rate'), [{ label: 'msg/s', color: '#4fb3ff', values: rates }]);
}, 1000);

client.connect().catch((err) => log(`cannot connect: ${err.message}`));
