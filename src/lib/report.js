(function () {
  'use strict';
  var byId = function (id) { return document.getElementById(id); };
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };
  var ref = {};
  each(document.querySelectorAll('#items tbody tr[data-item]'), function (t) {
    ref[t.dataset.item] = [t.querySelector('.rk').textContent,
                           t.querySelector('.fx').textContent];
  });
  /* Risk and fix are written once, under Items, and copied into a
     workload's rows when it is opened: the page stays small. */
  function fill(d) {
    if (d.dataset.filled) return;
    d.dataset.filled = '1';
    each(d.querySelectorAll('tr[data-item]'), function (t) {
      var it = ref[t.dataset.item];
      if (!it) return;
      t.querySelector('.rk').textContent = it[0];
      t.querySelector('.fx').textContent = it[1];
    });
  }
  document.addEventListener('toggle', function (e) {
    var d = e.target;
    if (d.open && d.classList && d.classList.contains('wl')) fill(d);
  }, true);
  function openWorkload(id) {
    var d = /^w-[0-9]+$/.test(id) ? byId(id) : null;
    if (d) { fill(d); d.open = true; }
  }
  if (location.hash) openWorkload(location.hash.slice(1));
  var opened = [];
  window.addEventListener('beforeprint', function () {
    each(document.querySelectorAll('details'), function (d) {
      if (d.classList.contains('wl')) fill(d);
      if (!d.open) { d.open = true; opened.push(d); }
    });
  });
  window.addEventListener('afterprint', function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });

  var body = byId('wl-body');
  if (!body) return;
  var rows = Array.prototype.slice.call(body.rows);
  var details = {};
  each(document.querySelectorAll('details.wl'), function (d) { details[d.dataset.i] = d; });
  var text = rows.map(function (r) {
    var d = r.dataset;
    return (d.kind + '\n' + d.ns + '\n' + d.name + '\n' + d.source).toLowerCase();
  });
  var fStatus = byId('f-status'), fNs = byId('f-ns'), fKind = byId('f-kind'),
      fText = byId('f-text');
  function filter() {
    var st = fStatus.value, q = fText.value.trim().toLowerCase(), shown = 0;
    var ns = fNs.selectedIndex > 0 ? fNs.value : null;
    var kind = fKind.selectedIndex > 0 ? fKind.value : null;
    for (var k = 0; k < rows.length; k++) {
      var d = rows[k].dataset;
      var ok = (!st || d.status === st) && (ns === null || d.ns === ns) &&
               (kind === null || d.kind === kind) && (!q || text[k].indexOf(q) >= 0);
      rows[k].hidden = !ok;
      if (details[d.i]) details[d.i].hidden = !ok;
      if (ok) shown++;
    }
    byId('f-count').textContent = shown + ' of ' + rows.length + ' workloads';
    byId('wl-empty').hidden = shown > 0;
  }
  [fStatus, fNs, fKind].forEach(function (e) { e.addEventListener('change', filter); });
  fText.addEventListener('input', filter);

  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
  var heads = Array.prototype.slice.call(document.querySelectorAll('#wl-table th[data-key]'));
  var sortKey = '', dir = 1;
  heads.forEach(function (th) {
    th.querySelector('button').addEventListener('click', function () {
      var key = th.dataset.key, num = th.classList.contains('num');
      dir = key === sortKey ? -dir : 1;
      sortKey = key;
      var order = rows.map(function (r, k) { return k; });
      order.sort(function (x, y) {
        var a = rows[x].dataset[key], b = rows[y].dataset[key];
        var c = num ? Number(a) - Number(b) : collator.compare(a, b);
        return c ? c * dir : x - y;
      });
      var frag = document.createDocumentFragment();
      order.forEach(function (k) { frag.appendChild(rows[k]); });
      body.appendChild(frag);
      heads.forEach(function (h) {
        h.setAttribute('aria-sort', h !== th ? 'none' : dir > 0 ? 'ascending' : 'descending');
      });
    });
  });
  body.addEventListener('click', function (e) {
    var a = e.target.closest ? e.target.closest('a.wl-link') : null;
    if (a) openWorkload(a.getAttribute('href').slice(1));
  });
})();
