// The operator dashboard at /admin: polls the server API of the instance
// serving this page every second and draws what it finds.
//   GET /api/info      instances, connections, subscriptions and each
//                      instance's totals since start ("counters") (hub-wide)
//   GET /api/channels  channels and subscriber counts (hub-wide)
//   GET /readyz        broker reachable and not draining
// Rates are hub-wide: the sum of the instances' counter differences per
// second, over the instances seen in both polls (one that restarted or left
// adds nothing).
// Outside --dev the API needs `Authorization: apikey KEY`; the key is kept in
// sessionStorage (this tab only) and asked for when the API answers 401/403.
import { drawChart, formatNumber } from '/chart.js';

const KEY_STORAGE = 'wshub.apiKey';
const POINTS = 120;
const $ = (id) => document.getElementById(id);

const history = { in: [], out: [], connections: [], pubs: [], slow: [] };
let previous = null; // {t, byId}: the last poll's time and counters per instance
let timer = null;

// What tests read.
window.dashboard = { history, last: null };

function apiHeaders() {
  const key = sessionStorage.getItem(KEY_STORAGE);
  return key ? { authorization: `apikey ${key}` } : {};
}

class AuthError extends Error {}

async function getJson(path) {
  const res = await fetch(path, { headers: apiHeaders(), cache: 'no-store' });
  if (res.status === 401 || res.status === 403) {
    const body = await res.json().catch(() => ({}));
    throw new AuthError(body?.error?.message || `HTTP ${res.status}`);
  }
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

function push(series, value) {
  series.push(value);
  if (series.length > POINTS) series.shift();
}

/** {instance id: its counters} of an /api/info answer. */
function countersById(info) {
  const out = {};
  for (const i of info.instances) if (i.counters) out[i.id] = i.counters;
  return out;
}

/** Hub-wide rate per second of a counter of /api/info's instances. */
function hubRate(name, dtSeconds, before, after) {
  if (!before || !(dtSeconds > 0)) return 0;
  let d = 0;
  for (const [id, c] of Object.entries(after)) {
    const b = before[id];
    if (!b || typeof c[name] !== 'number' || typeof b[name] !== 'number') continue;
    if (c[name] >= b[name]) d += c[name] - b[name];
  }
  return d / dtSeconds;
}

function cell(text, cls) {
  const td = document.createElement('td');
  if (cls) td.className = cls;
  td.textContent = text;
  return td;
}

function renderTables(info, channels) {
  const ib = $('instances').querySelector('tbody');
  ib.replaceChildren(
    ...info.instances.map((i) => {
      const tr = document.createElement('tr');
      tr.dataset.instance = i.id;
      if (i.address === location.host) tr.classList.add('self');
      const id = document.createElement('td');
      const code = document.createElement('code');
      code.textContent = i.id;
      id.append(code);
      tr.append(
        id,
        cell(i.address ?? ''),
        cell(String(i.connections), 'num'),
        cell(String(i.subscriptions), 'num'),
        cell((i.started_at ?? '').slice(11, 19), 'nowrap'),
      );
      return tr;
    }),
  );
  const sorted = [...channels.channels].sort((a, b) => b.subscribers - a.subscribers || a.channel.localeCompare(b.channel));
  const cb = $('channels').querySelector('tbody');
  cb.replaceChildren(
    ...sorted.slice(0, 200).map((c) => {
      const tr = document.createElement('tr');
      tr.dataset.channel = c.channel;
      tr.append(cell(c.channel), cell(String(c.subscribers), 'num'));
      return tr;
    }),
  );
}

async function poll() {
  try {
    const [info, channels, ready] = await Promise.all([
      getJson('/api/info'),
      getJson('/api/channels'),
      fetch('/readyz', { cache: 'no-store' }).then((r) => r.status === 200, () => false),
    ]);
    const now = performance.now();
    const connections = info.instances.reduce((n, i) => n + (i.connections || 0), 0);
    const byId = countersById(info);
    const dt = previous ? (now - previous.t) / 1000 : 0;
    const rate = (name) => hubRate(name, dt, previous?.byId, byId);
    const inRate = rate('messages_in_total');
    const outRate = rate('messages_out_total');
    const pubRate = rate('publications_total');
    const slowRate = rate('slow_consumer_closes_total');
    const slowTotal = Object.values(byId).reduce((n, c) => n + (c.slow_consumer_closes_total || 0), 0);
    previous = { t: now, byId };
    push(history.in, inRate);
    push(history.out, outRate);
    push(history.connections, connections);
    push(history.pubs, pubRate);
    push(history.slow, slowRate);
    window.dashboard.last = { info, channels, ready, connections };

    $('t-instances').textContent = String(info.instances.length);
    $('t-connections').textContent = String(connections);
    $('t-channels').textContent = String(channels.channels.length);
    $('t-in').textContent = formatNumber(inRate);
    $('t-out').textContent = formatNumber(outRate);
    $('t-slow').textContent = formatNumber(slowTotal);
    $('t-broker').textContent = ready ? 'ready' : 'NOT READY';
    $('t-broker').style.color = ready ? 'var(--ok)' : 'var(--bad)';
    const health = $('health');
    health.textContent = ready ? 'healthy' : 'not ready';
    health.className = `badge ${ready ? 'ok' : 'bad'}`;
    const self = info.instances.find((i) => i.address === location.host);
    $('self').textContent = self ? self.id : info.instances.length === 1 ? info.instances[0].id : '?';
    $('updated').textContent = new Date().toLocaleTimeString();
    $('poll-error').textContent = '';
    renderTables(info, channels);
    drawChart($('c-messages'), [
      { label: 'in', color: '#4fb3ff', values: history.in },
      { label: 'out', color: '#3ecf8e', values: history.out },
    ], { points: POINTS });
    drawChart($('c-connections'), [{ label: 'connections', color: '#c792ea', values: history.connections }], {
      points: POINTS,
    });
    drawChart($('c-pubs'), [
      { label: 'publications', color: '#f5b945', values: history.pubs },
      { label: 'slow closes', color: '#ff6b6b', values: history.slow },
    ], { points: POINTS });
  } catch (err) {
    if (err instanceof AuthError) {
      showLogin(err.message);
      return;
    }
    const health = $('health');
    health.textContent = 'unreachable';
    health.className = 'badge bad';
    $('poll-error').textContent = String(err.message || err);
  }
}

function showLogin(message) {
  clearInterval(timer);
  timer = null;
  $('dashboard').hidden = true;
  $('login').hidden = false;
  $('logout').hidden = true;
  $('health').textContent = 'signed out';
  $('health').className = 'badge warn';
  $('login-error').textContent = sessionStorage.getItem(KEY_STORAGE) ? message : '';
  $('api-key').focus();
}

function showDashboard() {
  $('login').hidden = true;
  $('dashboard').hidden = false;
  $('logout').hidden = !sessionStorage.getItem(KEY_STORAGE);
  if (!timer) timer = setInterval(poll, 1000);
  poll();
}

$('login-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const key = $('api-key').value.trim();
  if (!key) return;
  sessionStorage.setItem(KEY_STORAGE, key);
  $('api-key').value = '';
  showDashboard();
});
$('logout').addEventListener('click', (ev) => {
  ev.preventDefault();
  sessionStorage.removeItem(KEY_STORAGE);
  showLogin('');
});

showDashboard();
