/* typecheck-nn HTML report: the interactive graph. Vanilla JS + SVG, no dependencies.
 *
 * The graph can have tens of thousands of operations, so it is drawn collapsed by nn.Module:
 * only the visible items (ops and collapsed modules) are laid out, with a layered layout
 * (longest-path layers, barycentric ordering kept contiguous per module, isotonic x
 * placement) that is linear-ish in the visible size. Every string from the user's model
 * is inserted with textContent, never as markup.
 */
(function () {
  'use strict';

  var SVGNS = 'http://www.w3.org/2000/svg';
  var NODE_W = 132, NODE_H = 30, MOD_W = 172, MOD_H = 44;
  var GAP_X = 20, GAP_Y = 34, BOX_PAD = 12, BOX_HEAD = 18;
  var VISIBLE_BUDGET = 300, LABEL_ZOOM = 1.15, LABEL_MAX_EDGES = 3000, DETAIL_MAX_EDGES = 1500, SWEEPS = 4;

  window.__tcnnRenders = [];

  // ---- small DOM helpers -------------------------------------------------------------

  function svg(tag, attrs, parent) {
    var node = document.createElementNS(SVGNS, tag);
    for (var k in attrs) node.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(node);
    return node;
  }

  function h(tag, cls, text, parent) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  function clip(s, n) { return s.length > n ? s.slice(0, n - 1) + '\u2026' : s; }

  function shortOp(op) {
    return op.replace(/^aten\./, '').replace(/\.(default|Tensor|Scalar|int|self)$/, '');
  }

  function darker(color) {
    var m = /hsl\((\d+),(\d+)%,(\d+)%\)/.exec(color);
    return m ? 'hsl(' + m[1] + ',' + m[2] + '%,' + Math.max(25, +m[3] - 34) + '%)' : '#8c959f';
  }

  // ---- the model: module tree and per-node columns ------------------------------------

  /** Builds the module tree (parents before children) and the per-node lookups. */
  function prepare(g) {
    var n = g.ids.length, tree = [], byPath = new Map();
    function ensure(path) {
      var t = byPath.get(path);
      if (t !== undefined) return t;
      var cut = path.lastIndexOf('.');
      var parent = path === '' ? -1 : ensure(cut < 0 ? '' : path.slice(0, cut));
      t = tree.length;
      tree.push({ path: path, name: path === '' ? '(root)' : path.slice(cut + 1), parent: parent,
                  depth: parent < 0 ? 0 : tree[parent].depth + 1, size: 0, conflict: 0, firmware: 0 });
      byPath.set(path, t);
      return t;
    }
    ensure('');
    var modTid = g.modules.map(ensure);
    var nodeTid = new Int32Array(n), mark = new Uint8Array(n);
    g.violations.forEach(function (list) { list.forEach(function (i) { mark[i] = Math.max(mark[i], 1); }); });
    g.conflict.forEach(function (i) { mark[i] = 2; });
    for (var i = 0; i < n; i++) {
      var t = nodeTid[i] = modTid[g.mod[i]];
      var fw = g.roles[g.role[i]] === 'firmware' ? 1 : 0;
      for (; t >= 0; t = tree[t].parent) {
        tree[t].size++;
        tree[t].firmware += fw;
        if (mark[i] > tree[t].conflict) tree[t].conflict = mark[i];
      }
    }
    var maxDepth = 0;
    tree.forEach(function (t) { if (t.depth > maxDepth) maxDepth = t.depth; });
    return { g: g, n: n, tree: tree, nodeTid: nodeTid, mark: mark, maxDepth: maxDepth };
  }

  // ---- what is visible: ops of fully expanded modules, and collapsed modules ----------

  /** rep[t]: the outermost collapsed ancestor-or-self of module t, or -1 if all are open. */
  function representatives(M, expanded) {
    var rep = new Int32Array(M.tree.length);
    rep[0] = -1;
    for (var t = 1; t < M.tree.length; t++) {
      var p = rep[M.tree[t].parent];
      rep[t] = p !== -1 ? p : (expanded[t] ? -1 : t);
    }
    return rep;
  }

  /** Visible units in first-use order (so unit order follows the trace) and each node's unit. */
  function visibleUnits(M, expanded) {
    var rep = representatives(M, expanded), n = M.n;
    var unitOf = new Int32Array(n), opUnit = new Int32Array(n).fill(-1);
    var modUnit = new Int32Array(M.tree.length).fill(-1), units = [];
    for (var i = 0; i < n; i++) {
      var r = rep[M.nodeTid[i]];
      if (r === -1) {
        opUnit[i] = units.length;
        units.push({ module: false, idx: i });
        unitOf[i] = opUnit[i];
      } else {
        if (modUnit[r] === -1) { modUnit[r] = units.length; units.push({ module: true, idx: r }); }
        unitOf[i] = modUnit[r];
      }
    }
    return { units: units, unitOf: unitOf, modUnit: modUnit };
  }

  function countVisible(M, expanded) {
    var rep = representatives(M, expanded), seen = new Uint8Array(M.tree.length), count = 0;
    for (var i = 0; i < M.n; i++) {
      var r = rep[M.nodeTid[i]];
      if (r === -1) count++;
      else if (!seen[r]) { seen[r] = 1; count++; }
    }
    return count;
  }

  /** Open whole levels of the hierarchy while the view stays under the budget. */
  function initialExpansion(M) {
    var expanded = new Uint8Array(M.tree.length);
    expanded[0] = 1;
    if (M.n <= VISIBLE_BUDGET) return expanded.fill(1);
    for (var d = 1; d <= M.maxDepth; d++) {
      var trial = expanded.slice();
      M.tree.forEach(function (t, i) { if (t.depth === d) trial[i] = 1; });
      if (countVisible(M, trial) > VISIBLE_BUDGET) break;
      expanded = trial;
    }
    return expanded;
  }

  /** Edges between visible units, merged per pair; `types` holds up to a few distinct types. */
  function aggregateEdges(M, view) {
    var e = M.g.edges, unitOf = view.unitOf, U = view.units.length;
    var byPair = new Map(), edges = [];
    for (var k = 0; k < e.length; k += 3) {
      var u = unitOf[e[k]], v = unitOf[e[k + 1]];
      if (u === v) continue;
      var key = u * U + v, agg = byPair.get(key);
      if (agg === undefined) {
        agg = { u: u, v: v, count: 0, types: [] };
        byPair.set(key, agg);
        edges.push(agg);
      }
      agg.count++;
      if (agg.types.length < 4 && agg.types.indexOf(e[k + 2]) < 0) agg.types.push(e[k + 2]);
    }
    return edges;
  }

  // ---- layout -------------------------------------------------------------------------

  function adjacency(U, edges) {
    var out = [], inn = [];
    for (var u = 0; u < U; u++) { out.push([]); inn.push([]); }
    edges.forEach(function (e) { out[e.u].push(e.v); inn[e.v].push(e.u); });
    return { out: out, inn: inn };
  }

  /** Longest-path layers; a cycle (possible between collapsed modules) is broken at the
   *  earliest unit in trace order, so the drawing follows the program. */
  function assignLayers(U, adj) {
    var indeg = new Int32Array(U), done = new Uint8Array(U), layer = new Int32Array(U);
    var queue = [], head = 0, next = 0, processed = 0;
    for (var u = 0; u < U; u++) { indeg[u] = adj.inn[u].length; if (!indeg[u]) queue.push(u); }
    while (processed < U) {
      if (head === queue.length) {
        while (done[next]) next++;  // every unqueued, unprocessed unit waits on a cycle
        queue.push(next);
      }
      var x = queue[head++];
      if (done[x]) continue;
      done[x] = 1; processed++;
      adj.out[x].forEach(function (v) {
        if (done[v]) return;
        if (layer[x] + 1 > layer[v]) layer[v] = layer[x] + 1;
        if (--indeg[v] === 0) queue.push(v);
      });
    }
    // Sources (inputs, parameters) sit just above their first consumer, not all at the top.
    for (var s = 0; s < U; s++) {
      if (adj.inn[s].length || !adj.out[s].length) continue;
      var lo = Infinity;
      adj.out[s].forEach(function (v) { if (layer[v] < lo) lo = layer[v]; });
      if (lo - 1 > layer[s]) layer[s] = lo - 1;
    }
    return layer;
  }

  /** Expanded ancestor modules of each unit, outermost first (root excluded). */
  function chains(M, view) {
    return view.units.map(function (unit) {
      var t = unit.module ? M.tree[unit.idx].parent : M.nodeTid[unit.idx], chain = [];
      for (; t > 0; t = M.tree[t].parent) chain.push(t);
      return chain.reverse();
    });
  }

  /** Order a layer by key while keeping the members of each module contiguous. */
  function groupedOrder(list, key, chain, depth) {
    var groups = new Map(), items = [];
    list.forEach(function (u) {
      var c = chain[u];
      if (c.length <= depth) { items.push({ key: key[u], members: [u], leaf: true }); return; }
      var g = groups.get(c[depth]);
      if (!g) { g = { key: 0, members: [], leaf: false }; groups.set(c[depth], g); items.push(g); }
      g.members.push(u);
      g.key += key[u];
    });
    items.forEach(function (it) { if (!it.leaf) it.key /= it.members.length; });
    items.sort(function (a, b) { return a.key - b.key; });
    var out = [];
    items.forEach(function (it) {
      if (it.leaf) out.push(it.members[0]);
      else groupedOrder(it.members, key, chain, depth + 1).forEach(function (u) { out.push(u); });
    });
    return out;
  }

  function orderLayers(U, layer, adj, chain) {
    var L = 0;
    for (var u = 0; u < U; u++) if (layer[u] + 1 > L) L = layer[u] + 1;
    var layers = [];
    for (var l = 0; l < L; l++) layers.push([]);
    for (u = 0; u < U; u++) layers[layer[u]].push(u);
    var pos = new Float64Array(U), key = new Float64Array(U);
    function setPos(list) { var c = (list.length - 1) / 2; list.forEach(function (v, i) { pos[v] = i - c; }); }
    layers.forEach(setPos);
    function sweep(l, nbrs, above) {
      var list = layers[l];
      list.forEach(function (v) {
        var sum = 0, cnt = 0;
        nbrs[v].forEach(function (w) { if (above ? layer[w] < l : layer[w] > l) { sum += pos[w]; cnt++; } });
        key[v] = cnt ? sum / cnt : pos[v];
      });
      layers[l] = groupedOrder(list, key, chain, 0);
      setPos(layers[l]);
    }
    for (var it = 0; it < SWEEPS; it++) {
      for (l = 1; l < L; l++) sweep(l, adj.inn, true);
      for (l = L - 2; l >= 0; l--) sweep(l, adj.out, false);
    }
    if (L) sweep(0, adj.inn, true);  // group the first layer too
    return layers;
  }

  /** Least-squares fit of x to `want` under x[i+1] - x[i] >= sep[i]: pool adjacent violators. */
  function placeRow(want, sep) {
    var k = want.length, off = new Float64Array(k), blocks = [];
    for (var i = 1; i < k; i++) off[i] = off[i - 1] + sep[i - 1];
    for (i = 0; i < k; i++) {
      blocks.push({ sum: want[i] - off[i], cnt: 1 });
      while (blocks.length > 1) {
        var b = blocks[blocks.length - 1], a = blocks[blocks.length - 2];
        if (a.sum / a.cnt <= b.sum / b.cnt) break;
        a.sum += b.sum; a.cnt += b.cnt; blocks.pop();
      }
    }
    var x = new Float64Array(k), j = 0;
    blocks.forEach(function (b) { for (var c = 0; c < b.cnt; c++, j++) x[j] = b.sum / b.cnt + off[j]; });
    return x;
  }

  function boxBoundaries(a, b) {
    var c = 0;
    while (c < a.length && c < b.length && a[c] === b[c]) c++;
    return a.length - c + b.length - c;
  }

  function layout(M, view, edges) {
    var U = view.units.length, adj = adjacency(U, edges), layer = assignLayers(U, adj);
    var chain = chains(M, view), layers = orderLayers(U, layer, adj, chain);
    var w = new Float64Array(U), hgt = new Float64Array(U), x = new Float64Array(U), y = new Float64Array(U);
    view.units.forEach(function (unit, u) { w[u] = unit.module ? MOD_W : NODE_W; hgt[u] = unit.module ? MOD_H : NODE_H; });

    // Vertical: extra room where module boxes open (header) or close (padding).
    var first = new Map(), last = new Map();
    for (var u = 0; u < U; u++) chain[u].forEach(function (t) {
      if (!first.has(t) || layer[u] < first.get(t)) first.set(t, layer[u]);
      if (!last.has(t) || layer[u] > last.get(t)) last.set(t, layer[u]);
    });
    var L = layers.length, opens = new Int32Array(L), closes = new Int32Array(L), rowH = new Float64Array(L);
    for (u = 0; u < U; u++) {
      var o = 0, c = 0, l = layer[u];
      chain[u].forEach(function (t) { if (first.get(t) === l) o++; if (last.get(t) === l) c++; });
      if (o > opens[l]) opens[l] = o;
      if (c > closes[l]) closes[l] = c;
      if (hgt[u] > rowH[l]) rowH[l] = hgt[u];
    }
    var rowY = new Float64Array(L), cursor = 0;
    for (l = 0; l < L; l++) {
      cursor += opens[l] * (BOX_HEAD + BOX_PAD) + rowH[l] / 2;
      rowY[l] = cursor;
      cursor += rowH[l] / 2 + GAP_Y + closes[l] * BOX_PAD;
    }
    for (u = 0; u < U; u++) y[u] = rowY[layer[u]];

    // Horizontal: rows packed, then pulled toward their neighbours, down, up, down.
    var seps = layers.map(function (list) {
      var s = new Float64Array(Math.max(0, list.length - 1));
      for (var i = 1; i < list.length; i++) {
        var a = list[i - 1], b = list[i];
        s[i - 1] = w[a] / 2 + w[b] / 2 + GAP_X + BOX_PAD * boxBoundaries(chain[a], chain[b]);
      }
      return s;
    });
    layers.forEach(function (list, l) {
      var want = list.map(function () { return 0; });
      var xs = placeRow(want, seps[l]);
      list.forEach(function (v, i) { x[v] = xs[i]; });
    });
    function pass(l, nbrs) {
      var list = layers[l];
      if (!list.length) return;
      var want = list.map(function (v) {
        var sum = 0, cnt = 0;
        nbrs[v].forEach(function (q) { if (layer[q] !== l) { sum += x[q]; cnt++; } });
        return cnt ? sum / cnt : x[v];
      });
      var xs = placeRow(want, seps[l]);
      list.forEach(function (v, i) { x[v] = xs[i]; });
    }
    for (l = 1; l < L; l++) pass(l, adj.inn);
    for (l = L - 2; l >= 0; l--) pass(l, adj.out);
    for (l = 1; l < L; l++) pass(l, adj.inn);

    return { U: U, x: x, y: y, w: w, h: hgt, layer: layer, chain: chain, boxes: moduleBoxes(M, U, x, y, w, hgt, chain) };
  }

  /** Bounding boxes of expanded modules, innermost first, each padded around its content. */
  function moduleBoxes(M, U, x, y, w, hgt, chain) {
    var raw = new Map();
    function grow(t, x0, y0, x1, y1) {
      var b = raw.get(t);
      if (!b) raw.set(t, [x0, y0, x1, y1]);
      else { b[0] = Math.min(b[0], x0); b[1] = Math.min(b[1], y0); b[2] = Math.max(b[2], x1); b[3] = Math.max(b[3], y1); }
    }
    for (var u = 0; u < U; u++) {
      var c = chain[u];
      if (c.length) grow(c[c.length - 1], x[u] - w[u] / 2, y[u] - hgt[u] / 2, x[u] + w[u] / 2, y[u] + hgt[u] / 2);
    }
    var boxes = [];
    for (var t = M.tree.length - 1; t > 0; t--) {
      var b = raw.get(t);
      if (!b) continue;
      var box = { t: t, x0: b[0] - BOX_PAD, y0: b[1] - BOX_PAD - BOX_HEAD, x1: b[2] + BOX_PAD, y1: b[3] + BOX_PAD };
      boxes.push(box);
      if (M.tree[t].parent > 0) grow(M.tree[t].parent, box.x0, box.y0, box.x1, box.y1);
    }
    return boxes.reverse();  // outermost drawn first, so inner boxes sit on top
  }

  function bounds(lay) {
    var b = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
    for (var u = 0; u < lay.U; u++) {
      b.x0 = Math.min(b.x0, lay.x[u] - lay.w[u] / 2); b.x1 = Math.max(b.x1, lay.x[u] + lay.w[u] / 2);
      b.y0 = Math.min(b.y0, lay.y[u] - lay.h[u] / 2); b.y1 = Math.max(b.y1, lay.y[u] + lay.h[u] / 2);
    }
    lay.boxes.forEach(function (bx) {
      b.x0 = Math.min(b.x0, bx.x0); b.y0 = Math.min(b.y0, bx.y0); b.x1 = Math.max(b.x1, bx.x1); b.y1 = Math.max(b.y1, bx.y1);
    });
    if (!isFinite(b.x0)) b = { x0: 0, y0: 0, x1: 1, y1: 1 };
    return b;
  }

  // ---- drawing ------------------------------------------------------------------------

  function installDefs() {
    var host = svg('svg', { width: 0, height: 0, style: 'position:absolute', 'aria-hidden': 'true' }, document.body);
    var defs = svg('defs', {}, host);
    var pat = svg('pattern', { id: 'tcnn-hatch', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' }, defs);
    svg('rect', { width: 6, height: 6, fill: 'rgba(31,35,40,0.10)' }, pat);
    svg('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: 'rgba(31,35,40,0.38)', 'stroke-width': 2 }, pat);
    var arrow = svg('marker', { id: 'tcnn-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
    svg('path', { d: 'M0,1 L9,5 L0,9 z', fill: '#8c959f' }, arrow);
  }

  function typeCounts(M, view) {
    var per = new Map(), g = M.g;
    for (var i = 0; i < M.n; i++) {
      var u = view.unitOf[i];
      if (!view.units[u].module) continue;
      var m = per.get(u);
      if (!m) { m = new Map(); per.set(u, m); }
      m.set(g.type[i], (m.get(g.type[i]) || 0) + 1);
    }
    return per;
  }

  function drawUnit(parent, M, unit, u, lay, tc) {
    var g = M.g, cls = 'unit', w = lay.w[u], hh = lay.h[u];
    var grp = svg('g', { 'data-u': u, transform: 'translate(' + lay.x[u].toFixed(1) + ',' + lay.y[u].toFixed(1) + ')' }, parent);
    if (unit.module) {
      var t = M.tree[unit.idx];
      cls += ' module' + (t.firmware * 2 >= t.size ? ' firmware' : '');
      if (t.conflict === 2) cls += ' conflict'; else if (t.conflict === 1) cls += ' on-violation';
      svg('rect', { 'class': 'body', x: -w / 2, y: -hh / 2, width: w, height: hh, rx: 6 }, grp);
      var counts = Array.from(tc.get(u) || []).sort(function (a, b) { return b[1] - a[1]; }).slice(0, 6);
      var total = t.size, sx = -w / 2 + 1;
      counts.forEach(function (pair) {
        var sw = (w - 2) * pair[1] / total;
        svg('rect', { x: sx, y: hh / 2 - 6, width: Math.max(sw, 0.5), height: 5, fill: g.colors[pair[0]] }, grp);
        sx += sw;
      });
      if (t.firmware * 2 >= t.size) svg('rect', { 'class': 'hatch', x: -w / 2, y: -hh / 2, width: w, height: hh, rx: 6 }, grp);
      svg('text', { x: -w / 2 + 10, y: -3 }, grp).textContent = '\u25B8 ' + clip(t.name, 20);
      svg('text', { 'class': 'sub', x: -w / 2 + 10, y: 11 }, grp).textContent = t.size.toLocaleString() + ' ops \u00B7 click to expand';
    } else {
      var i = unit.idx, role = g.roles[g.role[i]], kind = g.kinds[g.kind[i]];
      if (role === 'firmware') cls += ' firmware';
      if (M.mark[i] === 2) cls += ' conflict'; else if (M.mark[i] === 1) cls += ' on-violation';
      var rx = kind === 'op' ? 4 : hh / 2;
      svg('rect', { 'class': 'body', x: -w / 2, y: -hh / 2, width: w, height: hh, rx: rx, fill: g.colors[g.type[i]] }, grp);
      if (role === 'firmware') svg('rect', { 'class': 'hatch', x: -w / 2, y: -hh / 2, width: 12, height: hh, rx: rx }, grp);
      var op = g.ops[g.op[i]];
      var label = kind === 'op' ? shortOp(op) : kind === 'param' ? op.slice(op.lastIndexOf('.') + 1) : (op && op !== kind ? kind + ' ' + op : kind);
      svg('text', { x: 0, y: 4, 'text-anchor': 'middle' }, grp).textContent = clip(label, 19);
    }
    grp.setAttribute('class', cls);
  }

  function edgePath(lay, e) {
    var x1 = lay.x[e.u], y1 = lay.y[e.u] + lay.h[e.u] / 2, x2 = lay.x[e.v], y2 = lay.y[e.v] - lay.h[e.v] / 2;
    if (y2 <= y1) {  // a back edge (cycle between collapsed modules): loop around the side
      var side = Math.max(lay.x[e.u] + lay.w[e.u] / 2, lay.x[e.v] + lay.w[e.v] / 2) + 40;
      return 'M' + x1 + ',' + y1 + ' C' + side + ',' + (y1 + 40) + ' ' + side + ',' + (y2 - 40) + ' ' + x2 + ',' + y2;
    }
    var dy = Math.max(20, (y2 - y1) / 2);
    return 'M' + x1.toFixed(1) + ',' + y1.toFixed(1) + ' C' + x1.toFixed(1) + ',' + (y1 + dy).toFixed(1) + ' ' +
      x2.toFixed(1) + ',' + (y2 - dy).toFixed(1) + ' ' + x2.toFixed(1) + ',' + y2.toFixed(1);
  }

  function edgeTypeText(M, e) {
    return e.types.length > 1 ? e.types.length + (e.types.length >= 4 ? '+' : '') + ' types' : M.g.types[e.types[0]];
  }

  function drawScene(root, M, view, edges, lay) {
    while (root.firstChild) root.removeChild(root.firstChild);
    var gBoxes = svg('g', {}, root), gEdges = svg('g', {}, root), gLabels = svg('g', {}, root), gUnits = svg('g', {}, root);
    lay.boxes.forEach(function (b) {
      var t = M.tree[b.t];
      var grp = svg('g', { 'class': 'box' + (t.conflict === 2 ? ' conflict' : ''), 'data-box': b.t }, gBoxes);
      svg('rect', { x: b.x0, y: b.y0, width: b.x1 - b.x0, height: b.y1 - b.y0, rx: 8 }, grp);
      var room = Math.max(6, Math.floor((b.x1 - b.x0 - 18) / 6.8));
      svg('text', { x: b.x0 + 8, y: b.y0 + 14 }, grp).textContent = '\u25BE ' + clip(t.path, room);
    });
    var labels = edges.length <= LABEL_MAX_EDGES, detailed = edges.length <= DETAIL_MAX_EDGES;
    root.parentNode.classList.toggle('coarse', !detailed);
    edges.forEach(function (e, k) {
      var d = edgePath(lay, e);
      var color = e.types.length > 1 ? '#8c959f' : darker(M.g.colors[e.types[0]]);
      // Arrowheads and wide hover targets cost more to paint than the rest of a large view.
      var attrs = { 'class': 'edge', d: d, stroke: color, 'data-ev': k };
      if (detailed) attrs['marker-end'] = 'url(#tcnn-arrow)'; else attrs['data-e'] = k;
      svg('path', attrs, gEdges);
      if (detailed) svg('path', { 'class': 'edge-hit', d: d, 'data-e': k }, gEdges);
      if (labels) {
        var mx = (lay.x[e.u] + lay.x[e.v]) / 2 + 4, my = (lay.y[e.u] + lay.h[e.u] / 2 + lay.y[e.v] - lay.h[e.v] / 2) / 2 + 3;
        svg('text', { 'class': 'elabel', x: mx.toFixed(1), y: my.toFixed(1) }, gLabels).textContent = clip(edgeTypeText(M, e), 28);
      }
    });
    var tc = typeCounts(M, view);
    view.units.forEach(function (unit, u) { drawUnit(gUnits, M, unit, u, lay, tc); });
  }

  // ---- one graph view: state, side panel, interaction ---------------------------------

  function GraphView(host, M) {
    this.host = host; this.M = M;
    this.expanded = initialExpansion(M);
    this.tf = { x: 0, y: 0, k: 1 };
    this.highlight = null;  // Uint8Array over nodes, or null
    this.selected = -1;
    this.build();
  }

  GraphView.prototype.build = function () {
    var self = this, host = this.host;
    var bar = h('div', 'g-toolbar', null, host);
    function button(label, title, fn) {
      var b = h('button', 'btn', label, bar);
      b.type = 'button'; b.title = title;
      b.addEventListener('click', fn);
      return b;
    }
    button('Fit', 'fit the whole graph in view', function () { self.fit(true); });
    button('\u2212', 'zoom out', function () { self.zoomBy(1 / 1.25); });
    button('+', 'zoom in', function () { self.zoomBy(1.25); });
    button('Expand all', 'show every operation', function () { self.setAll(1); });
    button('Collapse all', 'one box per top-level module', function () { self.setAll(0); });
    this.labelBtn = button('Edge types', 'show the type on every edge (also shown when zoomed in)', function () {
      self.labelsForced = !self.labelsForced;
      self.labelBtn.classList.toggle('on', self.labelsForced);
      self.applyTransform();
    });
    this.search = h('input', null, null, bar);
    this.search.type = 'search';
    this.search.placeholder = 'Find op, module or type\u2026 (Enter reveals)';
    this.search.setAttribute('aria-label', 'find in graph');
    this.search.addEventListener('input', function () { self.onSearch(false); });
    this.search.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') self.onSearch(true); });
    this.status = h('span', 'g-status', '', bar);

    var body = h('div', 'g-body', null, host);
    this.canvas = h('div', 'g-canvas', null, body);
    this.svg = svg('svg', { role: 'img', 'aria-label': 'operation graph of ' + this.M.g.name }, this.canvas);
    this.viewport = svg('g', {}, this.svg);
    this.tip = h('div', 'g-tip', null, this.canvas);
    var side = h('div', 'g-side', null, body);
    this.details = h('div', 'g-details', null, side);
    h('div', 'muted', 'Click a module box to expand or collapse it; click an operation for details. Drag to pan, Ctrl+wheel or pinch to zoom.', this.details);
    this.buildKey(side);
    this.buildLegend(side);
    this.bindPointer();
  };

  GraphView.prototype.buildKey = function (side) {
    h('h4', null, 'Key', side);
    var key = h('div', 'g-key', null, side);
    function sample(cls, rx, hatch) {
      var s = svg('svg', { viewBox: '0 0 22 14' }, key);
      var grp = svg('g', { 'class': 'unit ' + cls }, s);
      svg('rect', { 'class': 'body', x: 1, y: 1, width: 20, height: 12, rx: rx, fill: cls.indexOf('module') >= 0 ? '#f6f8fa' : '#cfe3f7' }, grp);
      if (hatch) svg('rect', { 'class': 'hatch', x: 1, y: 1, width: 20, height: 12, rx: rx }, grp);
    }
    [['', 2, false, 'learnware op (colour = output type)'], ['firmware', 2, true, 'firmware op (depends on the state)'],
     ['', 6, false, 'input, output or parameter'], ['conflict', 2, false, 'conflicting operation'],
     ['on-violation', 2, false, 'on a violation\u2019s line'], ['module', 3, false, 'collapsed module']].forEach(function (r) {
      sample(r[0], r[1], r[2]);
      h('span', null, r[3], key);
    });
  };

  GraphView.prototype.buildLegend = function (side) {
    var self = this, g = this.M.g, counts = new Int32Array(g.types.length);
    for (var i = 0; i < this.M.n; i++) counts[g.type[i]]++;
    var order = [];
    for (var t = 0; t < counts.length; t++) if (counts[t]) order.push(t);
    order.sort(function (a, b) { return counts[b] - counts[a]; });
    h('h4', null, 'Types (' + order.length.toLocaleString() + ')', side);
    var rows = [];
    order.slice(0, 14).forEach(function (t) {
      var row = h('div', 'g-legend-row', null, side);
      row.title = g.types[t] + ' \u2014 click to highlight';
      var sw = h('span', 'sw', null, row);
      sw.style.background = g.colors[t];
      h('span', 'tn', g.types[t], row);
      h('span', 'ct', counts[t].toLocaleString(), row);
      row.addEventListener('click', function () {
        var on = !row.classList.contains('on');
        rows.forEach(function (r) { r.classList.remove('on'); });
        row.classList.toggle('on', on);
        self.setHighlight(on ? self.nodesWhere(function (i) { return g.type[i] === t; }) : null);
      });
      rows.push(row);
    });
    if (order.length > 14) h('div', 'muted', '\u2026 and ' + (order.length - 14).toLocaleString() + ' more (use Find)', side);
  };

  GraphView.prototype.nodesWhere = function (pred) {
    var mark = new Uint8Array(this.M.n), any = false;
    for (var i = 0; i < this.M.n; i++) if (pred(i)) { mark[i] = 1; any = true; }
    return any ? mark : mark;
  };

  GraphView.prototype.render = function (anchor) {
    var t0 = performance.now(), M = this.M;
    var before = anchor ? this.anchorPoint(anchor) : null;
    this.view = visibleUnits(M, this.expanded);
    this.edges = aggregateEdges(M, this.view);
    this.lay = layout(M, this.view, this.edges);
    var t1 = performance.now();
    drawScene(this.viewport, M, this.view, this.edges, this.lay);
    this.applyHighlight();
    if (before) {
      var after = this.anchorPoint(anchor);
      if (after) { this.tf.x += this.tf.k * (before.x - after.x); this.tf.y += this.tf.k * (before.y - after.y); }
      this.applyTransform();
    }
    var ops = 0;
    this.view.units.forEach(function (u) { if (!u.module) ops++; });
    this.status.textContent = ops.toLocaleString() + ' of ' + M.n.toLocaleString() + ' operations shown \u00B7 ' +
      (this.view.units.length - ops).toLocaleString() + ' collapsed modules \u00B7 ' + this.edges.length.toLocaleString() + ' edges';
    var ms = performance.now() - t0;
    window.__tcnnRenders.push({ model: this.host.getAttribute('data-model'), units: this.view.units.length, ms: ms, layoutMs: t1 - t0 });
  };

  /** Where module t is drawn now (its box if expanded, its unit if collapsed), top-left. */
  GraphView.prototype.anchorPoint = function (t) {
    if (!this.lay) return null;
    for (var i = 0; i < this.lay.boxes.length; i++) if (this.lay.boxes[i].t === t) return { x: this.lay.boxes[i].x0, y: this.lay.boxes[i].y0 };
    var u = this.view.modUnit[t];
    if (u >= 0 && this.view.units[u] && this.view.units[u].module && this.view.units[u].idx === t) {
      return { x: this.lay.x[u] - this.lay.w[u] / 2, y: this.lay.y[u] - this.lay.h[u] / 2 };
    }
    return null;
  };

  GraphView.prototype.toggle = function (t) {
    if (t <= 0) return;
    this.expanded[t] = this.expanded[t] ? 0 : 1;
    this.render(t);
  };

  GraphView.prototype.setAll = function (value) {
    this.expanded.fill(value);
    this.expanded[0] = 1;
    this.render();
    this.fit(false);
  };

  /** Open every module that contains a marked node, so the marked nodes become visible. */
  GraphView.prototype.reveal = function (mark) {
    for (var i = 0; i < this.M.n; i++) {
      if (!mark[i]) continue;
      for (var t = this.M.nodeTid[i]; t > 0; t = this.M.tree[t].parent) this.expanded[t] = 1;
    }
  };

  GraphView.prototype.setHighlight = function (mark) {
    this.highlight = mark;
    this.applyHighlight();
  };

  GraphView.prototype.applyHighlight = function () {
    var mark = this.highlight, unitOf = this.view.unitOf, hit = new Uint8Array(this.view.units.length), count = 0;
    if (mark) for (var i = 0; i < this.M.n; i++) if (mark[i]) { hit[unitOf[i]] = 1; count++; }
    this.svg.classList.toggle('dim', !!mark);
    var nodes = this.viewport.querySelectorAll('g.unit');
    for (var k = 0; k < nodes.length; k++) {
      var u = +nodes[k].getAttribute('data-u');
      nodes[k].classList.toggle('match', !!hit[u]);
      var unit = this.view.units[u];
      nodes[k].classList.toggle('selected', !unit.module && unit.idx === this.selected);
    }
    return count;
  };

  GraphView.prototype.focusMarked = function (mark) {
    var lay = this.lay, b = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
    for (var i = 0; i < this.M.n; i++) {
      if (!mark[i]) continue;
      var u = this.view.unitOf[i];
      b.x0 = Math.min(b.x0, lay.x[u] - lay.w[u] / 2); b.x1 = Math.max(b.x1, lay.x[u] + lay.w[u] / 2);
      b.y0 = Math.min(b.y0, lay.y[u] - lay.h[u] / 2); b.y1 = Math.max(b.y1, lay.y[u] + lay.h[u] / 2);
    }
    if (isFinite(b.x0)) this.fitBox({ x0: b.x0 - 60, y0: b.y0 - 60, x1: b.x1 + 60, y1: b.y1 + 60 }, 1.2);
  };

  GraphView.prototype.showViolation = function (j) {
    var list = this.M.g.violations[j] || [], mark = new Uint8Array(this.M.n);
    list.forEach(function (i) { mark[i] = 1; });
    if (!list.length) { this.status.textContent = 'no graph node is located on this violation\u2019s lines'; return; }
    this.reveal(mark);
    this.render();
    this.setHighlight(mark);
    this.focusMarked(mark);
  };

  GraphView.prototype.onSearch = function (reveal) {
    var q = this.search.value.trim().toLowerCase(), g = this.M.g, M = this.M;
    if (!q) { this.setHighlight(null); return; }
    var mark = this.nodesWhere(function (i) {
      return g.ids[i].toLowerCase().indexOf(q) >= 0 || g.ops[g.op[i]].toLowerCase().indexOf(q) >= 0 ||
        g.modules[g.mod[i]].toLowerCase().indexOf(q) >= 0 || g.types[g.type[i]].toLowerCase().indexOf(q) >= 0;
    });
    var count = 0;
    for (var i = 0; i < M.n; i++) count += mark[i];
    if (reveal && count && count <= 400) { this.reveal(mark); this.render(); }
    this.setHighlight(mark);
    if (reveal && count) this.focusMarked(mark);
    this.status.textContent = count.toLocaleString() + ' matching operations' + (count > 400 && reveal ? ' (too many to expand; refine the search)' : '');
  };

  GraphView.prototype.describe = function (u) {
    var unit = this.view.units[u], g = this.M.g;
    if (unit.module) {
      var t = this.M.tree[unit.idx];
      return [['module', t.path], ['operations', t.size.toLocaleString()], ['firmware ops', t.firmware.toLocaleString()],
              ['conflict', t.conflict === 2 ? 'yes' : t.conflict === 1 ? 'on a violation line' : 'no']];
    }
    var i = unit.idx, loc = g.locPath[i] >= 0 ? g.paths[g.locPath[i]] + ':' + g.locLine[i] : '\u2014';
    return [['node', g.ids[i]], ['op', g.ops[g.op[i]]], ['kind', g.kinds[g.kind[i]]], ['module', g.modules[g.mod[i]] || '(root)'],
            ['type', g.types[g.type[i]]], ['role', g.roles[g.role[i]]], ['location', loc],
            ['conflict', this.M.mark[i] === 2 ? 'yes' : this.M.mark[i] === 1 ? 'on a violation line' : 'no']];
  };

  GraphView.prototype.showDetails = function (u) {
    var d = this.details;
    while (d.firstChild) d.removeChild(d.firstChild);
    h('h4', null, 'Selected', d);
    var dl = h('dl', null, null, d);
    this.describe(u).forEach(function (row) { h('dt', null, row[0], dl); h('dd', null, row[1], dl); });
  };

  GraphView.prototype.edgeTip = function (k) {
    var e = this.edges[k], M = this.M, self = this;
    var name = function (u) { var unit = self.view.units[u]; return unit.module ? M.tree[unit.idx].path : M.g.ids[unit.idx]; };
    var types = e.types.map(function (t) { return M.g.types[t]; }).join('\n  ');
    return name(e.u) + ' \u2192 ' + name(e.v) + (e.count > 1 ? '  (' + e.count + ' edges)' : '') + '\ntype: ' + types;
  };

  GraphView.prototype.bindPointer = function () {
    var self = this, canvas = this.canvas, drag = null;
    canvas.addEventListener('pointerdown', function (ev) {
      if (ev.button !== 0) return;
      drag = { x: ev.clientX, y: ev.clientY, tx: self.tf.x, ty: self.tf.y, moved: false };
    });
    window.addEventListener('pointermove', function (ev) {
      if (!drag) return;
      var dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
      if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
      drag.moved = true;
      canvas.classList.add('dragging');
      self.tf.x = drag.tx + dx; self.tf.y = drag.ty + dy;
      self.applyTransform();
    });
    window.addEventListener('pointerup', function () {
      if (drag && drag.moved) self.suppressClick = true;
      drag = null;
      canvas.classList.remove('dragging');
    });
    canvas.addEventListener('click', function (ev) {
      if (self.suppressClick) { self.suppressClick = false; return; }
      var box = ev.target.closest('[data-box]');
      if (box) { self.toggle(+box.getAttribute('data-box')); return; }
      var unitEl = ev.target.closest('[data-u]');
      if (!unitEl) return;
      var u = +unitEl.getAttribute('data-u'), unit = self.view.units[u];
      if (unit.module) { self.toggle(unit.idx); return; }
      self.selected = unit.idx;
      self.showDetails(u);
      self.applyHighlight();
    });
    canvas.addEventListener('wheel', function (ev) {
      ev.preventDefault();
      if (ev.ctrlKey || ev.metaKey) {
        var r = canvas.getBoundingClientRect();
        self.zoomAt(Math.exp(-ev.deltaY * 0.01), ev.clientX - r.left, ev.clientY - r.top);
      } else {
        self.tf.x -= ev.shiftKey ? ev.deltaY : ev.deltaX;
        self.tf.y -= ev.shiftKey ? 0 : ev.deltaY;
        self.applyTransform();
      }
    }, { passive: false });
    canvas.addEventListener('mousemove', function (ev) {
      var r = canvas.getBoundingClientRect(), text = null, hit = ev.target;
      if (self.hoverEdge) { self.hoverEdge.classList.remove('hover'); self.hoverEdge = null; }
      var edge = hit.closest('[data-e]'), unitEl = hit.closest('[data-u]');
      if (unitEl) {
        text = self.describe(+unitEl.getAttribute('data-u')).map(function (row) { return row[0] + ': ' + row[1]; }).join('\n');
      } else if (edge) {
        var k = edge.getAttribute('data-e');
        text = self.edgeTip(+k);
        self.hoverEdge = self.viewport.querySelector('[data-ev="' + k + '"]');
        if (self.hoverEdge) self.hoverEdge.classList.add('hover');
      } else if (hit.closest('[data-box]')) {
        text = 'click to collapse ' + self.M.tree[+hit.closest('[data-box]').getAttribute('data-box')].path;
      }
      self.tip.style.display = text ? 'block' : 'none';
      if (text) {
        self.tip.textContent = text;
        self.tip.style.left = Math.min(ev.clientX - r.left + 14, r.width - 300) + 'px';
        self.tip.style.top = (ev.clientY - r.top + 14) + 'px';
      }
    });
    canvas.addEventListener('mouseleave', function () { self.tip.style.display = 'none'; });
  };

  GraphView.prototype.applyTransform = function () {
    var tf = this.tf;
    this.viewport.setAttribute('transform', 'translate(' + tf.x.toFixed(1) + ',' + tf.y.toFixed(1) + ') scale(' + tf.k.toFixed(4) + ')');
    this.svg.classList.toggle('show-labels', !!this.labelsForced || tf.k >= LABEL_ZOOM);
  };

  GraphView.prototype.zoomAt = function (factor, cx, cy) {
    var k = Math.min(4, Math.max(0.02, this.tf.k * factor));
    factor = k / this.tf.k;
    this.tf.x = cx - (cx - this.tf.x) * factor;
    this.tf.y = cy - (cy - this.tf.y) * factor;
    this.tf.k = k;
    this.applyTransform();
  };

  GraphView.prototype.zoomBy = function (factor) {
    var r = this.canvas.getBoundingClientRect();
    this.zoomAt(factor, r.width / 2, r.height / 2);
  };

  GraphView.prototype.fitBox = function (b, maxK) {
    var r = this.canvas.getBoundingClientRect(), W = r.width || 800, H = r.height || 600;
    var k = Math.min(maxK, (W - 40) / (b.x1 - b.x0), (H - 40) / (b.y1 - b.y0));
    this.tf.k = k;
    this.tf.x = W / 2 - k * (b.x0 + b.x1) / 2;
    this.tf.y = H / 2 - k * (b.y0 + b.y1) / 2;
    this.applyTransform();
  };

  /** Fit everything; for a tall graph on first show, fit the width and start at the top. */
  GraphView.prototype.fit = function (whole) {
    var b = bounds(this.lay);
    this.fitBox(b, 1.1);
    if (!whole && this.tf.k < 0.7) {
      var r = this.canvas.getBoundingClientRect(), W = r.width || 800;
      var k = Math.min(1.1, Math.max(0.7, (W - 40) / (b.x1 - b.x0)));
      this.tf.k = k;
      this.tf.x = W / 2 - k * (b.x0 + b.x1) / 2;
      this.tf.y = 20 - k * b.y0;
      this.applyTransform();
    }
  };

  // ---- page wiring --------------------------------------------------------------------

  function main() {
    var data = JSON.parse(document.getElementById('tcnn-data').textContent);
    installDefs();
    var views = new Map(), hosts = Array.prototype.slice.call(document.querySelectorAll('.graph[data-model]'));

    function ensure(host) {
      var idx = +host.getAttribute('data-model');
      if (views.has(idx)) return views.get(idx);
      var g = data.models[idx];
      if (!g) return null;
      while (host.firstChild) host.removeChild(host.firstChild);
      if (!g.ids.length) { h('div', 'g-empty', 'The graph is empty.', host); views.set(idx, null); return null; }
      var view = new GraphView(host, prepare(g));
      views.set(idx, view);
      view.render();
      view.fit(false);
      if (window.__tcnnReady === undefined) window.__tcnnReady = performance.now();
      return view;
    }

    document.addEventListener('click', function (ev) {
      var btn = ev.target.closest('.show-in-graph');
      if (!btn) return;
      var host = document.querySelector('.graph[data-model="' + btn.getAttribute('data-model') + '"]');
      var view = host && ensure(host);
      if (!view) return;
      host.scrollIntoView({ behavior: 'smooth', block: 'center' });
      view.showViolation(+btn.getAttribute('data-violation'));
    });

    if (hosts.length) ensure(hosts[0]);
    if ('IntersectionObserver' in window) {
      var io = new IntersectionObserver(function (entries) {
        entries.forEach(function (en) { if (en.isIntersecting) { ensure(en.target); io.unobserve(en.target); } });
      }, { rootMargin: '300px' });
      hosts.slice(1).forEach(function (host) { io.observe(host); });
    } else {
      hosts.forEach(ensure);
    }
    window.__tcnnViews = views;
    if (window.__tcnnReady === undefined) window.__tcnnReady = performance.now();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
  else main();
})();
