/**
 * The report page's style and script, inlined into every report (no network, no external file).
 * The script reads the run's data from the `report-data` JSON element and draws the space-time
 * diagram, the state inspector, the history list, the linearization view and the latency figures.
 * Plain browser JavaScript, written without template strings so it can live in a TS string.
 */

export const REPORT_STYLE = String.raw`
body{font:15px/1.45 system-ui,sans-serif;margin:16px 24px;color:#1d1d1d;max-width:1600px}
h1{font-size:22px;margin:4px 0}h2{font-size:17px;margin-top:24px;border-bottom:1px solid #ddd}
table{border-collapse:collapse}td,th{padding:2px 8px;text-align:left;border-bottom:1px solid #eee;font-variant-numeric:tabular-nums}
.ok{color:#2e7d32;font-weight:600}.bad{color:#c62828;font-weight:600}.dim{color:#6b6b6b}.dup{color:#e65100}
code,pre{font:13px ui-monospace,monospace;background:#f6f6f6;padding:2px 4px}pre{padding:8px;overflow:auto}
.controls{margin:6px 0;display:flex;gap:6px;align-items:center;flex-wrap:wrap}
.controls button{font-size:15px;min-width:34px;padding:3px 8px}
.controls input{font:14px ui-monospace,monospace}
.kinds label{margin-right:10px;font-size:13px;white-space:nowrap}
svg.diagram{width:100%;border:1px solid #ccc;background:#fff;cursor:grab;user-select:none}
svg.overview{width:100%;height:46px;border:1px solid #ddd;background:#fafafa;cursor:pointer}
svg.throughput{width:100%;height:140px}
.lane-label{font:bold 15px system-ui}.era{font:11px system-ui;fill:#222}
.msg{stroke:#37474f;stroke-width:1.1;fill:none;marker-end:url(#arrow)}
.msg.drop{stroke:#c62828;stroke-dasharray:4 3;marker-end:url(#cross)}
.msg.dup{stroke:#e65100}
.msg.sel{stroke:#1565c0;stroke-width:3}
.legend span{display:inline-block;margin-right:14px;font-size:13px}.sw{display:inline-block;width:14px;height:12px;margin-right:4px;vertical-align:-2px}
.sw.leader{background:#a5d6a7}.sw.candidate{background:#ffe082}.sw.follower{background:#eceff1}.sw.down{background:#424242}.sw.paused{background:#b39ddb}.sw.cut{background:repeating-linear-gradient(45deg,#ef9a9a 0 3px,#fff 3px 6px)}
.inspector{border:1px solid #ccc;padding:8px 12px;margin-top:8px;background:#fcfcfc;min-height:60px}
.inspector table td,.inspector table th{font-size:14px}
.inspector .line{font-size:15px;margin:4px 0}
.history{height:420px;overflow-y:auto;border:1px solid #ccc;position:relative;font:13px ui-monospace,monospace}
.ophead,.row{display:grid;grid-template-columns:70px 70px 60px 60px 150px 120px 110px 110px 100px;gap:4px;padding:0 6px}
.ophead{font:bold 13px system-ui;border:1px solid #ccc;border-bottom:none;background:#f0f0f0}
.row{position:absolute;left:0;right:0;height:22px;line-height:22px;border-bottom:1px solid #f0f0f0;white-space:nowrap;overflow:hidden}
.row.fail{background:#fff3f3}.row.info{background:#fffbe6}.row.failing{background:#ffcdd2;font-weight:bold;outline:2px solid #c62828}
.row.prefix{background:#e8f5e9}
.focus{font-weight:600;color:#b71c1c}
`;

