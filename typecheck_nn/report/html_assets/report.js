/* typecheck-nn HTML report: the interactive graph. SVG drawn by hand, laid out by ELK.
 *
 * The graph can have tens of thousands of operations, so it is drawn collapsed by nn.Module:
 * only the visible items (ops of expanded modules and collapsed modules as single nodes) are
 * laid out. The layout is the Eclipse Layout Kernel's layered algorithm (elkjs, vendored and
 * inlined as inert text), which lays out nested subgraphs: each expanded module is a
 * compound node, so its frame contains exactly its ops and frames never overlap. ELK runs in
 * a Web Worker made from that text, so the page stays responsive while it works; where a
 * worker cannot start, it runs in the page.
 *
 * For a recurrent model the folded view draws each source operation once (its unrolled
 * copies merged, with the step count), learnware and firmware in separate frames, and the
 * state's way back into the next step as a back-edge, as the paper draws T-RNNs.
 *
 * Every string from the user's model is inserted with textContent, never as markup.
 */
(function () {
  'use strict';

  var SVGNS = 'http://www.w3.org/2000/svg';
  var MOD_W = 176, MOD_H = 46, ROW_H = 15, HEAD_H = 22, PAD_X = 10;
  var FRAME_PAD = '[top=28,left=14,bottom=14,right=14]';
  var VISIBLE_BUDGET = 60, LABEL_ZOOM = 1.0, LABEL_MAX_EDGES = 3000, DETAIL_MAX_EDGES = 1500;
  var MAX_ATTRS = 4, MAX_RANKS = 16, EXPAND_ALL_LIMIT = 1500;
  var LAYOUT_OPTIONS = {
    'elk.algorithm': 'layered',
    'elk.direction': 'DOWN',
    'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
    'elk.edgeRouting': 'SPLINES',
    'elk.layered.thoroughness': '1',  // a third of the time of the default 7, same drawing here
    'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
    'elk.spacing.nodeNode': '18',
    'elk.layered.spacing.nodeNodeBetweenLayers': '26',
    'elk.spacing.edgeNode': '12',
    'elk.spacing.componentComponent': '28',
    'elk.json.edgeCoords': 'ROOT',
    'elk.json.shapeCoords': 'ROOT'
  };

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
    var m = /hsl\((\d+),(\d+)%,(\d+)%\)/.exec(color || '');
    return m ? 'hsl(' + m[1] + ',' + m[2] + '%,' + Math.max(25, +m[3] - 34) + '%)' : '#8c959f';
  }

  var measureCtx = null;
  function textWidth(text, font) {
    if (!measureCtx) measureCtx = document.createElement('canvas').getContext('2d');
    measureCtx.font = font;
    return measureCtx.measureText(text).width;
  }
  var FONT_OP = '600 11px -apple-system, "Segoe UI", Helvetica, Arial, sans-serif';
  var FONT_MONO = '10px ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace';

  // ---- the layout engine: ELK in a worker made from the inlined bundle ----------------

  /** One ELK per page. layout(graph) -> Promise of the laid-out graph. */
  function LayoutEngine() {
    this.pending = {};
    this.nextId = 1;
    this.inPage = null;
    this.worker = null;
    var src = document.getElementById('tcnn-elk');
    this.source = src ? src.textContent : '';
    try {
      // The bundle loads its worker half on first use: constructing one ELK inside the
      // worker does that, and that half then answers this page's messages.
      var boot = '\n;(function () { if (self.ELK) new self.ELK(); })();\n';
      var url = URL.createObjectURL(new Blob([this.source, boot], { type: 'text/javascript' }));
      this.worker = new Worker(url);
      var self = this;
      this.worker.onmessage = function (ev) { self.receive(ev.data); };
      this.worker.onerror = function (ev) { ev.preventDefault(); self.fallBack(); };
      this.worker.postMessage({ id: 0, cmd: 'register', algorithms: ['layered'] });
    } catch (e) {
      this.worker = null;
    }
  }

  LayoutEngine.prototype.receive = function (msg) {
    var p = this.pending[msg.id];
    if (!p) return;
    delete this.pending[msg.id];
    if (msg.error) p.reject(new Error('layout failed: ' + (msg.error.message || msg.error)));
    else p.resolve(msg.data);
  };

  /** The worker could not start: run ELK in the page and redo what was waiting. */
  LayoutEngine.prototype.fallBack = function () {
    if (this.worker) { this.worker.terminate(); this.worker = null; }
    var waiting = this.pending, self = this;
    this.pending = {};
    Object.keys(waiting).forEach(function (id) {
      self.layoutInPage(waiting[id].graph).then(waiting[id].resolve, waiting[id].reject);
    });
  };

  LayoutEngine.prototype.layoutInPage = function (graph) {
    if (!this.inPage) {
      if (!window.ELK) {
        var s = document.createElement('script');
        s.textContent = this.source;
        document.head.appendChild(s);
      }
      this.inPage = new window.ELK();
    }
    return this.inPage.layout(graph);
  };

  LayoutEngine.prototype.layout = function (graph) {
    if (!this.worker) return this.layoutInPage(graph);
    var id = this.nextId++, self = this;
    return new Promise(function (resolve, reject) {
      self.pending[id] = { resolve: resolve, reject: reject, graph: graph };
      self.worker.postMessage({ id: id, cmd: 'layout', graph: graph, layoutOptions: {}, options: {} });
    });
  };

  var engine = null;
  function layoutEngine() { if (!engine) engine = new LayoutEngine(); return engine; }

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
    var nodeTid = new Int32Array(n), mark = new Uint8Array(n), firmware = 0;
    g.violations.forEach(function (list) { list.forEach(function (i) { mark[i] = Math.max(mark[i], 1); }); });
    g.conflict.forEach(function (i) { mark[i] = 2; });
    for (var i = 0; i < n; i++) {
      var t = nodeTid[i] = modTid[g.mod[i]];
      var fw = g.roles[g.role[i]] === 'firmware' ? 1 : 0;
      firmware += fw;
      for (; t >= 0; t = tree[t].parent) {
        tree[t].size++;
        tree[t].firmware += fw;
        if (mark[i] > tree[t].conflict) tree[t].conflict = mark[i];
      }
    }
    var attrs = [];
    for (i = 0; i < n; i++) attrs.push(null);
    g.attrs.forEach(function (a) { (attrs[a[0]] = attrs[a[0]] || []).push(a); });
    // which types each value type holds, for "highlight every edge of this type"
    var maxDepth = 0;
    tree.forEach(function (t) { if (t.depth > maxDepth) maxDepth = t.depth; });
    var vtText = g.vtypes.map(function (v) { return '[' + v.map(function (t) { return g.types[t]; }).join(', ') + ']'; });
    return { g: g, n: n, tree: tree, nodeTid: nodeTid, mark: mark, maxDepth: maxDepth, attrs: attrs,
             firmware: firmware, vtText: vtText };
  }

  // ---- what is visible ----------------------------------------------------------------

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

  /** Module view: ops of expanded modules and collapsed modules, in first-use order.
   *  Each unit knows its frame (the innermost expanded module around it, 0 = none). */
  function moduleUnits(M, expanded) {
    var rep = representatives(M, expanded), n = M.n;
    var unitOf = new Int32Array(n), modUnit = new Int32Array(M.tree.length).fill(-1), units = [];
    for (var i = 0; i < n; i++) {
      var r = rep[M.nodeTid[i]];
      if (r === -1) {
        unitOf[i] = units.length;
        units.push({ module: false, idx: i, members: 1, frame: 'm' + M.nodeTid[i] });
      } else {
        if (modUnit[r] === -1) { modUnit[r] = units.length; units.push({ module: true, idx: r, members: M.tree[r].size, frame: 'm' + M.tree[r].parent }); }
        unitOf[i] = modUnit[r];
      }
    }
    var frames = {};  // frame id -> {parent, label, t}
    for (var t = 1; t < M.tree.length; t++) {
      if (rep[t] !== -1) continue;
      frames['m' + t] = { parent: 'm' + M.tree[t].parent, label: M.tree[t].path, t: t, conflict: M.tree[t].conflict === 2 };
    }
    units.forEach(function (u) { if (u.frame === 'm0') u.frame = null; });
    Object.keys(frames).forEach(function (f) { if (frames[f].parent === 'm0') frames[f].parent = null; });
    return { units: units, unitOf: unitOf, modUnit: modUnit, frames: frames, folded: false };
  }

  /** Folded view: the unrolled copies of each source operation are one unit; learnware and
   *  firmware sit in their own frames. Inputs, outputs and one-off ops stay outside. */
  function foldedUnits(M) {
    var g = M.g, n = M.n, unitOf = new Int32Array(n), bySite = new Map(), units = [];
    for (var i = 0; i < n; i++) {
      var s = g.site[i], u = s >= 0 ? bySite.get(s) : undefined;
      if (u === undefined) {
        u = units.length;
        units.push({ module: false, idx: i, members: 0, firmware: 0, frame: null });
        if (s >= 0) bySite.set(s, u);
      }
      units[u].members++;
      if (g.roles[g.role[i]] === 'firmware') units[u].firmware++;
      unitOf[i] = u;
    }
    units.forEach(function (u) {
      var kind = g.kinds[g.kind[u.idx]];
      if (kind !== 'op') return;
      u.frame = u.firmware ? 'firmware' : (u.members > 1 ? 'learnware' : null);
    });
    var frames = {
      learnware: { parent: null, label: 'learnware \u2014 every step at once (parallel over time)', t: -1 },
      firmware: { parent: null, label: 'firmware \u2014 the recurrence, one step per iteration', t: -1 }
    };
    return { units: units, unitOf: unitOf, modUnit: new Int32Array(M.tree.length).fill(-1), frames: frames, folded: true };
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

  /** Ranks of the longest path through the visible units (a cycle between collapsed
   *  modules is cut where Kahn's order stalls): how tall the drawing will be. */
  function longestPath(M, expanded) {
    var view = moduleUnits(M, expanded), edges = aggregateEdges(M, view), U = view.units.length;
    var indeg = new Int32Array(U), out = [], rank = new Int32Array(U), queue = [], best = 0;
    for (var u = 0; u < U; u++) out.push([]);
    edges.forEach(function (e) { out[e.u].push(e.v); indeg[e.v]++; });
    for (u = 0; u < U; u++) if (!indeg[u]) queue.push(u);
    for (var head = 0; head < queue.length; head++) {
      var x = queue[head];
      if (rank[x] > best) best = rank[x];
      out[x].forEach(function (v) { if (rank[x] + 1 > rank[v]) rank[v] = rank[x] + 1; if (--indeg[v] === 0) queue.push(v); });
    }
    return best + 1;
  }

  /** Open whole levels of the module tree while the view stays legible when fitted: under
   *  VISIBLE_BUDGET items and MAX_RANKS deep. The first level is always open. */
  /** A module of one op is drawn as that op in its frame: collapsing it would hide nothing. */
  function openTrivial(M, expanded) {
    M.tree.forEach(function (t, i) { if (t.size <= 1) expanded[i] = 1; });
    expanded[0] = 1;
    return expanded;
  }

  function initialExpansion(M) {
    var expanded = openTrivial(M, new Uint8Array(M.tree.length));
    for (var d = 1; d <= M.maxDepth; d++) {
      var trial = expanded.slice();
      M.tree.forEach(function (t, i) { if (t.depth === d) trial[i] = 1; });
      if (d > 1 && (countVisible(M, trial) > VISIBLE_BUDGET || longestPath(M, trial) > MAX_RANKS)) break;
      expanded = trial;
    }
    return expanded;
  }

  /** Edges between visible units, merged per pair; `types` holds up to a few value types. */
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

  // ---- node sizes and the ELK graph ---------------------------------------------------

  function shapeOf(M, i) { return M.g.shapes[M.g.shape[i]] || ''; }

  function attrLabel(M, a) {
    var name = a[1], cut = name.lastIndexOf('.');
    return (cut >= 0 ? name.slice(cut + 1) : name) + ' \u27E8' + a[2] + '\u27E9';
  }

  function opTitle(M, unit) {
    var g = M.g, i = unit.idx, kind = g.kinds[g.kind[i]], op = g.ops[g.op[i]];
    var title = kind === 'op' ? shortOp(op) : (kind === 'input' || kind === 'output') ? g.ids[i] : op;
    return unit.members > 1 ? title + '  \u00D7' + unit.members : title;
  }

  /** Width and height of a unit as drawn: title, shape, and up to MAX_ATTRS attributes. */
  function unitSize(M, unit) {
    if (unit.module) {
      var t = M.tree[unit.idx];
      return { w: Math.max(MOD_W, textWidth('\u25B8 ' + t.name, FONT_OP) + 2 * PAD_X + 4), h: MOD_H };
    }
    var i = unit.idx, rows = [shapeOf(M, i)], attrs = M.attrs[i] || [];
    attrs.slice(0, MAX_ATTRS).forEach(function (a) { rows.push(attrLabel(M, a)); });
    if (attrs.length > MAX_ATTRS) rows.push('+' + (attrs.length - MAX_ATTRS) + ' more');
    var w = textWidth(opTitle(M, unit), FONT_OP);
    rows.forEach(function (r) { w = Math.max(w, textWidth(r, FONT_MONO)); });
    var body = rows.filter(function (r) { return r; }).length;
    return { w: Math.min(260, Math.max(84, w + 2 * PAD_X + 6)), h: HEAD_H + body * ROW_H + (body ? 4 : 0) };
  }

  function elkGraph(M, view, edges) {
    var root = { id: 'root', layoutOptions: LAYOUT_OPTIONS, children: [], edges: [] };
    var containers = { };
    function container(f) {
      if (!f) return root;
      var c = containers[f];
      if (c) return c;
      var frame = view.frames[f];
      c = containers[f] = { id: 'f:' + f, layoutOptions: { 'elk.padding': FRAME_PAD }, children: [] };
      container(frame ? frame.parent : null).children.push(c);
      return c;
    }
    var sizes = [];
    view.units.forEach(function (unit, u) {
      var s = unitSize(M, unit);
      sizes.push(s);
      container(unit.frame).children.push({ id: 'u' + u, width: Math.round(s.w), height: s.h });
    });
    edges.forEach(function (e, k) { root.edges.push({ id: 'e' + k, sources: ['u' + e.u], targets: ['u' + e.v] }); });
    return { graph: root, sizes: sizes };
  }

  /** Flatten ELK's answer: unit boxes, frame boxes (outermost first), edge paths. */
  function readLayout(view, edges, out) {
    var U = view.units.length, x = new Float64Array(U), y = new Float64Array(U), w = new Float64Array(U), hh = new Float64Array(U);
    var boxes = [], paths = new Array(edges.length);
    function visit(node, depth) {
      (node.children || []).forEach(function (c) {
        if (c.id.charAt(0) === 'u') {
          var u = +c.id.slice(1);
          w[u] = c.width; hh[u] = c.height; x[u] = c.x + c.width / 2; y[u] = c.y + c.height / 2;
        } else {
          var f = c.id.slice(2);
          boxes.push({ f: f, depth: depth, x0: c.x, y0: c.y, x1: c.x + c.width, y1: c.y + c.height });
        }
        visit(c, depth + 1);
      });
      (node.edges || []).forEach(function (e) {
        var k = +e.id.slice(1), s = e.sections && e.sections[0];
        if (s) paths[k] = [s.startPoint].concat(s.bendPoints || [], [s.endPoint]);
      });
    }
    visit(out, 0);
    boxes.sort(function (a, b) { return a.depth - b.depth; });
    return { U: U, x: x, y: y, w: w, h: hh, boxes: boxes, paths: paths, width: out.width || 0, height: out.height || 0 };
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
    svg('path', { d: 'M0,1 L9,5 L0,9 z', fill: '#6e7781' }, arrow);
  }

  function typeCounts(M, view) {
    var per = new Map(), g = M.g;
    for (var i = 0; i < M.n; i++) {
      var u = view.unitOf[i];
      if (!view.units[u].module || g.kt[i] < 0) continue;
      var m = per.get(u);
      if (!m) { m = new Map(); per.set(u, m); }
      m.set(g.kt[i], (m.get(g.kt[i]) || 0) + 1);
    }
    return per;
  }

  function drawModuleUnit(grp, M, unit, w, hh, tc, u) {
    var t = M.tree[unit.idx], g = M.g, cls = ' module';
    if (t.firmware * 2 >= t.size) cls += ' firmware';
    svg('rect', { 'class': 'body', x: -w / 2, y: -hh / 2, width: w, height: hh, rx: 6 }, grp);
    var counts = Array.from(tc.get(u) || []).sort(function (a, b) { return b[1] - a[1]; }).slice(0, 6);
    var total = 0, sx = -w / 2 + 1;
    counts.forEach(function (p) { total += p[1]; });
    counts.forEach(function (pair) {
      var sw = (w - 2) * pair[1] / total;
      svg('rect', { x: sx, y: hh / 2 - 6, width: Math.max(sw, 0.5), height: 5, fill: g.colors[pair[0]] }, grp);
      sx += sw;
    });
    if (t.firmware * 2 >= t.size) svg('rect', { 'class': 'hatch', x: -w / 2, y: -hh / 2, width: 12, height: hh, rx: 6 }, grp);
    svg('text', { 'class': 'title', x: -w / 2 + PAD_X, y: -4 }, grp).textContent = '\u25B8 ' + t.name;
    svg('text', { 'class': 'sub', x: -w / 2 + PAD_X, y: 11 }, grp).textContent = t.size.toLocaleString() + ' ops \u00B7 click to expand';
    return cls;
  }

  /** An op as Netron draws it: a coloured title bar (op), then output shape and attributes. */
  function drawOpUnit(grp, M, unit, w, hh) {
    var g = M.g, i = unit.idx, kind = g.kinds[g.kind[i]], cls = '';
    var color = g.kt[i] >= 0 ? g.colors[g.kt[i]] : '#eaeef2';
    if (kind !== 'op') cls += ' io';
    var rx = kind === 'op' ? 4 : 10;
    svg('rect', { 'class': 'body', x: -w / 2, y: -hh / 2, width: w, height: hh, rx: rx }, grp);
    svg('rect', { 'class': 'head', x: -w / 2, y: -hh / 2, width: w, height: Math.min(HEAD_H, hh), rx: rx, fill: color }, grp);
    if (hh > HEAD_H) svg('rect', { 'class': 'head-fill', x: -w / 2, y: -hh / 2 + HEAD_H - rx, width: w, height: rx, fill: color }, grp);
    var fw = unit.folded ? unit.firmware > 0 : g.roles[g.role[i]] === 'firmware';
    if (fw) { cls += ' firmware'; svg('rect', { 'class': 'hatch', x: -w / 2, y: -hh / 2, width: 10, height: hh, rx: rx }, grp); }
    svg('text', { 'class': 'title', x: -w / 2 + PAD_X + (fw ? 4 : 0), y: -hh / 2 + 15 }, grp).textContent = opTitle(M, unit);
    var y = -hh / 2 + HEAD_H + ROW_H - 3, shape = shapeOf(M, i);
    if (shape) { svg('text', { 'class': 'shape', x: -w / 2 + PAD_X + (fw ? 4 : 0), y: y }, grp).textContent = shape; y += ROW_H; }
    var attrs = M.attrs[i] || [];
    attrs.slice(0, MAX_ATTRS).forEach(function (a) {
      svg('text', { 'class': 'attr' + (a[4] ? ' buffer' : ''), x: -w / 2 + PAD_X + (fw ? 4 : 0), y: y }, grp).textContent = attrLabel(M, a);
      y += ROW_H;
    });
    if (attrs.length > MAX_ATTRS) svg('text', { 'class': 'attr buffer', x: -w / 2 + PAD_X, y: y }, grp).textContent = '+' + (attrs.length - MAX_ATTRS) + ' more';
    var mark = unit.folded ? unit.mark : M.mark[i];
    if (mark === 2) cls += ' conflict'; else if (mark === 1) cls += ' on-violation';
    return cls;
  }

  function pathData(pts) {
    if (!pts || pts.length < 2) return '';
    var f = function (p) { return p.x.toFixed(1) + ',' + p.y.toFixed(1); };
    var d = 'M' + f(pts[0]);
    if ((pts.length - 1) % 3 === 0 && pts.length > 2) {
      for (var i = 1; i < pts.length; i += 3) d += ' C' + f(pts[i]) + ' ' + f(pts[i + 1]) + ' ' + f(pts[i + 2]);
    } else {
      for (var j = 1; j < pts.length; j++) d += ' L' + f(pts[j]);
    }
    return d;
  }

  function edgeTypeText(M, e) {
    if (e.types.length > 1) return e.types.length + (e.types.length >= 4 ? '+' : '') + ' types';
    var v = M.g.vtypes[e.types[0]] || [];
    return v.length ? M.g.types[keyOfVtype(M, e.types[0])] : '';
  }

  /** The telling axis of a value type (as the payload's kt for nodes): matrix/sum/product, else last. */
  function keyOfVtype(M, vt) {
    var v = M.g.vtypes[vt] || [], best = -1;
    for (var k = 0; k < v.length; k++) {
      var name = M.g.types[v[k]];
      if (/^(cod|dom)\(|\u2295|\u2297/.test(name)) best = v[k];
    }
    return best >= 0 ? best : (v.length ? v[v.length - 1] : -1);
  }

  function drawScene(root, M, view, edges, lay) {
    while (root.firstChild) root.removeChild(root.firstChild);
    var gBoxes = svg('g', {}, root), gEdges = svg('g', {}, root), gLabels = svg('g', {}, root), gUnits = svg('g', {}, root);
    lay.boxes.forEach(function (b) {
      var frame = view.frames[b.f] || { label: b.f, t: -1 };
      var cls = 'box' + (frame.conflict ? ' conflict' : '') + (view.folded ? ' role-' + b.f : '');
      var grp = svg('g', { 'class': cls, 'data-frame': frame.label }, gBoxes);
      if (frame.t > 0) grp.setAttribute('data-box', frame.t);
      svg('rect', { x: b.x0, y: b.y0, width: b.x1 - b.x0, height: b.y1 - b.y0, rx: 8 }, grp);
      var room = Math.max(6, Math.floor((b.x1 - b.x0 - 18) / 6.8));
      svg('text', { x: b.x0 + 8, y: b.y0 + 16 }, grp).textContent = (frame.t > 0 ? '\u25BE ' : '') + clip(frame.label, room);
    });
    var labels = edges.length <= LABEL_MAX_EDGES, detailed = edges.length <= DETAIL_MAX_EDGES;
    root.parentNode.classList.toggle('coarse', !detailed);
    edges.forEach(function (e, k) {
      var pts = lay.paths[k];
      if (!pts) return;
      var d = pathData(pts), kt = e.types.length === 1 ? keyOfVtype(M, e.types[0]) : -1;
      var back = pts[pts.length - 1].y < pts[0].y - 1;  // drawn upward: the state fed back
      var color = back ? '#8250df' : kt >= 0 ? darker(M.g.colors[kt]) : '#8c959f';
      var attrs = { 'class': 'edge' + (back ? ' back' : ''), d: d, stroke: color, 'data-ev': k };
      if (detailed) attrs['marker-end'] = 'url(#tcnn-arrow)'; else attrs['data-e'] = k;
      svg('path', attrs, gEdges);
      if (detailed) svg('path', { 'class': 'edge-hit', d: d, 'data-e': k }, gEdges);
      if (labels) {
        var mid = pts[Math.floor(pts.length / 2)];
        var text = (back ? 'next step: ' : '') + edgeTypeText(M, e);
        svg('text', { 'class': 'elabel', x: (mid.x + 5).toFixed(1), y: (mid.y + 3).toFixed(1) }, gLabels).textContent = clip(text, 30);
      }
    });
    var tc = typeCounts(M, view);
    view.units.forEach(function (unit, u) {
      var w = lay.w[u], hh = lay.h[u];
      var grp = svg('g', { 'data-u': u, transform: 'translate(' + lay.x[u].toFixed(1) + ',' + lay.y[u].toFixed(1) + ')' }, gUnits);
      var cls = 'unit' + (unit.module ? drawModuleUnit(grp, M, unit, w, hh, tc, u) : drawOpUnit(grp, M, unit, w, hh));
      grp.setAttribute('class', cls);
      if (unit.module) {
        var t = M.tree[unit.idx];
        if (t.conflict === 2) grp.classList.add('conflict'); else if (t.conflict === 1) grp.classList.add('on-violation');
      } else {
        grp.setAttribute('data-module', M.g.modules[M.g.mod[unit.idx]]);
      }
    });
  }

  // ---- one graph view: state, side panel, interaction ---------------------------------

  function GraphView(host, M) {
    this.host = host; this.M = M;
    this.expanded = initialExpansion(M);
    this.folded = M.firmware > 0;  // a recurrent model opens on its folded cell
    this.tf = { x: 0, y: 0, k: 1 };
    this.highlight = null;  // { nodes: Uint8Array, type: index or -1 } or null
    this.selected = -1;
    this.generation = 0;
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
    this.expandBtn = button('Expand all', 'show every operation', function () { self.setAll(1); });
    this.collapseBtn = button('Collapse all', 'one box per top-level module', function () { self.setAll(0); });
    if (this.M.firmware > 0) {
      this.foldBtn = button('', 'switch between the folded recurrence and the unrolled steps', function () {
        self.folded = !self.folded;
        self.render().then(function () { self.fit(true); });
      });
    }
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
    this.status = h('span', 'g-status', 'laying out\u2026', bar);

    var body = h('div', 'g-body', null, host);
    this.canvas = h('div', 'g-canvas', null, body);
    this.svg = svg('svg', { role: 'img', 'aria-label': 'operation graph of ' + this.M.g.name }, this.canvas);
    this.viewport = svg('g', {}, this.svg);
    this.tip = h('div', 'g-tip', null, this.canvas);
    var side = h('div', 'g-side', null, body);
    this.details = h('div', 'g-details', null, side);
    h('div', 'muted', 'Click a module to expand it, its frame\u2019s label to collapse it; click an operation for details, a type to highlight its edges. Drag to pan, Ctrl+wheel or pinch to zoom.', this.details);
    this.buildKey(side);
    this.buildLegend(side);
    this.bindPointer();
    this.updateButtons();
  };

  GraphView.prototype.updateButtons = function () {
    if (this.foldBtn) {
      this.foldBtn.textContent = this.folded ? 'Unrolled steps' : 'Folded recurrence';
      this.foldBtn.classList.toggle('on', false);
    }
    this.expandBtn.disabled = this.collapseBtn.disabled = this.folded;
  };

  GraphView.prototype.buildKey = function (side) {
    h('h4', null, 'Key', side);
    var key = h('div', 'g-key', null, side);
    function sample(cls, rx, hatch) {
      var s = svg('svg', { viewBox: '0 0 22 14' }, key);
      var grp = svg('g', { 'class': 'unit ' + cls }, s);
      svg('rect', { 'class': 'body', x: 1, y: 1, width: 20, height: 12, rx: rx, fill: cls.indexOf('module') >= 0 ? '#f6f8fa' : '#cfe3f7' }, grp);
      if (hatch) svg('rect', { 'class': 'hatch', x: 1, y: 1, width: 6, height: 12, rx: rx }, grp);
    }
    var rows = [['', 2, false, 'op: title colour = type of its output; shape and parameters below'],
     ['firmware', 2, true, 'firmware op (depends on the recurrent state)'],
     ['', 6, false, 'model input or output'], ['conflict', 2, false, 'conflicting operation'],
     ['on-violation', 2, false, 'on a violation\u2019s line'], ['module', 3, false, 'collapsed module']];
    rows.forEach(function (r) { sample(r[0], r[1], r[2]); h('span', null, r[3], key); });
    if (this.M.firmware > 0) {
      var s = svg('svg', { viewBox: '0 0 22 14' }, key);
      svg('path', { d: 'M2,11 C8,2 14,2 20,11', stroke: '#8250df', fill: 'none', 'stroke-width': 1.6, 'stroke-dasharray': '3 2' }, s);
      h('span', null, 'back-edge: the state into the next step (folded view)', key);
    }
  };

  /** Legend: each axis type once, by its short name (full structure on hover), with how
   *  many edges carry it. Clicking one highlights every edge and op of that type. */
  GraphView.prototype.buildLegend = function (side) {
    var self = this, g = this.M.g, counts = new Int32Array(g.types.length), e = g.edges;
    var perVt = new Int32Array(g.vtypes.length);
    for (var k = 0; k < e.length; k += 3) perVt[e[k + 2]]++;
    g.vtypes.forEach(function (v, vt) { v.forEach(function (t) { counts[t] += perVt[vt]; }); });
    var order = [];
    for (var t = 0; t < counts.length; t++) if (counts[t]) order.push(t);
    order.sort(function (a, b) { return counts[b] - counts[a] || a - b; });
    h('h4', null, 'Types (' + order.length.toLocaleString() + ')', side);
    this.legendRows = [];
    var list = h('div', 'g-legend', null, side);
    order.slice(0, 40).forEach(function (t) {
      var row = h('div', 'g-legend-row', null, list);
      row.setAttribute('data-type', t);
      row.title = g.typeFull[t] + '\n' + counts[t] + ' edges \u2014 click to highlight them';
      var sw = h('span', 'sw', null, row);
      sw.style.background = g.colors[t];
      h('span', 'tn', g.types[t], row);
      h('span', 'ct', counts[t].toLocaleString(), row);
      row.addEventListener('click', function () { self.highlightType(row.classList.contains('on') ? -1 : t); });
      self.legendRows.push(row);
    });
    if (order.length > 40) h('div', 'muted', '\u2026 and ' + (order.length - 40).toLocaleString() + ' more (use Find)', side);
  };

  /** Highlight every edge that carries type t (in any axis) and every op producing it. */
  GraphView.prototype.highlightType = function (t) {
    var g = this.M.g;
    this.legendRows.forEach(function (r) { r.classList.toggle('on', +r.getAttribute('data-type') === t); });
    if (t < 0) { this.setHighlight(null); return 0; }
    var has = g.vtypes.map(function (v) { return v.indexOf(t) >= 0; });
    var mark = this.nodesWhere(function (i) { return has[g.vt[i]]; });
    this.setHighlight(mark, has);
    var n = 0;
    for (var k = 0; k < g.edges.length; k += 3) if (has[g.edges[k + 2]]) n++;
    this.status.textContent = n.toLocaleString() + ' edges of type ' + g.types[t];
    return n;
  };

  GraphView.prototype.typeIndex = function (name) { return this.M.g.types.indexOf(name); };

  GraphView.prototype.nodesWhere = function (pred) {
    var mark = new Uint8Array(this.M.n);
    for (var i = 0; i < this.M.n; i++) if (pred(i)) mark[i] = 1;
    return mark;
  };

  /** Lay out what is visible (asynchronously, in ELK's worker) and draw it. Resolves when
   *  drawn; a render superseded by a later one is dropped. */
  GraphView.prototype.render = function (anchor) {
    var t0 = performance.now(), M = this.M, self = this, gen = ++this.generation;
    var before = anchor ? this.anchorPoint(anchor) : null;
    var view = this.folded ? foldedUnits(M) : moduleUnits(M, this.expanded);
    if (view.folded) {
      view.units.forEach(function (unit) { unit.folded = true; unit.mark = 0; });
      for (var i = 0; i < M.n; i++) { var un = view.units[view.unitOf[i]]; if (M.mark[i] > un.mark) un.mark = M.mark[i]; }
    }
    var edges = aggregateEdges(M, view), built = elkGraph(M, view, edges);
    this.updateButtons();
    this.host.classList.add('busy');
    return layoutEngine().layout(built.graph).then(function (out) {
      if (gen !== self.generation) return;
      var t1 = performance.now();
      self.view = view; self.edges = edges;
      self.lay = readLayout(view, edges, out);
      drawScene(self.viewport, M, view, edges, self.lay);
      self.applyHighlight();
      if (before) {
        var after = self.anchorPoint(anchor);
        if (after) { self.tf.x += self.tf.k * (before.x - after.x); self.tf.y += self.tf.k * (before.y - after.y); }
        self.applyTransform();
      }
      var ops = 0;
      view.units.forEach(function (u) { if (!u.module) ops++; });
      self.status.textContent = view.folded
        ? ops.toLocaleString() + ' folded operations (' + M.n.toLocaleString() + ' unrolled) \u00B7 ' + edges.length.toLocaleString() + ' edges'
        : ops.toLocaleString() + ' of ' + M.n.toLocaleString() + ' operations shown \u00B7 ' +
          (view.units.length - ops).toLocaleString() + ' collapsed modules \u00B7 ' + edges.length.toLocaleString() + ' edges';
      self.host.classList.remove('busy');
      window.__tcnnRenders.push({ model: self.host.getAttribute('data-model'), units: view.units.length, ms: performance.now() - t0, layoutMs: t1 - t0, folded: view.folded });
    }, function (err) {
      self.host.classList.remove('busy');
      self.status.textContent = 'layout failed: ' + err.message;
      throw err;
    });
  };

  /** Where module t is drawn now (its frame if expanded, its node if collapsed), top-left. */
  GraphView.prototype.anchorPoint = function (t) {
    if (!this.lay || this.view.folded) return null;
    for (var i = 0; i < this.lay.boxes.length; i++) {
      var frame = this.view.frames[this.lay.boxes[i].f];
      if (frame && frame.t === t) return { x: this.lay.boxes[i].x0, y: this.lay.boxes[i].y0 };
    }
    var u = this.view.modUnit[t];
    if (u >= 0 && this.view.units[u] && this.view.units[u].module && this.view.units[u].idx === t) {
      return { x: this.lay.x[u] - this.lay.w[u] / 2, y: this.lay.y[u] - this.lay.h[u] / 2 };
    }
    return null;
  };

  GraphView.prototype.toggle = function (t) {
    if (t <= 0 || this.M.tree[t].size <= 1) return Promise.resolve();
    this.expanded[t] = this.expanded[t] ? 0 : 1;
    return this.render(t);
  };

  /** Expand or collapse everything. Expanding stops at the deepest whole level that keeps
   *  the view under EXPAND_ALL_LIMIT items: laying out tens of thousands of ops helps nobody. */
  GraphView.prototype.setAll = function (value) {
    var self = this, M = this.M, capped = false;
    openTrivial(M, this.expanded.fill(0));
    if (value) {
      for (var d = 1; d <= M.maxDepth; d++) {
        var trial = this.expanded.slice();
        M.tree.forEach(function (t, i) { if (t.depth === d) trial[i] = 1; });
        if (countVisible(M, trial) > EXPAND_ALL_LIMIT) { capped = true; break; }
        this.expanded = trial;
      }
    }
    return this.render().then(function () {
      self.fit(true);
      if (capped) self.status.textContent += ' \u00B7 expanded as far as ' + EXPAND_ALL_LIMIT.toLocaleString() + ' items; click modules or use Find for the rest';
    });
  };

  /** Open every module that contains a marked node, so the marked nodes become visible. */
  GraphView.prototype.reveal = function (mark) {
    for (var i = 0; i < this.M.n; i++) {
      if (!mark[i]) continue;
      for (var t = this.M.nodeTid[i]; t > 0; t = this.M.tree[t].parent) this.expanded[t] = 1;
    }
  };

  GraphView.prototype.setHighlight = function (mark, edgeTypes) {
    this.highlight = mark ? { nodes: mark, edgeTypes: edgeTypes || null } : null;
    this.applyHighlight();
  };

  GraphView.prototype.applyHighlight = function () {
    if (!this.view) return 0;
    var hl = this.highlight, unitOf = this.view.unitOf, hit = new Uint8Array(this.view.units.length), count = 0;
    if (hl) for (var i = 0; i < this.M.n; i++) if (hl.nodes[i]) { hit[unitOf[i]] = 1; count++; }
    this.svg.classList.toggle('dim', !!hl);
    var nodes = this.viewport.querySelectorAll('g.unit');
    for (var k = 0; k < nodes.length; k++) {
      var u = +nodes[k].getAttribute('data-u'), unit = this.view.units[u];
      nodes[k].classList.toggle('match', !!hit[u]);
      nodes[k].classList.toggle('selected', !unit.module && unit.idx === this.selected);
    }
    var edges = this.viewport.querySelectorAll('path.edge'), self = this;
    for (k = 0; k < edges.length; k++) {
      var e = this.edges[+edges[k].getAttribute('data-ev')], on = false;
      if (hl && hl.edgeTypes) on = e.types.some(function (vt) { return hl.edgeTypes[vt]; });
      else if (hl) on = !!(hit[e.u] && hit[e.v]);
      edges[k].classList.toggle('match', on);
    }
    void self;
    return count;
  };

  GraphView.prototype.markedBox = function (mark) {
    var lay = this.lay, b = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
    for (var i = 0; i < this.M.n; i++) {
      if (!mark[i]) continue;
      var u = this.view.unitOf[i];
      b.x0 = Math.min(b.x0, lay.x[u] - lay.w[u] / 2); b.x1 = Math.max(b.x1, lay.x[u] + lay.w[u] / 2);
      b.y0 = Math.min(b.y0, lay.y[u] - lay.h[u] / 2); b.y1 = Math.max(b.y1, lay.y[u] + lay.h[u] / 2);
    }
    return isFinite(b.x0) ? b : null;
  };

  GraphView.prototype.focusMarked = function (mark) {
    var b = this.markedBox(mark);
    if (b) this.fitBox({ x0: b.x0 - 60, y0: b.y0 - 60, x1: b.x1 + 60, y1: b.y1 + 60 }, 1.2);
  };

  GraphView.prototype.violationMark = function (j) {
    var list = this.M.g.violations[j] || [], mark = new Uint8Array(this.M.n);
    list.forEach(function (i) { mark[i] = 1; });
    return list.length ? mark : null;
  };

  GraphView.prototype.showViolation = function (j) {
    var mark = this.violationMark(j), self = this;
    if (!mark) { this.status.textContent = 'no graph node is located on this violation\u2019s lines'; return Promise.resolve(); }
    this.reveal(mark);
    return this.render().then(function () {
      self.setHighlight(mark);
      self.focusMarked(mark);
    });
  };

  /** First view: the whole graph when it is legible, else the first violation. */
  GraphView.prototype.initialView = function () {
    var mark = this.violationMark(0), self = this;
    if (mark && !this.folded) {
      // open the violation's modules unless that floods the first view; a collapsed module
      // holding it is outlined in red either way
      var before = this.expanded.slice();
      this.reveal(mark);
      if (countVisible(this.M, this.expanded) > VISIBLE_BUDGET) this.expanded = before;
    }
    return this.render().then(function () {
      self.fit(true);
      if (mark && self.tf.k < 0.45) self.focusMarked(mark);
    });
  };

  GraphView.prototype.onSearch = function (reveal) {
    var q = this.search.value.trim().toLowerCase(), g = this.M.g, M = this.M, self = this;
    if (!q) { this.setHighlight(null); return; }
    var mark = this.nodesWhere(function (i) {
      return g.ids[i].toLowerCase().indexOf(q) >= 0 || g.ops[g.op[i]].toLowerCase().indexOf(q) >= 0 ||
        g.modules[g.mod[i]].toLowerCase().indexOf(q) >= 0 || M.vtText[g.vt[i]].toLowerCase().indexOf(q) >= 0;
    });
    var count = 0;
    for (var i = 0; i < M.n; i++) count += mark[i];
    var done = function () {
      self.setHighlight(mark);
      if (reveal && count) self.focusMarked(mark);
      self.status.textContent = count.toLocaleString() + ' matching operations' + (count > 400 && reveal ? ' (too many to expand; refine the search)' : '');
    };
    if (reveal && count && count <= 400 && !this.folded) { this.reveal(mark); this.render().then(done); } else done();
  };

  GraphView.prototype.describe = function (u) {
    var unit = this.view.units[u], g = this.M.g, M = this.M;
    if (unit.module) {
      var t = M.tree[unit.idx];
      return [['module', t.path], ['operations', t.size.toLocaleString()], ['firmware ops', t.firmware.toLocaleString()],
              ['conflict', t.conflict === 2 ? 'yes' : t.conflict === 1 ? 'on a violation line' : 'no']];
    }
    var i = unit.idx, loc = g.locPath[i] >= 0 ? g.paths[g.locPath[i]] + ':' + g.locLine[i] : '\u2014';
    var rows = [['node', g.ids[i]], ['op', g.ops[g.op[i]]], ['module', g.modules[g.mod[i]] || '(root)'],
                ['shape', shapeOf(M, i) || '\u2014'], ['type', M.vtText[g.vt[i]]]];
    g.vtypes[g.vt[i]].forEach(function (t) { if (g.typeFull[t] !== g.types[t]) rows.push([g.types[t], '= ' + g.typeFull[t]]); });
    (M.attrs[i] || []).forEach(function (a) { rows.push([a[4] ? 'buffer' : 'param', a[1] + ' \u27E8' + a[2] + '\u27E9 ' + M.vtText[a[3]]]); });
    rows.push(['role', g.roles[g.role[i]]], ['location', loc]);
    if (unit.folded && unit.members > 1) rows.push(['steps', unit.members + ' unrolled copies folded']);
    rows.push(['conflict', unit.folded ? (unit.mark === 2 ? 'yes' : unit.mark === 1 ? 'on a violation line' : 'no')
                                       : (M.mark[i] === 2 ? 'yes' : M.mark[i] === 1 ? 'on a violation line' : 'no')]);
    return rows;
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
    var types = e.types.map(function (vt) { return M.vtText[vt]; }).join('\n  ');
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
    var k = Math.min(maxK, (W - 40) / Math.max(1, b.x1 - b.x0), (H - 40) / Math.max(1, b.y1 - b.y0));
    this.tf.k = k;
    this.tf.x = W / 2 - k * (b.x0 + b.x1) / 2;
    this.tf.y = H / 2 - k * (b.y0 + b.y1) / 2;
    this.applyTransform();
  };

  GraphView.prototype.fit = function () {
    if (this.lay) this.fitBox(bounds(this.lay), 1.1);
  };

  /** The drawn graph's bounds and what the canvas shows of it, in graph coordinates. */
  GraphView.prototype.viewState = function () {
    var r = this.canvas.getBoundingClientRect(), tf = this.tf;
    return { bounds: bounds(this.lay), visible: { x0: -tf.x / tf.k, y0: -tf.y / tf.k, x1: (r.width - tf.x) / tf.k, y1: (r.height - tf.y) / tf.k },
             violation: this.violationMark(0) ? this.markedBox(this.violationMark(0)) : null, k: tf.k, folded: this.view.folded };
  };

  // ---- page wiring --------------------------------------------------------------------

  function main() {
    if (document.querySelector('.graph[data-model]')) layoutEngine();  // compile ELK while the page is set up
    var data = JSON.parse(document.getElementById('tcnn-data').textContent);
    installDefs();
    var views = new Map(), hosts = Array.prototype.slice.call(document.querySelectorAll('.graph[data-model]'));
    var firstDrawn = false;

    function ensure(host) {
      var idx = +host.getAttribute('data-model');
      if (views.has(idx)) return views.get(idx);
      var g = data.models[idx];
      if (!g) return null;
      while (host.firstChild) host.removeChild(host.firstChild);
      if (!g.ids.length) { h('div', 'g-empty', 'The graph is empty.', host); views.set(idx, null); return null; }
      var view = new GraphView(host, prepare(g));
      views.set(idx, view);
      view.ready = view.initialView().then(function () {
        if (!firstDrawn) { firstDrawn = true; window.__tcnnReady = performance.now(); }
      }, function (err) {
        if (!firstDrawn) { firstDrawn = true; window.__tcnnReady = performance.now(); }
        console.error(err);
      });
      return view;
    }

    function graphFor(el) {
      var host = document.querySelector('.graph[data-model="' + el.getAttribute('data-model') + '"]');
      return { host: host, view: host && ensure(host) };
    }

    document.addEventListener('click', function (ev) {
      var btn = ev.target.closest('.show-in-graph'), chip = ev.target.closest('.type-chip[data-model]');
      if (btn) {
        var gv = graphFor(btn);
        if (!gv.view) return;
        gv.host.scrollIntoView({ behavior: 'smooth', block: 'center' });
        gv.view.ready.then(function () { return gv.view.showViolation(+btn.getAttribute('data-violation')); });
      } else if (chip) {
        var gt = graphFor(chip);
        if (!gt.view) return;
        gt.host.scrollIntoView({ behavior: 'smooth', block: 'center' });
        gt.view.ready.then(function () { gt.view.highlightType(gt.view.typeIndex(chip.getAttribute('data-type'))); });
      }
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
    if (!hosts.length) window.__tcnnReady = performance.now();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
  else main();
})();
