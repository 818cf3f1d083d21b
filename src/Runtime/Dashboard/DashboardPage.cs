namespace Resident.Dashboard;

/// <summary>
/// The dashboard: one page with its style and script inline, so it needs nothing but the server it runs on (no CDN,
/// no files to ship; the Content-Security-Policy forbids anything else). The script polls <c>stats.json</c> next to
/// the page every second and fills the page with DOM text only (never HTML from the data: exception messages are the
/// app's). Numbers carry <c>data-stat</c> attributes and table rows <c>data-key</c>, for tests and scripts.
/// </summary>
internal static class DashboardPage
{
    public const string Html = """
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Resident dashboard</title>
<style>
:root {
  --bg: #f5f6f8; --panel: #ffffff; --text: #1c2230; --muted: #667085; --line: #e4e7ec;
  --accent: #3b5bdb; --good: #2b8a3e; --warn: #e67700; --bad: #c92a2a; --bar: #dbe4ff;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #11151c; --panel: #1a202b; --text: #e6e9ef; --muted: #98a2b3; --line: #2a3241; --accent: #748ffc; --bar: #2c3a66; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); }
header { display: flex; align-items: center; gap: 12px; padding: 14px 24px; background: var(--panel); border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 1; }
header h1 { font-size: 18px; margin: 0; letter-spacing: .2px; }
header h1 span { color: var(--accent); }
.badge { font-size: 12px; padding: 2px 8px; border-radius: 999px; background: var(--bar); color: var(--text); }
.status { margin-left: auto; display: flex; align-items: center; gap: 8px; color: var(--muted); font-size: 13px; }
.dot { width: 10px; height: 10px; border-radius: 50%; background: var(--muted); }
body[data-state="live"] .dot { background: var(--good); box-shadow: 0 0 0 3px color-mix(in srgb, var(--good) 25%, transparent); }
body[data-state="offline"] .dot { background: var(--bad); }
button { font: inherit; border: 1px solid var(--line); background: var(--panel); color: var(--text); border-radius: 6px; padding: 3px 10px; cursor: pointer; }
main { padding: 20px 24px 40px; max-width: 1400px; margin: 0 auto; }
.note { background: var(--panel); border: 1px solid var(--line); border-left: 4px solid var(--accent); border-radius: 8px; padding: 10px 14px; margin-bottom: 16px; color: var(--muted); }
.note[hidden] { display: none; }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(128px, 1fr)); gap: 12px; margin-bottom: 16px; }
.kpi { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; }
.kpi .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .5px; }
.kpi .value { font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; margin-top: 2px; }
.kpi .sub { color: var(--muted); font-size: 12px; font-variant-numeric: tabular-nums; }
.kpi.bad .value { color: var(--bad); }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; overflow-x: auto; }
section.wide { grid-column: 1 / -1; }
section h2 { font-size: 14px; margin: 0 0 10px; display: flex; align-items: baseline; gap: 8px; }
section h2 small { color: var(--muted); font-weight: normal; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 6px 8px; border-top: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 500; font-size: 12px; border-top: none; }
td.num, th.num { text-align: right; }
td.empty { color: var(--muted); font-style: italic; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; font-variant-numeric: tabular-nums; word-break: break-all; }
.meter { position: relative; height: 8px; border-radius: 4px; background: var(--line); min-width: 80px; margin-top: 5px; }
.meter > i { position: absolute; inset: 0 auto 0 0; border-radius: 4px; background: var(--accent); }
.pill { font-size: 12px; padding: 1px 7px; border-radius: 999px; border: 1px solid var(--line); color: var(--muted); }
.bad { color: var(--bad); }
.warn { color: var(--warn); }
.good { color: var(--good); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.failure { border-top: 1px solid var(--line); padding: 6px 0; }
.failure:first-child { border-top: none; }
.failure .what { font-weight: 600; }
.failure .when { color: var(--muted); font-size: 12px; margin-left: 6px; }
.failure .message { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; color: var(--bad); white-space: pre-wrap; word-break: break-word; }
footer { color: var(--muted); font-size: 12px; margin-top: 18px; }
</style>
</head>
<body data-state="connecting" data-updates="0">
<header>
  <h1><span>Resident</span> dashboard</h1>
  <span class="badge" id="mode">…</span>
  <div class="status"><span class="dot"></span><span id="status">connecting…</span><button id="pause" type="button">Pause</button></div>
</header>
<main>
  <p class="note" id="supervised-note" hidden></p>
  <div class="kpis">
    <div class="kpi"><div class="label">Uptime</div><div class="value" data-stat="uptime">–</div><div class="sub" data-stat="started">&nbsp;</div></div>
    <div class="kpi"><div class="label">Requests</div><div class="value" data-stat="requests">–</div><div class="sub" data-stat="request-rate">&nbsp;</div></div>
    <div class="kpi"><div class="label">Connections</div><div class="value" data-stat="connections">–</div><div class="sub">HTTP, open now</div></div>
    <div class="kpi"><div class="label">WebSockets</div><div class="value" data-stat="websockets">–</div><div class="sub">established</div></div>
    <div class="kpi"><div class="label">Tasks pending</div><div class="value" data-stat="tasks-pending">–</div><div class="sub" data-stat="tasks-capacity">&nbsp;</div></div>
    <div class="kpi"><div class="label">Tasks running</div><div class="value" data-stat="tasks-running">–</div><div class="sub" data-stat="tasks-workers">&nbsp;</div></div>
    <div class="kpi"><div class="label">Tasks completed</div><div class="value" data-stat="tasks-completed">–</div><div class="sub" data-stat="tasks-rate">&nbsp;</div></div>
    <div class="kpi" id="failed-kpi"><div class="label">Tasks failed</div><div class="value" data-stat="tasks-failed">–</div><div class="sub">after their last try</div></div>
    <div class="kpi"><div class="label">Memory</div><div class="value" data-stat="memory">–</div><div class="sub" data-stat="gc-heap">&nbsp;</div></div>
  </div>
  <div class="grid">
    <section>
      <h2>Server</h2>
      <dl>
        <dt>Process</dt><dd data-stat="pid">–</dd>
        <dt>Worker</dt><dd data-stat="worker">–</dd>
        <dt>Started</dt><dd data-stat="start-time">–</dd>
        <dt>Listens on</dt><dd data-stat="listen">–</dd>
        <dt>Version</dt><dd data-stat="version">–</dd>
        <dt>Runtime</dt><dd data-stat="runtime">–</dd>
        <dt>MaxRequest</dt><dd data-stat="max-request">–</dd>
        <dt>MaxWaitTime</dt><dd data-stat="max-wait">–</dd>
      </dl>
    </section>
    <section>
      <h2>WebSocket connections <small>by path</small></h2>
      <table><thead><tr><th>Path</th><th>Handler</th><th class="num">Connections</th></tr></thead><tbody id="websockets"></tbody></table>
    </section>
    <section class="wide">
      <h2>Cron jobs <small>schedule, last run and its lag, next run</small></h2>
      <table><thead><tr><th>Job</th><th>Schedule</th><th>Scope</th><th class="num">Runs</th><th class="num">Failures</th><th class="num">Skipped</th><th>Last run</th><th class="num">Lag</th><th>Next run</th></tr></thead><tbody id="cron"></tbody></table>
    </section>
    <section>
      <h2>Task queue <small>recent failures</small></h2>
      <div id="failures"></div>
    </section>
    <section>
      <h2>Tables <small>shared memory</small></h2>
      <table><thead><tr><th>Table</th><th class="num">Rows</th><th class="num">Capacity</th><th>Used</th><th class="num">Memory</th></tr></thead><tbody id="tables"></tbody></table>
    </section>
    <section>
      <h2>Custom processes</h2>
      <table><thead><tr><th>Process</th><th class="num">Instances</th><th class="num">Running</th><th class="num">Restarts</th></tr></thead><tbody id="processes"></tbody></table>
    </section>
    <section>
      <h2>Extra ports</h2>
      <table><thead><tr><th>Port</th><th>Type</th><th>Listens on</th><th class="num">Connections</th></tr></thead><tbody id="ports"></tbody></table>
    </section>
  </div>
  <footer>Read-only. Updates every second from <code id="source">stats.json</code>; this page's own polling counts as requests too.</footer>
</main>
<script>
(() => {
  'use strict';
  const statsUrl = location.pathname.replace(/\/+$/, '') + '/stats.json';
  document.getElementById('source').textContent = statsUrl;
  const number = new Intl.NumberFormat('en-US');
  let paused = false;
  let previous = null;

  const $ = selector => document.querySelector(selector);
  const stat = (name, text) => { for (const node of document.querySelectorAll('[data-stat="' + name + '"]')) node.textContent = text; };
  const n = value => number.format(value);
  const bytes = value => {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let index = 0;
    while (value >= 1024 && index < units.length - 1) { value /= 1024; index++; }
    return (index === 0 ? value : value.toFixed(1)) + ' ' + units[index];
  };
  const duration = seconds => {
    seconds = Math.max(0, Math.floor(seconds));
    const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600), m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
    if (d > 0) return d + 'd ' + h + 'h ' + m + 'm';
    if (h > 0) return h + 'h ' + m + 'm ' + s + 's';
    if (m > 0) return m + 'm ' + s + 's';
    return s + 's';
  };
  const relative = (iso, now) => {
    if (!iso) return '–';
    const seconds = (Date.parse(iso) - now) / 1000;
    if (Math.abs(seconds) < 1) return 'now';
    return seconds > 0 ? 'in ' + duration(seconds) : duration(-seconds) + ' ago';
  };
  const clock = iso => iso ? new Date(iso).toLocaleString() : '–';
  const cell = (text, className) => {
    const td = document.createElement('td');
    if (className) td.className = className;
    if (text instanceof Node) td.append(text); else td.textContent = text;
    return td;
  };
  const fill = (tbody, items, columns, key, empty) => {
    const rows = items.map(item => {
      const tr = document.createElement('tr');
      tr.dataset.key = key(item);
      for (const column of columns(item)) tr.append(column);
      return tr;
    });
    if (rows.length === 0) {
      const tr = document.createElement('tr');
      const td = cell(empty, 'empty');
      td.colSpan = tbody.closest('table').querySelectorAll('th').length;
      tr.append(td);
      rows.push(tr);
    }
    tbody.replaceChildren(...rows);
  };
  const meter = fraction => {
    const outer = document.createElement('div');
    outer.className = 'meter';
    outer.title = (fraction * 100).toFixed(1) + ' %';
    const inner = document.createElement('i');
    inner.style.width = Math.min(100, fraction * 100).toFixed(2) + '%';
    outer.append(inner);
    return outer;
  };

  function render(stats) {
    const now = Date.parse(stats.now);
    const server = stats.server;
    const supervised = server.mode === 'supervised';
    $('#mode').textContent = supervised ? 'supervised · worker ' + server.workerId + ' of ' + server.workerNum : 'inline';
    const note = $('#supervised-note');
    note.hidden = !supervised;
    if (supervised) {
      note.textContent = 'Supervised mode: this is worker ' + server.workerId + "'s view (pid " + server.pid + ') — its requests, connections and tasks. '
        + 'WebSocket counts cover every worker. Cron jobs and custom processes run in the timer worker'
        + (server.runsTimers ? ' — this one.' : ', not this one: reload the page to reach another worker, or run app info for the whole server.');
    }

    stat('uptime', duration(server.uptimeSeconds));
    stat('started', server.startTime ? 'since ' + clock(server.startTime) : 'starting');
    stat('requests', n(server.requests));
    stat('connections', n(server.connections));
    stat('websockets', n(stats.webSockets.connections));
    stat('tasks-pending', n(stats.tasks.pending));
    stat('tasks-capacity', 'queue holds ' + n(stats.tasks.capacity));
    stat('tasks-running', n(stats.tasks.running));
    stat('tasks-workers', 'of ' + n(stats.tasks.workers) + ' task workers');
    stat('tasks-completed', n(stats.tasks.completed));
    stat('tasks-failed', n(stats.tasks.failed));
    $('#failed-kpi').classList.toggle('bad', stats.tasks.failed > 0);
    stat('memory', bytes(server.memoryBytes));
    stat('gc-heap', 'managed heap ' + bytes(server.gcHeapBytes));
    if (previous) {
      const seconds = Math.max(0.001, (now - Date.parse(previous.now)) / 1000);
      stat('request-rate', ((server.requests - previous.server.requests) / seconds).toFixed(1) + ' /s');
      stat('tasks-rate', ((stats.tasks.completed - previous.tasks.completed) / seconds).toFixed(1) + ' /s');
    }

    stat('pid', String(server.pid));
    stat('worker', supervised ? server.workerId + ' of ' + server.workerNum : '0 (inline: one process)');
    stat('start-time', clock(server.startTime));
    stat('listen', server.listenAddresses.join(', ') || '–');
    stat('version', server.version || '–');
    stat('runtime', server.runtime);
    stat('max-request', server.maxRequest > 0 ? n(server.maxRequest) + ' requests per worker' : 'unlimited');
    stat('max-wait', server.maxWaitTimeSeconds + ' s');

    fill($('#websockets'), stats.webSockets.paths, path => [
      cell(path.path), cell(path.handler ? path.handler.split('.').pop() : '–'), cell(n(path.connections), 'num')
    ], path => path.path, 'No WebSocket handlers');

    fill($('#cron'), stats.cronJobs, job => {
      const name = document.createElement('span');
      name.textContent = job.name + ' ';
      const state = document.createElement('span');
      state.className = 'pill';
      state.textContent = !job.enabled ? 'disabled' : job.stopped ? 'stopped' : job.nextRun ? 'scheduled' : supervised && !server.runsTimers ? 'other worker' : 'idle';
      const wrapper = document.createElement('span');
      wrapper.append(name, state);
      return [
        cell(wrapper), cell(job.schedule), cell(job.scope), cell(n(job.runs), 'num'),
        cell(n(job.failures), job.failures > 0 ? 'num bad' : 'num'), cell(n(job.skipped), job.skipped > 0 ? 'num warn' : 'num'),
        cell(relative(job.lastRun, now)), cell(job.lastRun ? job.lastLagMilliseconds.toFixed(1) + ' ms' : '–', 'num'),
        cell(relative(job.nextRun, now))
      ];
    }, job => job.name, 'No cron jobs');

    const failures = stats.tasks.recentFailures.map(failure => {
      const item = document.createElement('div');
      item.className = 'failure';
      const what = document.createElement('span');
      what.className = 'what';
      what.textContent = failure.task + ' (try ' + failure.attempt + ')';
      const when = document.createElement('span');
      when.className = 'when';
      when.textContent = relative(failure.at, now);
      const message = document.createElement('div');
      message.className = 'message';
      message.textContent = failure.exception + ': ' + failure.message;
      item.append(what, when, message);
      return item;
    });
    if (failures.length === 0) {
      const none = document.createElement('p');
      none.className = 'good';
      none.textContent = 'No task has failed its last try.';
      failures.push(none);
    }
    $('#failures').replaceChildren(...failures);

    fill($('#tables'), stats.tables, table => [
      cell(table.name), cell(n(table.rows), 'num'), cell(n(table.size), 'num'),
      cell(meter(table.size > 0 ? table.rows / table.size : 0)), cell(bytes(table.memoryBytes), 'num')
    ], table => table.name, 'No [SwooleTable]s');

    fill($('#processes'), stats.processes, process => [
      cell(process.name), cell(n(process.instances), 'num'), cell(n(process.running), 'num'),
      cell(n(process.restarts), process.restarts > 0 ? 'num warn' : 'num')
    ], process => process.name, 'No custom processes');

    fill($('#ports'), stats.ports, port => [
      cell(port.name), cell(port.type), cell(port.endpoint || '–'), cell(port.connections === null ? '–' : n(port.connections), 'num')
    ], port => port.name, 'No extra ports');

    previous = stats;
    document.body.dataset.updates = String(Number(document.body.dataset.updates) + 1);
  }

  async function update() {
    if (!paused) {
      try {
        const response = await fetch(statsUrl, { cache: 'no-store', headers: { accept: 'application/json' } });
        if (!response.ok) throw new Error('HTTP ' + response.status);
        render(await response.json());
        document.body.dataset.state = 'live';
        $('#status').textContent = 'live · ' + new Date().toLocaleTimeString();
      } catch (error) {
        document.body.dataset.state = 'offline';
        $('#status').textContent = 'offline (' + error.message + '), retrying';
      }
    }
    setTimeout(update, 1000);
  }

  $('#pause').addEventListener('click', () => {
    paused = !paused;
    $('#pause').textContent = paused ? 'Resume' : 'Pause';
    if (paused) $('#status').textContent = 'paused';
  });
  update();
})();
</script>
</body>
</html>
""";
}
