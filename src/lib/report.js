(function () {
  'use strict';
  var byId = function (id) { return document.getElementById(id); };
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };
  var status = byId('wl-status');

  /* What is written last (header counts, overview, charts) goes to its
     place at the top. */
  each(document.querySelectorAll('[data-slot]'), function (el) {
    var slot = byId(el.dataset.slot);
    if (slot) slot.replaceWith(el);
    el.removeAttribute('data-slot');
  });

  var summary = JSON.parse(byId('si-summary').textContent);
  var items = summary.items.map(function (name) {
    var row = byId('item-' + name);
    return { name: name, title: row.querySelector('.tt').textContent,
             risk: row.querySelector('.rk').textContent,
             fix: row.querySelector('.fx').textContent };
  });

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function pill(st) { return el('span', 'pill p-' + st, st); }

  /* ---- the data: an index per block; a block's records on demand ---- */

  function fromBase64(text) {
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text);
    var bin = atob(text), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  /* Every workload of the indexes, in the order written. */
  var recs = [], blocks = [];
  each(document.querySelectorAll('script.si-index'), function (ix) {
    var b = { data: ix.previousElementSibling, first: recs.length, records: null };
    JSON.parse(ix.textContent).forEach(function (r) {
      recs.push({
        kind: r[0], ns: r[1], name: r[2], source: r[3],
        passed: r[4], failed: r[5], whitelisted: r[6],
        status: r[5] > 0 ? 'failed' : 'passed', block: blocks.length,
        text: (r[0] + '\n' + r[1] + '\n' + r[2] + '\n' + r[3]).toLowerCase(),
      });
    });
    b.count = recs.length - b.first;
    blocks.push(b);
  });

  /* A block's records, each { head, manifest }: its base64 decoded, then
     gunzipped, then cut at the records' heads. */
  function records(b) {
    if (b.records) return b.records;
    var bytes = fromBase64(b.data.textContent);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    b.records = new Response(stream).arrayBuffer().then(function (buf) {
      var data = new Uint8Array(buf), dec = new TextDecoder(), at = 0, out = [];
      while (at < data.length) {
        var nl = data.indexOf(10, at);
        if (nl < 0) throw new Error('a record of block ' + blocks.indexOf(b) + ' is cut short');
        var head = JSON.parse(dec.decode(data.subarray(at, nl))), len = head[3][1];
        out.push({ head: head, manifest: data.subarray(nl + 1, nl + 1 + len) });
        at = nl + 1 + len;
      }
      if (out.length !== b.count)
        throw new Error('block ' + blocks.indexOf(b) + ' holds ' + out.length + ' of ' +
                        b.count + ' workloads');
      return out;
    });
    b.records.catch(function () { b.records = null; });
    return b.records;
  }

  /* ---- the table: only the rows in view are in the page ---- */

  var scroller = byId('wl-scroll'), body = byId('wl-body'), table = byId('wl-table');
  var fStatus = byId('f-status'), fNs = byId('f-ns'), fKind = byId('f-kind'),
      fText = byId('f-text');
  var order = [], view = [], rowH = 0, pool = [], queued = false;
  var padTop = el('tr', 'pad'), padBottom = el('tr', 'pad');
  padTop.appendChild(el('td')).colSpan = 7;
  padBottom.appendChild(el('td')).colSpan = 7;

  function newRow() {
    var tr = el('tr', 'row');
    tr.appendChild(el('td'));
    tr.appendChild(el('td'));
    tr.appendChild(el('td'));
    tr.appendChild(el('td')).appendChild(el('a', 'wl-link'));
    tr.appendChild(el('td', 'src'));
    tr.appendChild(el('td', 'num'));
    tr.appendChild(el('td', 'num'));
    return tr;
  }
  function fillRow(tr, i) {
    var w = recs[i], c = tr.cells, d = tr.dataset;
    d.i = i; d.status = w.status; d.kind = w.kind; d.ns = w.ns; d.name = w.name;
    d.source = w.source; d.passed = w.passed; d.failed = w.failed;
    c[0].replaceChildren(pill(w.status));
    c[1].textContent = w.kind;
    c[2].textContent = w.ns;
    var a = c[3].firstChild;
    a.textContent = w.name || '(unnamed)';
    a.href = '#w-' + i;
    c[4].textContent = w.source;
    c[5].textContent = w.passed;
    c[6].replaceChildren(w.failed ? el('span', 'bad', String(w.failed)) : String(w.failed));
  }
  function render() {
    queued = false;
    var n = view.length;
    if (!rowH && n) {
      var probe = newRow();
      fillRow(probe, view[0]);
      body.replaceChildren(probe);
      rowH = probe.getBoundingClientRect().height || 34;
    }
    var headH = table.tHead.getBoundingClientRect().height;
    var first = Math.max(0, Math.floor((scroller.scrollTop - headH) / (rowH || 1)) - 8);
    var last = Math.min(n, first + Math.ceil(scroller.clientHeight / (rowH || 1)) + 16);
    if (first > last) first = last;
    while (pool.length < last - first) pool.push(newRow());
    var frag = document.createDocumentFragment();
    padTop.style.height = first * rowH + 'px';
    padBottom.style.height = (n - last) * rowH + 'px';
    frag.appendChild(padTop);
    for (var k = first; k < last; k++) {
      fillRow(pool[k - first], view[k]);
      frag.appendChild(pool[k - first]);
    }
    frag.appendChild(padBottom);
    body.replaceChildren(frag);
  }
  function queue() {
    if (!queued) { queued = true; requestAnimationFrame(render); }
  }

  function filter() {
    var st = fStatus.value, q = fText.value.trim().toLowerCase();
    var ns = fNs.selectedIndex > 0 ? fNs.value : null;
    var kind = fKind.selectedIndex > 0 ? fKind.value : null;
    view = order.filter(function (i) {
      var w = recs[i];
      return (!st || w.status === st) && (ns === null || w.ns === ns) &&
             (kind === null || w.kind === kind) && (!q || w.text.indexOf(q) >= 0);
    });
    table.dataset.shown = view.length;
    byId('f-count').textContent = view.length + ' of ' + recs.length + ' workloads';
    var empty = byId('wl-empty');
    empty.hidden = view.length > 0;
    empty.textContent = recs.length ? 'No workload matches the filters.'
      : summary.failedOnly ? 'No workload failed.' : 'No workload was inspected.';
    scroller.scrollTop = 0;
    render();
  }

  function options(select, key) {
    var values = Array.from(new Set(recs.map(function (w) { return w[key]; })));
    values.sort().forEach(function (v) {
      var o = el('option', '', v || '(cluster-scoped)');
      o.value = v;
      select.appendChild(o);
    });
  }

  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
  var heads = Array.prototype.slice.call(table.querySelectorAll('th[data-key]'));
  var sortKey = '', dir = 1;
  var fields = { status: 'status', kind: 'kind', ns: 'ns', name: 'name', source: 'source',
                 passed: 'passed', failed: 'failed' };
  heads.forEach(function (th) {
    th.querySelector('button').addEventListener('click', function () {
      var key = th.dataset.key, f = fields[key], num = th.classList.contains('num');
      dir = key === sortKey ? -dir : 1;
      sortKey = key;
      order.sort(function (x, y) {
        var a = recs[x][f], b = recs[y][f];
        var c = num ? a - b : collator.compare(a, b);
        return c ? c * dir : x - y;
      });
      heads.forEach(function (h) {
        h.setAttribute('aria-sort', h !== th ? 'none' : dir > 0 ? 'ascending' : 'descending');
      });
      filter();
    });
  });

  /* ---- details, drawn when a workload is opened ---- */

  /* A string as YAML: plain when it cannot read as anything else, else
     double-quoted with every character outside printable ASCII escaped. */
  function yamlString(s) {
    if (/^[A-Za-z][A-Za-z0-9._\/-]*$/.test(s) &&
        !/^(y|n|yes|no|true|false|on|off|null)$/i.test(s))
      return s;
    var out = '"';
    for (var ch of s) {
      var c = ch.codePointAt(0);
      if (ch === '"' || ch === '\\') out += '\\' + ch;
      else if (c >= 0x20 && c < 0x7f) out += ch;
      else if (c <= 0xffff) out += '\\u' + ('000' + c.toString(16)).slice(-4);
      else out += '\\U' + ('0000000' + c.toString(16)).slice(-8);
    }
    return out + '"';
  }

  /* The entry of the policy's whitelist that accepts this one result: the
     workload's namespace, its top owner (or itself), the container (none
     for the pod or binding) and the item. */
  function whitelistEntry(w, h, res) {
    var owner = h[2], ctr = res[1] >= 0 ? h[0][res[1]][0] : null;
    var lines = [];
    if (w.ns !== '') lines.push('namespaces: [' + yamlString(w.ns) + ']');
    lines.push('kinds: [' + yamlString(owner ? owner[0] : w.kind) + ']');
    lines.push('names: [' + yamlString(owner ? owner[1] : w.name) + ']');
    if (ctr !== null) lines.push('containers: [' + yamlString(ctr) + ']');
    lines.push('checks: [' + items[res[0]].name + ']');
    lines.push('reason: ""  # why it is accepted');
    return lines.map(function (l, k) { return (k ? '    ' : '  - ') + l; }).join('\n') + '\n';
  }

  function copy(button, pre) {
    var text = pre.textContent;
    function said(msg) {
      button.textContent = msg;
      setTimeout(function () { button.textContent = 'Copy'; }, 2500);
    }
    function select() {
      var range = document.createRange(), sel = window.getSelection();
      range.selectNodeContents(pre);
      sel.removeAllRanges();
      sel.addRange(range);
      var done = false;
      try { done = document.execCommand('copy'); } catch (e) { done = false; }
      said(done ? 'Copied' : 'Selected: press Ctrl+C');
    }
    if (navigator.clipboard && navigator.clipboard.writeText)
      navigator.clipboard.writeText(text).then(function () { said('Copied'); }, select);
    else
      select();
  }

  function addToWhitelist(w, h, res) {
    var d = el('details', 'add');
    d.appendChild(el('summary', '', 'Add to whitelist'));
    var box = d.appendChild(el('div', 'add-body'));
    box.appendChild(el('p', 'hint', 'Under whitelist: in the policy, to accept this failure:'));
    var pre = box.appendChild(el('pre', 'wl-entry', whitelistEntry(w, h, res)));
    var b = box.appendChild(el('button', 'copy', 'Copy'));
    b.type = 'button';
    b.addEventListener('click', function () { copy(b, pre); });
    return d;
  }

  function resultRow(w, h, res) {
    var it = items[res[0]], st = summary.statuses[res[2]], sev = summary.severities[res[3]];
    var tr = el('tr');
    tr.dataset.item = it.name;
    tr.dataset.status = st;
    tr.appendChild(el('td')).appendChild(pill(st));
    var td = tr.appendChild(el('td'));
    td.appendChild(el('b', '', it.title));
    td.appendChild(document.createTextNode(' '));
    td.appendChild(el('code', '', it.name));
    if (res[4]) td.appendChild(el('div', 'finding', res[4]));
    if (st === 'whitelisted') td.appendChild(el('div', 'reason', 'Whitelisted: ' + (res[5] || '')));
    tr.appendChild(el('td', 'sev-' + sev, sev));
    tr.appendChild(el('td', 'rk', it.risk));
    var fx = tr.appendChild(el('td', 'fx'));
    fx.appendChild(el('div', 'fx-text', it.fix));
    if (st === 'failed') fx.appendChild(addToWhitelist(w, h, res));
    return tr;
  }

  function details(i, rec) {
    var w = recs[i], h = rec.head, ctrs = h[0], results = h[1], m = h[3];
    var d = el('details', 'wl');
    d.id = 'w-' + i;
    d.dataset.i = i;
    var s = d.appendChild(el('summary'));
    s.appendChild(pill(w.status));
    s.appendChild(el('span', 'kind', w.kind));
    var nm = s.appendChild(el('span'));
    if (w.ns) nm.appendChild(document.createTextNode(w.ns + ' / '));
    nm.appendChild(el('b', '', w.name || '(unnamed)'));
    s.appendChild(el('span', 'counts', w.passed + ' passed \u00b7 ' + w.failed + ' failed' +
                     (w.whitelisted ? ' \u00b7 ' + w.whitelisted + ' whitelisted' : '')));
    s.appendChild(el('span', 'src', w.source));
    var b = d.appendChild(el('div', 'wl-body'));
    if (results.length) {
      var t = b.appendChild(el('table', 'res'));
      var hr = t.appendChild(el('thead')).appendChild(el('tr'));
      ['Status', 'Item', 'Severity', 'Risk', 'Fix'].forEach(function (x) {
        hr.appendChild(el('th', '', x));
      });
      var tb = t.appendChild(el('tbody'));
      /* The pod or binding first, then each container in its order. */
      for (var c = -1; c < ctrs.length; c++) {
        var mine = results.filter(function (r) { return r[1] === c; });
        if (!mine.length) continue;
        var th = tb.appendChild(el('tr', 'grp')).appendChild(el('th'));
        th.colSpan = 5;
        if (c < 0) {
          th.textContent = w.kind === 'RoleBinding' || w.kind === 'ClusterRoleBinding'
            ? 'Binding' : 'Pod';
        } else {
          th.appendChild(el('span', 'role', summary.roles[ctrs[c][1]]));
          th.appendChild(document.createTextNode(ctrs[c][0] || '(unnamed)'));
        }
        mine.forEach(function (r) { tb.appendChild(resultRow(w, h, r)); });
      }
    } else {
      b.appendChild(el('p', 'hint', summary.failedOnly ? 'No failed item.'
        : 'No item applies to this workload under the policy.'));
    }
    var format = summary.manifestFormats[m[0]];
    if (format === 'none') {
      b.appendChild(el('p', 'hint', 'Manifest not shown: ' + (m[2] || 'unknown reason') + '.'));
    } else {
      var y = b.appendChild(el('details', 'yaml'));
      y.appendChild(el('summary', '', 'Manifest (' + format.toUpperCase() +
                       (summary.masked ? ', env values masked' : '') + ')'));
      y.appendChild(el('pre', '', new TextDecoder().decode(rec.manifest)));
    }
    d.dataset.ready = 'true';
    return d;
  }

  /* Opens workload `i` in the details, its block unpacked first; resolves
     to the details element. */
  function openWorkload(i, scroll) {
    if (!(i >= 0 && i < recs.length)) return Promise.resolve(null);
    var d = byId('w-' + i);
    if (d) {
      d.open = true;
      if (scroll) d.scrollIntoView({ block: 'start' });
      return Promise.resolve(d);
    }
    var b = blocks[recs[i].block];
    return records(b).then(function (list) {
      var again = byId('w-' + i);   /* opened meanwhile */
      var nd = again || details(i, list[i - b.first]);
      if (!again) byId('wl-details').prepend(nd);
      nd.open = true;
      if (scroll) nd.scrollIntoView({ block: 'start' });
      return nd;
    }).catch(function (e) {
      status.hidden = false;
      status.textContent = 'Workload ' + i + ' cannot be shown: ' + (e && e.message || e);
      return null;
    });
  }
  /* For the page's own tests and for scripts: open workload `i`. */
  window.siOpenWorkload = function (i) { return openWorkload(i, false); };
  function fromHash() {
    var m = /^#w-([0-9]+)$/.exec(location.hash);
    if (m) openWorkload(Number(m[1]), true);
  }

  body.addEventListener('click', function (e) {
    var a = e.target.closest ? e.target.closest('a.wl-link') : null;
    if (!a) return;
    e.preventDefault();
    var i = Number(a.closest('tr').dataset.i);
    history.replaceState(null, '', '#w-' + i);
    openWorkload(i, true);
  });
  window.addEventListener('hashchange', fromHash);

  /* ---- start ---- */

  order = recs.map(function (w, i) { return i; });
  options(fNs, 'ns');
  options(fKind, 'kind');
  [fStatus, fNs, fKind].forEach(function (e) { e.addEventListener('change', filter); });
  fText.addEventListener('input', filter);
  scroller.addEventListener('scroll', queue, { passive: true });
  window.addEventListener('resize', queue);
  if (recs.length !== summary.records) {
    status.textContent = 'The page holds ' + recs.length + ' of ' + summary.records +
      ' workloads: it was cut short.';
  } else if (typeof DecompressionStream !== 'function') {
    status.textContent = 'This browser cannot unpack the workloads\' details ' +
      '(DecompressionStream: Chrome 80, Firefox 113, Safari 16.4 or later).';
  } else {
    status.hidden = true;
  }
  filter();
  fromHash();
  document.body.dataset.ready = 'true';
})();