export const REPORT_SCRIPT = String.raw`
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('report-data').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  var END = D.meta.endUs;
  var LANE = 54, TOP = 26, LEFT = 56, RIGHT = 12;
  var win = { from: 0, to: END };
  var hidden = {};
  var selected = -1;
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function ms(us) { return (us / 1000).toFixed(3); }
  function nodeName(i) { return i < 0 ? '' : D.nodes[i]; }
  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; }); }
  function fmt(v) { return v === null || v === undefined ? '' : JSON.stringify(v); }

  // ------------------------------------------------------------ state at a time
  function stateAt(node, t) {
    var rows = D.states[node];
    if (!rows || rows.length === 0) return null;
    var lo = 0, hi = rows.length - 1;
    if (rows[0][0] > t) return null;
    while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (rows[mid][0] <= t) lo = mid; else hi = mid - 1; }
    return rows[lo];
  }
  function lineAtOrBefore(t, node) {
    var best = -1;
    for (var i = 0; i < D.lines.length; i++) {
      var l = D.lines[i];
      if (l[0] > t) break;
      if (node === undefined || l[1] === node) best = i;
    }
    return best;
  }

  // ------------------------------------------------------------ the diagram
  var svg = document.getElementById('diagram');
  var overview = document.getElementById('overview');
  function width() { return Math.max(600, svg.clientWidth || 1200); }
  function xOf(t) { return LEFT + (t - win.from) / (win.to - win.from) * (width() - LEFT - RIGHT); }
  function tOf(x) { return win.from + (x - LEFT) / (width() - LEFT - RIGHT) * (win.to - win.from); }
  function laneY(i) { return TOP + i * LANE + LANE / 2; }
  var ROLE_FILL = ['#eceff1', '#ffe082', '#a5d6a7'];
  var BAND_FILL = ['#424242', '#b39ddb', 'url(#cut)'];

  function defs(root) {
    var d = el('defs', {}, root);
    var m = el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: '10', refY: '5', markerWidth: '5', markerHeight: '5', orient: 'auto-start-reverse' }, d);
    el('path', { d: 'M0 0 L10 5 L0 10 z', fill: '#37474f' }, m);
    var c = el('marker', { id: 'cross', viewBox: '0 0 10 10', refX: '5', refY: '5', markerWidth: '9', markerHeight: '9' }, d);
    el('path', { d: 'M1 1 L9 9 M9 1 L1 9', stroke: '#c62828', 'stroke-width': '2' }, c);
    var p = el('pattern', { id: 'cut', width: '8', height: '8', patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' }, d);
    el('rect', { width: '4', height: '8', fill: '#ef9a9a', opacity: '0.8' }, p);
  }

  function visibleMessages() {
    var out = [];
    for (var i = 0; i < D.msgs.length; i++) {
      var m = D.msgs[i];
      if (m[0] > win.to || m[1] < win.from) continue;
      if (hidden[D.kinds[m[4]]]) continue;
      out.push(i);
    }
    return out;
  }

  function draw() {
    if (!svg) return;
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var W = width();
    var H = TOP + D.nodes.length * LANE + 8;
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    svg.setAttribute('height', H);
    defs(svg);
    // time axis
    var span = win.to - win.from;
    var step = Math.pow(10, Math.floor(Math.log10(span / 8)));
    if (span / step > 16) step *= 5; else if (span / step > 8) step *= 2;
    for (var t = Math.ceil(win.from / step) * step; t <= win.to; t += step) {
      var x = xOf(t);
      el('line', { x1: x, x2: x, y1: TOP - 6, y2: H - 6, stroke: '#eee' }, svg);
      el('text', { x: x + 2, y: 14, 'font-size': '11', fill: '#555' }, svg).textContent = (t / 1000).toFixed(step >= 1000 ? 0 : step >= 100 ? 1 : step >= 10 ? 2 : 3) + ' ms';
    }
    for (var n = 0; n < D.nodes.length; n++) {
      var y = TOP + n * LANE;
      var lane = el('g', { class: 'lane', 'data-node': n }, svg);
      el('rect', { x: LEFT, y: y + 6, width: W - LEFT - RIGHT, height: LANE - 12, fill: '#f7f7f7' }, lane);
      var segs = D.roles[n] || [];
      for (var s = 0; s < segs.length; s++) {
        var g = segs[s];
        if (g[1] < win.from || g[0] > win.to) continue;
        var x0 = Math.max(LEFT, xOf(g[0])), x1 = Math.min(W - RIGHT, xOf(g[1]));
        if (x1 - x0 < 0.3) x1 = x0 + 0.3;
        el('rect', { x: x0, y: y + 10, width: x1 - x0, height: LANE - 20, fill: ROLE_FILL[g[2]], class: 'role' }, lane);
        if (x1 - x0 > 46) el('text', { x: x0 + 3, y: y + LANE - 13, class: 'era' }, lane).textContent = D.roleNames[g[4]] + ' ' + D.meta.era + ' ' + g[3];
      }
      var bands = D.bands[n] || [];
      for (var b = 0; b < bands.length; b++) {
        var band = bands[b];
        if (band[1] < win.from || band[0] > win.to) continue;
        var bx0 = Math.max(LEFT, xOf(band[0])), bx1 = Math.min(W - RIGHT, xOf(band[1]));
        el('rect', { x: bx0, y: y + 6, width: Math.max(1, bx1 - bx0), height: LANE - 12, fill: BAND_FILL[band[2]], opacity: band[2] === 0 ? '0.75' : '0.55', class: 'band band' + band[2] }, lane);
      }
      el('line', { x1: LEFT, x2: W - RIGHT, y1: laneY(n), y2: laneY(n), stroke: '#90a4ae', 'stroke-width': '0.6' }, lane);
      el('text', { x: 6, y: laneY(n) + 5, class: 'lane-label', fill: '#111' }, svg).textContent = D.nodes[n];
    }
    for (var k = 0; k < D.marks.length; k++) {
      var mk = D.marks[k];
      if (mk[0] < win.from || mk[0] > win.to || mk[1] < 0) continue;
      var mx = xOf(mk[0]), my = TOP + mk[1] * LANE + 9;
      el('text', { x: mx + 2, y: my, 'font-size': '11', fill: mk[2].charAt(0) === '✗' ? '#c62828' : '#1b5e20', 'font-weight': 'bold' }, svg).textContent = mk[2];
    }
    var shown = visibleMessages();
    var delivered = 0, dropped = 0;
    var group = el('g', { class: 'messages' }, svg);
    for (var j = 0; j < shown.length; j++) {
      var i = shown[j], m = D.msgs[i];
      var drop = (m[5] & 1) !== 0, dup = (m[5] & 2) !== 0;
      var xa = xOf(m[0]), ya = laneY(m[2]);
      var xb = xOf(m[1]), yb = laneY(m[3]);
      if (drop) { xb = xa + (xb - xa) * 0.5 + 6; yb = ya + (yb - ya) * 0.5; dropped++; } else delivered++;
      var cls = 'msg' + (drop ? ' drop' : ' delivered') + (dup ? ' dup' : '') + (i === selected ? ' sel' : '');
      var line = el('line', { x1: xa, y1: ya, x2: xb, y2: yb, class: cls, 'data-i': i }, group);
      el('title', {}, line).textContent = D.kinds[m[4]] + ' ' + D.nodes[m[2]] + '→' + D.nodes[m[3]] + ' sent ' + ms(m[0]) + ' ms, ' + (drop ? 'dropped' : 'delivered') + ' ' + ms(m[1]) + ' ms';
    }
    var count = document.getElementById('arrow-count');
    count.textContent = delivered + ' deliveries, ' + dropped + ' drops in the window';
    count.setAttribute('data-delivered', delivered);
    count.setAttribute('data-dropped', dropped);
    document.getElementById('win-from').value = ms(win.from);
    document.getElementById('win-to').value = ms(win.to);
    svg.setAttribute('data-from', win.from);
    svg.setAttribute('data-to', win.to);
    drawOverview();
  }

  function drawOverview() {
    while (overview.firstChild) overview.removeChild(overview.firstChild);
    var W = Math.max(600, overview.clientWidth || 1200);
    var h = 44 / Math.max(1, D.nodes.length);
    overview.setAttribute('viewBox', '0 0 ' + W + ' 46');
    for (var n = 0; n < D.nodes.length; n++) {
      var segs = D.roles[n] || [];
      for (var s = 0; s < segs.length; s++) {
        var g = segs[s];
        if (g[2] === 0) continue;
        el('rect', { x: g[0] / END * W, y: 1 + n * h, width: Math.max(0.8, (g[1] - g[0]) / END * W), height: h - 1, fill: ROLE_FILL[g[2]] }, overview);
      }
      var bands = D.bands[n] || [];
      for (var b = 0; b < bands.length; b++) el('rect', { x: bands[b][0] / END * W, y: 1 + n * h, width: Math.max(0.8, (bands[b][1] - bands[b][0]) / END * W), height: h - 1, fill: bands[b][2] === 0 ? '#424242' : bands[b][2] === 1 ? '#b39ddb' : '#ef9a9a' }, overview);
    }
    el('rect', { x: win.from / END * W, y: 0, width: Math.max(2, (win.to - win.from) / END * W), height: 46, fill: 'rgba(21,101,192,0.15)', stroke: '#1565c0', class: 'window' }, overview);
  }

  function setWindow(from, to) {
    var span = Math.max(50, to - from);
    from = Math.max(0, Math.min(from, END - span));
    win.from = from;
    win.to = Math.min(END, from + span);
    draw();
  }
  function zoom(factor, centre) {
    var c = centre === undefined ? (win.from + win.to) / 2 : centre;
    setWindow(c - (c - win.from) * factor, c + (win.to - c) * factor);
  }
  function pan(fraction) { var s = win.to - win.from; setWindow(win.from + s * fraction, win.to + s * fraction); }

  // ------------------------------------------------------------ the inspector
  var inspector = document.getElementById('inspector');
  function inspect(t, lineIndexes, title) {
    var html = '<div class="line"><b>' + esc(title) + '</b> <span class="dim">at <span id="inspect-time" data-t="' + t + '">' + ms(t) + ' ms</span></span></div>';
    for (var i = 0; i < lineIndexes.length; i++) {
      var l = D.lines[lineIndexes[i]];
      if (!l) continue;
      html += '<div class="line narrated"><span class="dim">' + ms(l[0]) + ' ms ' + esc(nodeName(l[1])) + '</span> ' + esc(l[3]) + '</div>';
    }
    html += '<table class="states"><tr><th>node</th><th>state</th><th>role</th><th>' + esc(D.meta.era) + '</th><th>leader</th><th>log</th><th>commit</th><th>applied</th><th>more</th></tr>';
    for (var n = 0; n < D.nodes.length; n++) {
      var s = stateAt(n, t);
      if (!s) { html += '<tr data-node="' + D.nodes[n] + '"><td>' + D.nodes[n] + '</td><td>down</td></tr>'; continue; }
      var live = ['down', 'up', 'paused'][s[1]];
      var snap = D.snapshots[s[8]];
      var extra = '';
      if (snap && s[1] !== 0) {
        var parts = [];
        for (var k in snap[1]) parts.push(k + '=' + JSON.stringify(snap[1][k]));
        if (snap[2].length) parts.push('last applied: ' + snap[2].join('; '));
        extra = esc(parts.join(' · ')) + ' <span class="dim">(snapshot ' + ms(snap[0]) + ' ms)</span>';
      }
      html += '<tr class="state" data-node="' + D.nodes[n] + '" data-live="' + live + '" data-role="' + esc(D.roleNames[s[2]]) + '" data-term="' + s[3] + '" data-commit="' + s[5] + '" data-applied="' + s[6] + '" data-log="' + s[7] + '">' +
        '<td><b>' + D.nodes[n] + '</b></td><td>' + live + '</td><td>' + (s[1] === 0 ? '—' : esc(D.roleNames[s[2]])) + '</td><td>' + s[3] + '</td><td>' + (s[4] < 0 ? '—' : D.nodes[s[4]]) + '</td><td>' + s[7] + '</td><td>' + s[5] + '</td><td>' + s[6] + '</td><td class="dim">' + extra + '</td></tr>';
    }
    inspector.innerHTML = html + '</table>';
  }

  if (svg && D.lanes) {
    svg.addEventListener('click', function (ev) {
      if (dragged) return;
      var target = ev.target;
      if (target.classList && target.classList.contains('msg')) {
        var i = Number(target.getAttribute('data-i'));
        var m = D.msgs[i];
        selected = i;
        draw();
        var lines = [m[6]];
        if (m[7] !== m[6]) lines.push(m[7]);
        inspect(m[1], lines.filter(function (x) { return x >= 0; }), D.kinds[m[4]] + ' ' + D.nodes[m[2]] + ' → ' + D.nodes[m[3]] + ((m[5] & 1) ? ' (dropped)' : ''));
        return;
      }
      var box = svg.getBoundingClientRect();
      var x = (ev.clientX - box.left) * width() / box.width;
      var y = (ev.clientY - box.top) * (TOP + D.nodes.length * LANE + 8) / box.height;
      var node = Math.floor((y - TOP) / LANE);
      if (x < LEFT || node < 0 || node >= D.nodes.length) return;
      var t = Math.round(tOf(x));
      var li = lineAtOrBefore(t, node);
      inspect(t, li < 0 ? [] : [li], D.nodes[node] + ' lane');
    });
    var dragFrom = null, dragged = false;
    svg.addEventListener('mousedown', function (ev) { dragFrom = { x: ev.clientX, from: win.from, to: win.to }; dragged = false; });
    window.addEventListener('mousemove', function (ev) {
      if (!dragFrom) return;
      var dx = ev.clientX - dragFrom.x;
      if (Math.abs(dx) > 3) dragged = true;
      if (!dragged) return;
      var box = svg.getBoundingClientRect();
      var dt = -dx / box.width * (dragFrom.to - dragFrom.from) * width() / (width() - LEFT - RIGHT);
      setWindow(dragFrom.from + dt, dragFrom.to + dt);
    });
    window.addEventListener('mouseup', function () { dragFrom = null; setTimeout(function () { dragged = false; }, 0); });
    svg.addEventListener('wheel', function (ev) {
      ev.preventDefault();
      var box = svg.getBoundingClientRect();
      zoom(ev.deltaY < 0 ? 0.8 : 1.25, tOf((ev.clientX - box.left) * width() / box.width));
    }, { passive: false });
    overview.addEventListener('click', function (ev) {
      var box = overview.getBoundingClientRect();
      var t = (ev.clientX - box.left) / box.width * END;
      var s = win.to - win.from;
      setWindow(t - s / 2, t + s / 2);
    });
    document.getElementById('zoom-in').onclick = function () { zoom(0.5); };
    document.getElementById('zoom-out').onclick = function () { zoom(2); };
    document.getElementById('pan-left').onclick = function () { pan(-0.5); };
    document.getElementById('pan-right').onclick = function () { pan(0.5); };
    document.getElementById('show-all').onclick = function () { setWindow(0, END); };
    var applyInputs = function () {
      var f = parseFloat(document.getElementById('win-from').value) * 1000, t = parseFloat(document.getElementById('win-to').value) * 1000;
      if (isFinite(f) && isFinite(t) && t > f) setWindow(f, t);
    };
    document.getElementById('win-from').onchange = applyInputs;
    document.getElementById('win-to').onchange = applyInputs;
    document.addEventListener('keydown', function (ev) {
      if (ev.target && ev.target.tagName === 'INPUT') return;
      if (ev.key === '+' || ev.key === '=') zoom(0.5);
      else if (ev.key === '-') zoom(2);
      else if (ev.key === 'ArrowLeft') pan(-0.25);
      else if (ev.key === 'ArrowRight') pan(0.25);
    });
    var kinds = document.getElementById('kinds');
    var counts = D.kinds.map(function () { return 0; });
    for (var q = 0; q < D.msgs.length; q++) counts[D.msgs[q][4]]++;
    kinds.innerHTML = '<span class="dim">messages: </span>' + D.kinds.map(function (k, i) {
      return '<label><input type="checkbox" checked data-kind="' + esc(k) + '"> ' + esc(k) + ' <span class="dim">' + counts[i] + '</span></label>';
    }).join('');
    kinds.addEventListener('change', function (ev) {
      var k = ev.target.getAttribute('data-kind');
      if (ev.target.checked) delete hidden[k]; else hidden[k] = true;
      draw();
    });
    // Long runs open on a window of about 250 messages (the whole run when it is short), or
    // around the failure.
    var first = D.focus ? Math.max(0, D.focus.t - 150000) : 0;
    var span = END;
    if (D.msgs.length > 250) span = Math.max(50000, END * 250 / D.msgs.length);
    setWindow(first, first + span);
    if (D.focus) inspect(D.focus.t, [lineAtOrBefore(D.focus.t, D.focus.node < 0 ? undefined : D.focus.node)].filter(function (x) { return x >= 0; }), 'where it went wrong');
    window.addEventListener('resize', draw);
  }
  if (D.focus) document.getElementById('failure-focus').textContent = D.focus.text;

  // ------------------------------------------------------------ history (virtualised)
  var ROW = 22;
  var list = document.getElementById('history');
  var inner = document.getElementById('history-inner');
  var failing = D.failing ? D.failing.op : -1;
  var prefix = {};
  if (D.failing) for (var p = 0; p < D.failing.prefix.length; p++) prefix[D.failing.prefix[p]] = true;
  inner.style.height = (D.ops.length * ROW) + 'px';
  document.getElementById('op-count').textContent = D.ops.length + ' operations';
  function renderRows() {
    var start = Math.max(0, Math.floor(list.scrollTop / ROW) - 10);
    var end = Math.min(D.ops.length, start + Math.ceil(list.clientHeight / ROW) + 20);
    var html = '';
    for (var i = start; i < end; i++) {
      var o = D.ops[i];
      var cls = 'row ' + o[7] + (i === failing ? ' failing' : '') + (prefix[i] ? ' prefix' : '');
      var node = o[8] < 0 ? '' : '<a href="#" class="answered" data-op="' + i + '" data-node="' + o[8] + '">' + D.nodes[o[8]] + '</a>';
      html += '<div class="' + cls + '" data-op="' + i + '" style="top:' + (i * ROW) + 'px"><span>' + i + '</span><span>' + o[0] + '</span><span>' + o[1] + '</span><span>' + esc(o[2]) + '</span><span>' + esc(fmt(o[3])) + '</span><span>' + o[7] + (o[1] === 'read' && o[7] === 'ok' ? ' → ' + esc(fmt(o[4])) : '') + '</span><span>' + ms(o[5]) + '</span><span>' + (o[6] < 0 ? '—' : ms(o[6])) + '</span><span>' + node + '</span></div>';
    }
    inner.innerHTML = html;
  }
  list.addEventListener('scroll', renderRows);
  inner.addEventListener('click', function (ev) {
    var a = ev.target.closest ? ev.target.closest('a.answered') : null;
    if (!a) return;
    ev.preventDefault();
    var o = D.ops[Number(a.getAttribute('data-op'))];
    var node = Number(a.getAttribute('data-node'));
    if (D.lanes) {
      var s = Math.max(20000, (o[6] - o[5]) * 3);
      setWindow(o[5] - s / 3, o[5] - s / 3 + s);
      var li = lineAtOrBefore(o[6], node);
      inspect(o[6], li < 0 ? [] : [li], D.nodes[node] + ' answered process ' + o[0] + "'s " + o[1]);
      svg.scrollIntoView({ behavior: 'auto', block: 'center' });
    }
  });
  renderRows();
  var gotoFailing = document.getElementById('goto-failing');
  if (failing >= 0) {
    gotoFailing.hidden = false;
    gotoFailing.onclick = function () { list.scrollTop = Math.max(0, failing * ROW - list.clientHeight / 2); renderRows(); };
    list.scrollTop = Math.max(0, failing * ROW - 200);
    renderRows();
  }

  // ------------------------------------------------------------ linearization view
  var lin = document.getElementById('linearization');
  if (lin && D.failing) {
    var shownOps = D.failing.prefix.slice(-12).concat(D.failing.unplaced);
    var procs = [];
    shownOps.forEach(function (i) { if (procs.indexOf(D.ops[i][0]) < 0) procs.push(D.ops[i][0]); });
    procs.sort(function (a, b) { return a - b; });
    var lo = Infinity, hi = -Infinity;
    shownOps.forEach(function (i) { var o = D.ops[i]; lo = Math.min(lo, o[5]); hi = Math.max(hi, o[6] < 0 ? o[5] : o[6]); });
    var LW = 1100, RH = 26, L0 = 60;
    var lsvg = el('svg', { viewBox: '0 -12 ' + LW + ' ' + (procs.length * RH + 42), width: '100%', class: 'linearization' });
    var lx = function (t) { return L0 + (t - lo) / Math.max(1, hi - lo) * (LW - L0 - 10); };
    procs.forEach(function (p, r) { el('text', { x: 4, y: r * RH + 18, 'font-size': '12' }, lsvg).textContent = 'p' + p; });
    var order = {};
    D.failing.prefix.forEach(function (i, n) { order[i] = n + 1; });
    shownOps.forEach(function (i) {
      var o = D.ops[i];
      var r = procs.indexOf(o[0]);
      var bad = D.failing.unplaced.indexOf(i) >= 0;
      var x0 = lx(o[5]), x1 = lx(o[6] < 0 ? hi : o[6]);
      var label = (bad ? '✗ ' : '#' + order[i] + ' ') + o[1] + ' ' + (o[1] === 'read' ? '→ ' + fmt(o[4]) : fmt(o[3]));
      var bar = el('rect', { x: x0, y: r * RH + 4, width: Math.max(3, x1 - x0), height: RH - 8, rx: 3, fill: bad ? '#ef9a9a' : '#c8e6c9', stroke: bad ? '#c62828' : '#2e7d32', class: bad ? 'unplaced' : 'linearized' }, lsvg);
      el('title', {}, bar).textContent = label + ' (process ' + o[0] + ', ' + ms(o[5]) + '–' + (o[6] < 0 ? '?' : ms(o[6])) + ' ms)';
      // A label wider than its bar goes above it for the failing operation, and is left to the tooltip otherwise.
      if (x1 - x0 >= label.length * 6.2) el('text', { x: x0 + 3, y: r * RH + 18, 'font-size': '11' }, lsvg).textContent = label;
      else if (bad) el('text', { x: x0, y: r * RH + 2, 'font-size': '11', fill: '#b71c1c', 'font-weight': 'bold' }, lsvg).textContent = label;
    });
    el('text', { x: L0, y: procs.length * RH + 22, 'font-size': '11', fill: '#555' }, lsvg).textContent = ms(lo) + ' ms';
    el('text', { x: LW - 120, y: procs.length * RH + 22, 'font-size': '11', fill: '#555' }, lsvg).textContent = ms(hi) + ' ms';
    lin.innerHTML = '<h3>Linearization (key ' + esc(D.failing.key) + ')</h3><p class="dim">Green: the end of the longest linearizable order, numbered in that order. Red: the operation that cannot go next.</p>';
    lin.appendChild(lsvg);
  }

  // ------------------------------------------------------------ latency and throughput
  var byF = {};
  D.ops.forEach(function (o) { if (o[7] === 'ok' && o[6] >= 0) (byF[o[1]] = byF[o[1]] || []).push(o[6] - o[5]); });
  var pct = function (a, q) { return a[Math.min(a.length - 1, Math.floor(q * a.length))]; };
  var table = '<table class="latency"><tr><th>op</th><th>ok</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>max ms</th></tr>';
  Object.keys(byF).sort().forEach(function (f) {
    var a = byF[f].sort(function (x, y) { return x - y; });
    table += '<tr data-f="' + f + '"><td>' + f + '</td><td>' + a.length + '</td><td>' + ms(pct(a, 0.5)) + '</td><td>' + ms(pct(a, 0.9)) + '</td><td>' + ms(pct(a, 0.99)) + '</td><td>' + ms(a[a.length - 1]) + '</td></tr>';
  });
  document.getElementById('latency').innerHTML = table + '</table>';
  var tp = document.getElementById('throughput');
  var BUCKETS = 100, counts2 = [], max = 1;
  for (var bi = 0; bi < BUCKETS; bi++) counts2.push(0);
  D.ops.forEach(function (o) { if (o[7] === 'ok' && o[6] >= 0) counts2[Math.min(BUCKETS - 1, Math.floor(o[6] / END * BUCKETS))]++; });
  counts2.forEach(function (c) { if (c > max) max = c; });
  tp.setAttribute('viewBox', '0 0 1000 140');
  counts2.forEach(function (c, i) { el('rect', { x: i * 10 + 1, y: 120 - c / max * 110, width: 8, height: c / max * 110, fill: '#5c6bc0' }, tp); });
  el('text', { x: 2, y: 136, 'font-size': '11' }, tp).textContent = '0';
  el('text', { x: 880, y: 136, 'font-size': '11' }, tp).textContent = ms(END) + ' ms';
  el('text', { x: 2, y: 12, 'font-size': '11' }, tp).textContent = 'ok operations per ' + ms(END / BUCKETS) + ' ms (max ' + max + ')';
})();
`;
