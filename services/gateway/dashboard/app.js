// The Tollgate dashboard: every panel and button is a call to the gateway's HTTP API (docs/gateway.md).
// No framework and no build step; values from the server only ever reach the page as text.
'use strict';

(() => {
  const MAX_EVENT_ROWS = 200;
  const INITIAL_EVENTS = 50;
  const REFRESH_EVERY_MS = 5000;

  const $ = (id) => document.getElementById(id);

  /** Creates an element; children are nodes or strings (always inserted as text). */
  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'onclick') node.addEventListener('click', value);
      else if (name === 'className') node.className = value;
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  /** Calls the API; resolves to { ok, status, value } or { ok: false, status, error }. */
  async function api(method, path, body) {
    try {
      const response = await fetch(path, {
        method,
        headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      const value = text === '' ? null : JSON.parse(text);
      return response.ok ? { ok: true, status: response.status, value } : { ok: false, status: response.status, error: (value && value.error) || `HTTP ${response.status}` };
    } catch (error) {
      return { ok: false, status: 0, error: `the gateway did not answer: ${error.message}` };
    }
  }

  function notify(message, isError = false) {
    const notice = $('notice');
    notice.textContent = message;
    notice.classList.toggle('error', isError);
    notice.hidden = false;
    clearTimeout(notify.timer);
    notify.timer = setTimeout(() => (notice.hidden = true), isError ? 12000 : 6000);
  }

  function show(containerId, ...nodes) {
    $(containerId).replaceChildren(...nodes);
  }

  function unavailable(containerId, result) {
    show(containerId, el('p', { className: 'muted' }, result.status === 503 ? `not available: ${result.error}` : result.error));
  }

  function table(headers, rows, numeric = []) {
    return el(
      'table',
      {},
      el('thead', {}, el('tr', {}, headers.map((header) => el('th', { className: numeric.includes(header) ? 'num' : undefined }, header)))),
      el('tbody', {}, rows),
    );
  }

  const pnlClass = (value) => (typeof value === 'string' && value.startsWith('-') ? 'num pnl-down' : value && /[1-9]/.test(value) ? 'num pnl-up' : 'num');
  const listOf = (value, key) => (Array.isArray(value) ? value : value && Array.isArray(value[key]) ? value[key] : []);
  const time = (iso) => (typeof iso === 'string' ? iso.replace('T', ' ').slice(0, 19) : '');
  /** The time of day only, with the full timestamp on hover. */
  const clock = (iso) => el('span', { title: typeof iso === 'string' ? iso : undefined }, time(iso).slice(11));

  /** Asks for a reason, sends the command, reports the answer. Returns the result, or null when cancelled. */
  async function act(question, method, path, body, describe) {
    const reason = window.prompt(question);
    if (reason === null) return null;
    if (reason.trim() === '') {
      notify('Nothing was sent: a reason is required.', true);
      return null;
    }
    const result = await api(method, path, { ...body, reason: reason.trim() });
    if (result.ok) notify(describe(result.value));
    else notify(result.error, true);
    refreshSoon();
    return result;
  }

  // ---- panels ----------------------------------------------------------------------------------

  async function loadState() {
    const result = await api('GET', '/api/state');
    if (!result.ok) return unavailable('state', result);
    const state = result.value || {};
    const kills = listOf(state.killSwitches);
    const scopes = listOf(state.tradingStates);
    const breakers = listOf(state.breakers);
    const halted = scopes.some((scope) => scope.status !== 'ACTIVE') || kills.length > 0;
    const nodes = [
      el(
        'dl',
        { className: 'facts' },
        el('dt', {}, 'trading'),
        el('dd', {}, el('span', { className: halted ? 'badge badge-bad' : 'badge badge-good' }, halted ? 'restricted' : 'ACTIVE')),
        el('dt', {}, 'auto-mode'),
        el('dd', {}, state.autoMode ? state.autoMode.status : '-'),
        el('dt', {}, 'working orders'),
        el('dd', {}, state.workingOrders ?? '-'),
        el('dt', {}, 'equity'),
        el('dd', { className: 'mono' }, state.equity ?? '-'),
      ),
    ];
    if (kills.length) {
      nodes.push(
        el('h2', {}, 'Kill switches engaged'),
        table(
          ['scope', 'by', 'reason', 'since', ''],
          kills.map((kill) =>
            el(
              'tr',
              {},
              el('td', {}, kill.scope),
              el('td', {}, kill.actor),
              el('td', {}, kill.reason),
              el('td', {}, clock(kill.at)),
              el(
                'td',
                { className: 'actions' },
                el('button', {
                  type: 'button',
                  onclick: () =>
                    act(`Reason for releasing the kill switch on "${kill.scope}"`, 'POST', '/api/kill-switch/release', { scope: kill.scope }, () => `Kill switch on ${kill.scope} released.`),
                }, 'Release'),
              ),
            ),
          ),
        ),
      );
    }
    if (scopes.length) {
      nodes.push(
        el('h2', {}, 'Scopes'),
        table(['scope', 'status', 'cause', 'since'], scopes.map((scope) =>
          el('tr', {}, el('td', {}, scope.scope), el('td', {}, el('span', { className: scope.status === 'ACTIVE' ? 'badge badge-good' : scope.status === 'HALTED' ? 'badge badge-bad' : 'badge badge-warn' }, scope.status)), el('td', {}, scope.cause), el('td', {}, clock(scope.since))),
        )),
      );
    }
    if (breakers.length) {
      nodes.push(
        el('h2', {}, 'Breakers tripped'),
        table(['breaker', 'scope', 'value', 'bound', 'action', 'at'], breakers.map((breaker) =>
          el('tr', {}, el('td', {}, breaker.breaker), el('td', {}, breaker.scope), el('td', { className: 'num' }, breaker.value), el('td', { className: 'num' }, breaker.bound), el('td', {}, breaker.action), el('td', {}, clock(breaker.at))),
        ), ['value', 'bound']),
      );
    }
    show('state', ...nodes);
  }

  async function loadPositions() {
    const result = await api('GET', '/api/positions');
    if (!result.ok) return unavailable('positions', result);
    const report = result.value || {};
    const positions = listOf(report, 'positions').filter((position) => position.quantity !== '0' || (position.realizedPnl && position.realizedPnl !== '0'));
    const rows = positions.map((position) =>
      el(
        'tr',
        {},
        el('td', {}, position.symbol),
        el('td', { className: 'num' }, position.quantity),
        el('td', { className: 'num' }, position.averagePrice ?? '-'),
        el('td', { className: pnlClass(position.realizedPnl) }, position.realizedPnl ?? '-'),
        el('td', { className: pnlClass(position.unrealizedPnl) }, position.unrealizedPnl ?? '-'),
        el('td', { className: 'num' }, position.fees ?? '-'),
      ),
    );
    const totals = report.totals;
    if (totals) {
      rows.push(el('tr', { className: 'total' }, el('td', {}, 'total'), el('td', {}), el('td', {}), el('td', { className: pnlClass(totals.realizedPnl) }, totals.realizedPnl), el('td', { className: pnlClass(totals.unrealizedPnl) }, totals.unrealizedPnl), el('td', { className: 'num' }, totals.fees)));
    }
    const account = report.account;
    show(
      'positions',
      el(
        'dl',
        { className: 'facts' },
        el('dt', {}, 'net P&L'),
        el('dd', { className: totals ? pnlClass(totals.netPnl).replace('num', 'mono') : 'mono' }, totals ? totals.netPnl : '-'),
        el('dt', {}, 'equity / cash'),
        el('dd', { className: 'mono' }, account ? `${account.equity} / ${account.cash}` : '-'),
      ),
      positions.length ? table(['symbol', 'quantity', 'avg price', 'realized', 'unrealized', 'fees'], rows, ['quantity', 'avg price', 'realized', 'unrealized', 'fees']) : el('p', { className: 'muted' }, 'No positions.'),
    );
  }

  async function loadOrders() {
    const result = await api('GET', '/api/orders?filter=open&limit=200');
    if (!result.ok) return unavailable('orders', result);
    const orders = listOf(result.value, 'orders');
    if (orders.length === 0) return show('orders', el('p', { className: 'muted' }, 'No open orders.'));
    show(
      'orders',
      table(
        ['symbol', 'side', 'type', 'quantity', 'filled', 'status', ''],
        orders.map((order) =>
          el(
            'tr',
            { title: order.orderId },
            el('td', {}, order.symbol),
            el('td', {}, order.side),
            el('td', {}, `${order.type}${order.limitPrice ? ` @ ${order.limitPrice}` : ''}${order.stopPrice ? ` stop ${order.stopPrice}` : ''}`),
            el('td', { className: 'num' }, order.quantity),
            el('td', { className: 'num' }, order.filledQuantity),
            el('td', {}, order.status),
            el(
              'td',
              { className: 'actions' },
              el('button', {
                type: 'button',
                onclick: () => act(`Reason for cancelling ${order.side} ${order.quantity} ${order.symbol}`, 'POST', `/api/orders/${encodeURIComponent(order.orderId)}/cancel`, {}, (answer) => `Order ${answer ? answer.orderId : order.orderId} is ${answer ? answer.status : 'being cancelled'}.`),
              }, 'Cancel'),
            ),
          ),
        ),
        ['quantity', 'filled'],
      ),
    );
  }

  async function loadProposals() {
    const result = await api('GET', '/api/proposals');
    if (!result.ok) return unavailable('proposals', result);
    const proposals = listOf(result.value, 'proposals').map((item) => (item && item.proposal ? { ...item.proposal, ...item } : item));
    if (proposals.length === 0) return show('proposals', el('p', { className: 'muted' }, 'No proposals.'));
    show(
      'proposals',
      table(
        ['symbol', 'side', 'quantity', 'entry', 'stop', 'strategy', 'status', 'expires', ''],
        proposals.map((proposal) => {
          const pending = !proposal.status || proposal.status === 'pending';
          const id = proposal.proposalId;
          const decide = (verb, past) => () =>
            api('POST', `/api/proposals/${encodeURIComponent(id)}/${verb}`, {}).then((answer) => {
              const order = answer.ok && answer.value && answer.value.order;
              const problem = answer.ok && answer.value && answer.value.problem;
              if (answer.ok) notify(`Proposal ${proposal.symbol} ${proposal.side} ${proposal.quantity} ${past}${order ? `: order ${order.status}` : ''}${problem ? ` (${problem})` : ''}.`);
              else notify(answer.error, true);
              refreshSoon();
            });
          return el(
            'tr',
            { title: id },
            el('td', {}, proposal.symbol),
            el('td', {}, proposal.side),
            el('td', { className: 'num' }, proposal.quantity),
            el('td', { className: 'num' }, `${proposal.entryType ? `${proposal.entryType} ` : ''}${proposal.entryPrice ?? ''}`),
            el('td', { className: 'num' }, proposal.stopPrice ?? '-'),
            el('td', {}, proposal.strategy ?? '-'),
            el('td', {}, proposal.status ?? '-'),
            el('td', {}, time(proposal.expiresAt)),
            el(
              'td',
              { className: 'actions' },
              pending && id ? [el('button', { type: 'button', className: 'good', onclick: decide('approve', 'approved') }, 'Approve'), el('button', { type: 'button', className: 'bad', onclick: decide('reject', 'rejected') }, 'Reject')] : null,
            ),
          );
        }),
        ['quantity', 'entry', 'stop'],
      ),
    );
  }

  let refreshing = false;
  async function refreshAll() {
    if (refreshing) return;
    refreshing = true;
    try {
      await Promise.all([loadState(), loadPositions(), loadOrders(), loadProposals()]);
    } finally {
      refreshing = false;
    }
  }

  let refreshTimer;
  function refreshSoon() {
    if (refreshTimer) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = undefined;
      void refreshAll();
    }, 750);
  }

  // ---- live events -----------------------------------------------------------------------------

  function summary(data) {
    if (!data || typeof data !== 'object') return String(data ?? '');
    const parts = [];
    for (const [key, value] of Object.entries(data)) {
      if (value === null || typeof value === 'object') continue;
      parts.push(`${key}=${value}`);
      if (parts.length === 6) break;
    }
    const text = parts.join(' ');
    return text.length > 160 ? `${text.slice(0, 157)}…` : text;
  }

  function addEvent(event) {
    const body = $('events');
    const row = el(
      'tr',
      { className: 'fresh', 'data-position': event.position, 'data-type': event.type },
      el('td', { className: 'num' }, event.position),
      el('td', {}, time(event.occurredAt)),
      el('td', {}, el('strong', {}, event.type)),
      el('td', { className: 'mono' }, event.streamId),
      el('td', {}, event.metadata ? event.metadata.actor : ''),
      el('td', { className: 'data' }, el('details', {}, el('summary', {}, summary(event.data) || 'details'), el('pre', {}, JSON.stringify(event.data, null, 2)))),
    );
    body.prepend(row);
    while (body.rows.length > MAX_EVENT_ROWS) body.deleteRow(-1);
  }

  function follow(after) {
    const connection = $('connection');
    const stream = new EventSource(`/api/events/stream?after=${after}`);
    stream.addEventListener('open', () => {
      connection.textContent = 'live';
      connection.className = 'badge badge-good';
    });
    stream.addEventListener('error', () => {
      // EventSource reconnects by itself, resuming after the last event it got (Last-Event-ID).
      connection.textContent = 'reconnecting';
      connection.className = 'badge badge-warn';
    });
    stream.addEventListener('message', (message) => {
      addEvent(JSON.parse(message.data));
      refreshSoon();
    });
  }

  // ---- start -----------------------------------------------------------------------------------

  $('kill-switch').addEventListener('click', () => {
    const scope = $('kill-scope').value.trim() || 'all';
    void act(
      `Engage the kill switch on "${scope}": new orders are blocked and resting orders cancelled.\nReason:`,
      'POST',
      '/api/kill-switch/engage',
      { scope },
      (answer) => `Kill switch engaged on ${scope}${answer && typeof answer.ordersToCancel === 'number' ? `: ${answer.ordersToCancel} resting orders to cancel` : ''}.`,
    );
  });

  async function start() {
    const health = await api('GET', '/api/health');
    if (health.ok) {
      $('mode').textContent = health.value.mode;
      $('mode').className = health.value.mode === 'LIVE' ? 'badge badge-bad' : 'badge';
    } else {
      notify(health.error, true);
    }
    const head = health.ok && typeof health.value.head === 'number' ? health.value.head : 0;
    follow(Math.max(0, head - INITIAL_EVENTS));
    await refreshAll();
    setInterval(() => void refreshAll(), REFRESH_EVERY_MS);
  }

  void start();
})();
