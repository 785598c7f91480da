// procguard dashboard: vanilla JS, same origin only (the page's CSP allows nothing else).
// The API is found relative to this script (<prefix>/ui/dashboard.js -> <prefix>/), so any
// global prefix works. SSE is read through fetch, not EventSource: EventSource cannot send
// the Authorization header, and the token must never be put in a URL.
'use strict';

(() => {
  const API = new URL('..', document.currentScript.src);
  const TOKEN_KEY = 'procguard.apiToken';
  const tokenRequired = document.querySelector('meta[name="procguard-token"]').content === 'required';
  const MAX_EVENTS = 100;
  const MAX_LOG_LINES = 500;
  const REFRESH_MS = 5000;

  const $ = (selector) => document.querySelector(selector);
  const api = (path) => new URL(path, API);
  let token = sessionStorage.getItem(TOKEN_KEY);
  let started = false;
  let logAbort = null;
  let selected = null;
  let refreshTimer = null;
  let refreshQueued = false;
  /** The backend run the page last saw: log seqs count from 1 in each run. */
  let instanceId = null;
  const events = [];

  function authHeaders() {
    return token ? { Authorization: `Bearer ${token}` } : {};
  }

  /** Same-origin JSON read; 401 means the token was wrong or changed: ask again. */
  async function getJson(path) {
    const res = await fetch(api(path), { headers: authHeaders(), cache: 'no-store' });
    if (res.status === 401) throw askToken('The token was refused; enter it again.');
    const body = await res.json().catch(() => null);
    return { status: res.status, body };
  }

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === 'class') node.className = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children) node.append(child instanceof Node ? child : String(child ?? ''));
    return node;
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return '';
    const s = Math.floor(seconds);
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
    if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
    return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
  }

  function bytes(n) {
    if (typeof n !== 'number') return '';
    const units = ['B', 'KiB', 'MiB', 'GiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
  }

  // ---- authentication -------------------------------------------------------------------

  function askToken(message) {
    token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    stopAll();
    $('#app').hidden = true;
    $('#logout').hidden = true;
    $('#login').hidden = false;
    $('#login-error').textContent = message || '';
    $('#token').focus();
    return new Error(message || 'token required');
  }

  $('#login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const candidate = $('#token').value.trim();
    const res = await fetch(api('ui/session'), { headers: { Authorization: `Bearer ${candidate}` }, cache: 'no-store' });
    if (res.status !== 204) {
      const body = await res.json().catch(() => ({}));
      $('#login-error').textContent = body.message || `Refused (${res.status})`;
      return;
    }
    token = candidate;
    sessionStorage.setItem(TOKEN_KEY, token);
    $('#token').value = '';
    start();
  });

  $('#logout').addEventListener('click', () => askToken(''));

  // ---- Server-Sent Events over fetch ----------------------------------------------------

  /**
   * Reads an SSE stream until `signal` aborts, reconnecting with Last-Event-ID after a
   * drop (the server's `retry:` or 2 s). `onEvent(type, data, id)`; `onState(text)`.
   */
  async function readSse(path, { signal, onEvent, onState, beforeReconnect, lastEventId = null }) {
    let retryMs = 2000;
    let first = true;
    while (!signal.aborted) {
      try {
        if (!first && beforeReconnect && (await beforeReconnect()) === 'fresh') lastEventId = null;
        first = false;
        const headers = { ...authHeaders(), Accept: 'text/event-stream' };
        if (lastEventId !== null) headers['Last-Event-ID'] = lastEventId;
        const res = await fetch(api(path), { headers, signal, cache: 'no-store' });
        if (res.status === 401) { askToken('The token was refused; enter it again.'); return; }
        // No such process any more (a reload removed it): nothing to come back for.
        if (res.status === 404) { onState('gone'); return; }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        onState('live');
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        let type = 'message';
        let data = [];
        let id = null;
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, end).replace(/\r$/, '');
            buffer = buffer.slice(end + 1);
            if (line === '') {
              if (id !== null) lastEventId = id;
              if (data.length > 0) onEvent(type, data.join('\n'), id);
              type = 'message'; data = []; id = null;
              continue;
            }
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'event') type = text;
            else if (field === 'data') data.push(text);
            else if (field === 'id') id = text;
            else if (field === 'retry' && /^\d+$/.test(text)) retryMs = Number(text);
          }
        }
      } catch {
        if (signal.aborted) return;
      }
      if (signal.aborted) return;
      onState('reconnecting');
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  }

  // ---- instance and health --------------------------------------------------------------

  async function loadHealth() {
    const { status, body } = await getJson('health');
    if (body && body.instanceId) instanceId = body.instanceId;
    const facts = $('#instance-facts');
    facts.replaceChildren();
    if (!body || typeof body !== 'object') {
      facts.append(el('dt', {}, 'health'), el('dd', { class: 'error' }, `unavailable (HTTP ${status})`));
      return;
    }
    const lock = body.details && body.details.lock;
    const rows = [
      ['status', body.status],
      ['pid', body.pid],
      ['uptime', duration(body.uptime)],
      ['state', body.state],
      ['instance', body.instanceId],
      // /health names the lock only for the shared (postgres) backend; a serving instance holds its file lock.
      ['lock', lock ? `${lock.backend || ''} ${lock.role || ''} (${lock.status})`.trim() : 'file lock (PID file)'],
      ['agents', body.totalAgents === undefined ? '' : `${body.activeAgents} of ${body.totalAgents} running`],
    ];
    for (const [name, value] of rows) {
      if (value === undefined || value === '') continue;
      facts.append(el('dt', {}, name), el('dd', { class: name === 'status' ? `status-${value === 'ok' ? 'up' : 'down'}` : '', 'data-fact': name }, value));
    }
    const tbody = $('#checks tbody');
    tbody.replaceChildren();
    for (const [name, check] of Object.entries(body.details || {})) {
      const { status: checkStatus, ...rest } = check;
      const detail = Object.entries(rest)
        .filter(([, v]) => typeof v !== 'object' || v === null)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ');
      tbody.append(el('tr', { 'data-check': name }, el('td', {}, name), el('td', { class: `status-${checkStatus}` }, checkStatus), el('td', {}, detail)));
    }
  }

  // ---- processes ------------------------------------------------------------------------

  async function act(name, action) {
    $('#action-error').textContent = '';
    const res = await fetch(api(`processes/${encodeURIComponent(name)}/${action}`), { method: 'POST', headers: authHeaders(), cache: 'no-store' });
    if (res.status === 401) { askToken('The token was refused; enter it again.'); return; }
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      $('#action-error').textContent = `${action} ${name}: ${body.message || `HTTP ${res.status}`}`;
    }
    queueRefresh();
  }

  function processRow(p) {
    const r = p.resources;
    const exit = p.lastExit ? (p.lastExit.signal ? p.lastExit.signal : `code ${p.lastExit.code}`) : '';
    const button = (action) => el('button', { type: 'button', 'data-action': action, onclick: () => act(p.name, action) }, action);
    return el(
      'tr',
      { 'data-name': p.name, class: p.name === selected ? 'selected' : '' },
      el('td', {}, el('button', { type: 'button', class: 'link', title: 'Show its log', onclick: () => selectProcess(p.name) }, p.name)),
      el('td', { class: `state state-${p.state}` }, p.state),
      el('td', { class: 'num' }, p.pid ?? ''),
      el('td', { class: 'num' }, duration(p.uptimeSeconds)),
      el('td', { class: 'num' }, p.restarts),
      el('td', { class: 'num cpu' }, r ? `${r.cpuPercent.toFixed(1)} %` : ''),
      el('td', { class: 'num rss' }, r ? bytes(r.rssBytes) : ''),
      el('td', {}, exit),
      el('td', {}, p.reason ?? ''),
      el('td', {}, button('start'), button('stop'), button('restart')),
    );
  }

  async function loadProcesses() {
    const { status, body } = await getJson('processes');
    if (status !== 200 || !body) throw new Error(`processes: HTTP ${status}`);
    $('#process-table tbody').replaceChildren(...body.processes.map(processRow));
    if (selected === null && body.processes.length > 0) selectProcess(body.processes[0].name);
    return body.processes;
  }

  /** Many events in a burst make one reload of the table, not one each. */
  function queueRefresh() {
    if (refreshQueued) return;
    refreshQueued = true;
    setTimeout(() => {
      refreshQueued = false;
      loadProcesses().catch(() => undefined);
    }, 100);
  }

  // ---- events ---------------------------------------------------------------------------

  function renderEvents() {
    const items = events.map((e) =>
      el('li', { 'data-event-id': e.id }, `${new Date(e.at).toLocaleTimeString()} ${e.name}: ${e.from} → ${e.to}${e.reason ? ` (${e.reason})` : ''}`),
    );
    $('#event-list').replaceChildren(...items);
  }

  function addEvent(event) {
    if (event.id && events.some((e) => e.id === event.id)) return;
    events.unshift(event);
    events.sort((a, b) => b.id - a.id);
    events.length = Math.min(events.length, MAX_EVENTS);
    renderEvents();
  }

  /** The newest events of each process (the store pages per process), then the live stream after them. */
  async function loadRecentEvents(processes) {
    const pages = await Promise.all(
      processes.slice(0, 50).map((p) => getJson(`processes/${encodeURIComponent(p.name)}/history?limit=20`).catch(() => null)),
    );
    for (const page of pages) for (const e of (page && page.body && page.body.events) || []) addEvent(e);
    return events.length > 0 ? String(events[0].id) : null;
  }

  // ---- log tail -------------------------------------------------------------------------

  function selectProcess(name) {
    if (logAbort) logAbort.abort();
    selected = name;
    for (const row of document.querySelectorAll('#process-table tbody tr')) row.classList.toggle('selected', row.dataset.name === name);
    $('#log-name').textContent = name;
    const pre = $('#log-lines');
    pre.replaceChildren();
    logAbort = new AbortController();
    const append = (node) => {
      const stick = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
      pre.append(node);
      while (pre.childElementCount > MAX_LOG_LINES) pre.firstElementChild.remove();
      if (stick) pre.scrollTop = pre.scrollHeight;
    };
    let run = instanceId;
    void readSse(`processes/${encodeURIComponent(name)}/logs/stream?lines=100`, {
      signal: logAbort.signal,
      // A new backend run numbers its lines from 1 again: the old seq would skip its first ones.
      beforeReconnect: async () => {
        await loadHealth().catch(() => undefined);
        if (run === null) run = instanceId;
        if (run === instanceId) return 'resume';
        run = instanceId;
        append(el('span', { class: 'gap' }, '… the backend restarted\n'));
        return 'fresh';
      },
      onState: (s) => { $('#log-status').textContent = s; $('#log-status').className = `badge ${s}`; },
      onEvent: (type, data) => {
        const message = JSON.parse(data);
        if (type === 'log') append(el('span', { class: `line ${message.stream}`, 'data-seq': message.seq }, `${message.text}\n`));
        else if (type === 'gap') append(el('span', { class: 'gap' }, `… ${message.missed} line(s) not kept\n`));
      },
    });
  }

  // ---- start and stop -------------------------------------------------------------------

  let eventsAbort = null;

  function stopAll() {
    started = false;
    if (eventsAbort) eventsAbort.abort();
    if (logAbort) logAbort.abort();
    clearInterval(refreshTimer);
    eventsAbort = logAbort = null;
    selected = null;
  }

  async function start() {
    if (started) return;
    started = true;
    $('#login').hidden = true;
    $('#app').hidden = false;
    $('#logout').hidden = !tokenRequired;
    try {
      await loadHealth(); // first: the log tail notes which backend run it reads
      const processes = await loadProcesses();
      const after = await loadRecentEvents(processes);
      eventsAbort = new AbortController();
      void readSse('events', {
        signal: eventsAbort.signal,
        lastEventId: after,
        onState: (s) => { $('#connection').textContent = s; $('#connection').className = `badge ${s}`; if (s === 'live') queueRefresh(); },
        onEvent: (type, data) => {
          if (type !== 'process') return;
          addEvent(JSON.parse(data));
          queueRefresh();
        },
      });
      // Uptime and resources change without events.
      refreshTimer = setInterval(() => {
        loadProcesses().catch(() => undefined);
        loadHealth().catch(() => undefined);
      }, REFRESH_MS);
    } catch (error) {
      if (!started) return;
      $('#action-error').textContent = `Could not load: ${error.message}`;
    }
  }

  if (tokenRequired && !token) askToken('');
  else start();
})();
