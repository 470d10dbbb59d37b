// SPDX-License-Identifier: Apache-2.0
// The HTML audit report in a real browser (headless Chromium over file://):
// overview numbers match the JSON report; the windowed table, its filters and
// sorting work; details unpacked on demand show every item per container, the
// manifest and, for each failure, the whitelist entry that accepts it (copied
// by its button, and accepted by the audit when pasted into the policy);
// markup from manifests stays text; nothing is fetched; 5,000 workloads load
// with every one of them reachable.
// Usage: node html_report.mjs PATH/TO/security-inspector   (prints TAP)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { scrollThrough } from './page_walk.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const exe = process.argv[2] ? path.resolve(process.argv[2]) : '';
const chromiumPath = '/usr/bin/chromium';
const policy = path.join(here, 'data', 'policy.yaml');
const inputs = ['--config', policy, 'data/manifests'];
const hostileName = '<script>alert(1)</script>';
const hostileNs = '"><img src=x onerror=alert(2)>';
const reason = 'node metrics need the host network <b>reviewed</b>';

/* ---- TAP ---- */

let count = 0;
let failures = 0;

function ok(cond, name, diag) {
	count++;
	if (!cond)
		failures++;
	console.log(`${cond ? 'ok' : 'not ok'} ${count} - ${name}`);
	if (!cond && diag !== undefined) {
		const text = typeof diag === 'string' ? diag : JSON.stringify(diag, null, 1);
		for (const line of text.split('\n'))
			console.log(`#   ${line}`);
	}
}

function comment(text) {
	console.log(`# ${text}`);
}

function skipAll(reason) {
	console.log(`1..0 # SKIP ${reason}`);
	process.exit(0);
}

function finish() {
	console.log(`1..${count}`);
	process.exit(failures ? 1 : 0);
}

function same(a, b) {
	return JSON.stringify(a) === JSON.stringify(b);
}

/* ---- setup: the binary, Chromium and playwright-core ---- */

if (!exe || !fs.existsSync(exe))
	skipAll(`no security-inspector binary given (${process.argv[2] || 'none'})`);
if (!fs.existsSync(chromiumPath))
	skipAll(`${chromiumPath} is missing (apt-get install chromium)`);
const pwEntry = path.join(here, 'node_modules', 'playwright-core', 'index.mjs');
if (!fs.existsSync(pwEntry)) {
	const npm = spawnSync('npm', ['ci', '--prefix', here, '--no-audit', '--no-fund'],
			      { encoding: 'utf8', timeout: 90_000 });
	if (npm.status !== 0 || !fs.existsSync(pwEntry)) {
		const lines = (npm.error ? npm.error.message : npm.stderr || '').split('\n');
		const why = lines.find((l) => /error/i.test(l) && !/complete log/i.test(l)) || lines[0];
		skipAll(`npm ci could not install playwright-core: ${why.trim() || 'unknown error'}`);
	}
}
const { chromium } = await import(pathToFileURL(pwEntry).href);

/* Reports are written to a temporary folder; the screenshot and the page go
 * to the build folder that holds the binary (the one with meson-info/), else
 * to a new folder under the temporary dir. */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'si-html-'));

function buildRoot() {
	if (process.env.MESON_BUILD_ROOT)
		return process.env.MESON_BUILD_ROOT;
	for (let d = path.dirname(exe); d !== path.dirname(d); d = path.dirname(d))
		if (fs.existsSync(path.join(d, 'meson-info')))
			return d;
	return null;
}
const root = buildRoot();
const artifacts = root ? path.join(root, 'tests', 'html')
	: fs.mkdtempSync(path.join(os.tmpdir(), 'si-html-report-'));
fs.mkdirSync(artifacts, { recursive: true });

/* ---- reports ---- */

/* Runs `audit --format FORMAT ARGS` into work/NAME.FORMAT. */
function report(name, format, args) {
	const file = path.join(work, `${name}.${format}`);
	const r = spawnSync(exe, ['audit', '--format', format, ...args, '--output', file],
			    { cwd: here, encoding: 'utf8' });
	return { status: r.status, stderr: r.stderr, file };
}

/* One workload of `kind`; `bad` ones may run as root with an untagged image
 * and no resources or probes. */
function manifest(kind, name, ns, bad) {
	const spec = [
		'spec:',
		`  securityContext: {runAsNonRoot: ${!bad}, runAsUser: ${bad ? 0 : 1000}` +
			`${bad ? '' : ', seccompProfile: {type: RuntimeDefault}'}}`,
		`  restartPolicy: ${kind === 'Job' || kind === 'CronJob' ? 'Never' : 'Always'}`,
		'  containers:',
		'  - name: app',
		...(bad ? ['    image: nginx'] : [
			'    image: ghcr.io/example/app:1.2.3',
			'    securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,' +
				' capabilities: {drop: [ALL]}}',
			'    resources:',
			'      requests: {cpu: 100m, memory: 64Mi}',
			'      limits: {cpu: 200m, memory: 128Mi}',
			'    readinessProbe: {httpGet: {path: /ready, port: 8080}}',
			'    livenessProbe: {httpGet: {path: /healthz, port: 8080}}',
		]),
	];
	const podSpec = (indent) => spec.map((l) => ' '.repeat(indent) + l).join('\n') + '\n';
	const meta = `metadata:\n  name: ${name}\n  namespace: ${ns}\n  labels: {app: ${name}}\n`;
	switch (kind) {
	case 'Pod':
		return `apiVersion: v1\nkind: Pod\n${meta}${podSpec(0)}`;
	case 'Job':
		return `apiVersion: batch/v1\nkind: Job\n${meta}spec:\n  template:\n${podSpec(4)}`;
	case 'CronJob':
		return `apiVersion: batch/v1\nkind: CronJob\n${meta}spec:\n  schedule: "0 1 * * *"\n` +
			`  jobTemplate:\n    spec:\n      template:\n${podSpec(8)}`;
	default:
		return `apiVersion: apps/v1\nkind: ${kind}\n${meta}spec:\n` +
			`  selector: {matchLabels: {app: ${name}}}\n  template:\n` +
			`    metadata: {labels: {app: ${name}}}\n${podSpec(4)}`;
	}
}

/* Writes `n` workloads of six kinds in 25 namespaces, every third one
 * failing, into files of 100 documents under `dir`. */
function writeWorkloads(dir, n) {
	const kinds = ['Deployment', 'StatefulSet', 'DaemonSet', 'Pod', 'Job', 'CronJob'];
	fs.mkdirSync(dir);
	for (let f = 0; f * 100 < n; f++) {
		const docs = [];
		for (let k = f * 100; k < Math.min(n, f * 100 + 100); k++)
			docs.push(manifest(kinds[k % kinds.length], `app-${k}`, `team-${k % 25}`,
					   k % 3 === 0));
		fs.writeFileSync(path.join(dir, `part-${String(f).padStart(2, '0')}.yaml`),
				 docs.join('---\n'));
	}
}

const html = report('report', 'html', inputs);
const json = report('report', 'json', inputs);
ok(html.status === 1 && json.status === 1 && fs.existsSync(html.file),
   'the audit writes the HTML report and exits 1 for the danger findings',
   { html: html.status, json: json.status, stderr: html.stderr });
const expected = JSON.parse(fs.readFileSync(json.file, 'utf8'));
const summary = expected.summary;
const all = expected.workloads;
const items = JSON.parse(spawnSync(exe, ['checks', '--format', 'json'],
				   { encoding: 'utf8' }).stdout);
const itemById = Object.fromEntries(items.map((i) => [i.id, i]));

/* The whitelist entry the page must offer for a failed result. */
function entryFor({ ns, kind, name, container, item }) {
	const lines = [];
	if (ns !== '')
		lines.push(`namespaces: [${ns}]`);
	lines.push(`kinds: [${kind}]`, `names: [${name}]`);
	if (container !== null)
		lines.push(`containers: [${container}]`);
	lines.push(`checks: [${item}]`, 'reason: ""  # why it is accepted');
	return lines.map((l, k) => (k ? '    ' : '  - ') + l).join('\n') + '\n';
}

const source = fs.readFileSync(html.file, 'utf8');
ok(!source.includes(hostileName) && !source.includes('<img') &&
   !source.includes('<b>reviewed'),
   'no markup from a manifest or the policy is left unescaped in the page source');
ok(source.includes('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; ' +
		   'style-src \'unsafe-inline\'; script-src \'unsafe-inline\'; img-src data:">'),
   'the page carries the strict Content-Security-Policy');

/* ---- the browser ---- */

let browser, context;
try {
	browser = await chromium.launch({
		executablePath: chromiumPath,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		       '--disable-background-networking', '--disable-component-update',
		       '--disable-sync'],
	});
	context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
	await context.grantPermissions(['clipboard-read', 'clipboard-write']).catch(() => {});
} catch (e) {
	ok(false, 'Chromium starts', String(e.message || e));
	finish();
}

/* What no page may do, by kind; `fileLoads` shows that the request hook
 * sees requests at all. */
const problems = { console: [], pageerror: [], dialog: [], request: [] };
let fileLoads = 0;

/* Opens `file` and waits until its table is built: `ms` is the time from
 * the request to that. */
async function openPage(file, viewport) {
	const page = await context.newPage();
	if (viewport)
		await page.setViewportSize(viewport);
	const url = pathToFileURL(file).href;
	const name = path.basename(file);
	page.setDefaultTimeout(10_000);
	page.on('console', (m) => {
		if (m.type() === 'error' || m.type() === 'warning')
			problems.console.push(`${name}: ${m.type()}: ${m.text()}`);
	});
	page.on('pageerror', (e) => problems.pageerror.push(`${name}: ${e.message}`));
	page.on('dialog', (d) => {
		problems.dialog.push(`${name}: ${d.type()}: ${d.message()}`);
		d.dismiss().catch(() => {});
	});
	page.on('request', (r) => {
		if (r.url() === url)
			fileLoads++;
		else
			problems.request.push(`${name}: ${r.url()}`);
	});
	const t0 = Date.now();
	await page.goto(url, { waitUntil: 'load', timeout: 90_000 });
	await page.waitForSelector('body[data-ready="true"]', { timeout: 90_000 });
	return { page, ms: Date.now() - t0 };
}

/* How many workloads the filters let through, and the rows in the DOM. */
const shownRows = (page) => page.$eval('#wl-table', (t) => Number(t.dataset.shown));
const domRows = (page) => page.$$eval('#wl-body tr.row', (rows) => rows.length);
const rowData = (page, key) => page.$$eval('#wl-body tr.row',
	(rows, k) => rows.map((r) => r.dataset[k]), key);

/* Sets every filter; `ns` and `kind` null select all. */
async function setFilters(page, { status = '', ns = null, kind = null, text = '' }) {
	await page.selectOption('#f-status', status);
	const nsIndex = ns === null ? 0 : await page.$eval('#f-ns',
		(s, v) => [...s.options].findIndex((o, i) => i > 0 && o.value === v), ns);
	await page.selectOption('#f-ns', { index: nsIndex });
	if (kind === null)
		await page.selectOption('#f-kind', { index: 0 });
	else
		await page.selectOption('#f-kind', kind);
	await page.fill('#f-text', text);
}

/* Opens workload `i` in the details (its block unpacked) and returns its
 * element's id. */
async function openWorkload(page, i) {
	const id = await page.evaluate((k) => window.siOpenWorkload(k).then((d) => d && d.id), i);
	if (!id)
		throw new Error(`workload ${i} does not open: ` +
				await page.textContent('#wl-status'));
	return id;
}

async function checkOverview(page) {
	const shown = await page.evaluate(() => {
		const t = (id) => document.getElementById(id).textContent.trim();
		return {
			workloads: Number(t('sum-workloads')), items: Number(t('sum-items')),
			passed: Number(t('sum-passed')), failed: Number(t('sum-failed')),
			whitelisted: Number(t('sum-whitelisted')), score: Number(t('sum-score')),
			health: t('sum-health'),
			healthClass: document.getElementById('sum-health').className,
		};
	});
	const want = {
		workloads: summary.workloads, items: summary.items, passed: summary.passed,
		failed: summary.failed, whitelisted: summary.whitelisted, score: summary.score,
		health: summary.health, healthClass: `health h-${summary.health}`,
	};
	ok(same(shown, want), 'the overview numbers, score and health equal the JSON summary',
	   { shown, want });
	ok(summary.whitelisted > 0 && summary.failed > 0 && summary.passed > 0,
	   'the test data has passed, failed and whitelisted items', summary);

	/* Written last, shown first: the overview and the header's counts. */
	const order = await page.evaluate(() => {
		const top = (sel) => document.querySelector(sel).getBoundingClientRect().top;
		return {
			overview: top('#overview'), categories: top('#categories'),
			workloads: top('#workloads'), late: document.getElementById('late').children.length,
			sub: document.querySelector('header.top .sub').textContent,
			health: document.querySelector('header.top .health').textContent,
		};
	});
	ok(order.overview < order.categories && order.categories < order.workloads &&
	   order.late === 0 && order.sub === `security-inspector · ${summary.workloads} ` +
	   `workloads from ${fs.readdirSync(path.join(here, 'data', 'manifests')).length} inputs` &&
	   order.health === summary.health,
	   'the overview, written after the workloads, stands at the top with the header\'s counts',
	   order);

	const kinds = await page.$$eval('#kind-chart .kind-row', (gs) => gs.map((g) => [
		g.dataset.kind, Number(g.dataset.count), g.querySelector('text.val').textContent]));
	const kindWant = Object.entries(summary.byKind).map(([k, n]) =>
		[k, n, `${n} · ${(100 * n / summary.workloads).toFixed(1)}%`]);
	ok(same(kinds, kindWant), 'workloads by kind: counts and percentages equal the JSON',
	   { kinds, kindWant });

	const cats = await page.$$eval('.category', (cs) => Object.fromEntries(cs.map((c) => {
		const sum = (k) => [...c.querySelectorAll('.item-row')]
			.reduce((n, g) => n + Number(g.dataset[k]), 0);
		return [c.dataset.category, {
			passed: sum('passed'), failed: sum('failed'), whitelisted: sum('whitelisted'),
			charts: c.querySelectorAll('svg').length,
		}];
	})));
	const catWant = Object.fromEntries(Object.entries(summary.byCategory)
		.map(([k, v]) => [k, { ...v, charts: 1 }]));
	ok(same(cats, catWant), 'one chart per category, its items adding up to the JSON counts',
	   { cats, catWant });

	const skipped = await page.$$eval('#not-inspected tr[data-skipped]',
		(rs) => rs.map((r) => r.textContent));
	ok(skipped.length === expected.skipped.length &&
	   skipped.some((t) => t.includes('Service') && t.includes('web')),
	   'objects not inspected are listed', { skipped, want: expected.skipped });
}

async function checkFilters(page) {
	const rows = await shownRows(page);
	ok(rows === all.length && all.length === summary.workloads &&
	   await domRows(page) === all.length,
	   'the table lists every workload', { rows, want: all.length });

	await setFilters(page, { status: 'failed' });
	const failedRows = await shownRows(page);
	const failedDom = await rowData(page, 'status');
	await setFilters(page, { status: 'passed' });
	const passedRows = await shownRows(page);
	ok(failedRows === summary.failedWorkloads && passedRows === summary.passedWorkloads &&
	   failedRows > 0 && passedRows > 0 && failedDom.length === failedRows &&
	   failedDom.every((s) => s === 'failed'),
	   'the status filter shows the failed, then the passed workloads',
	   { failedRows, passedRows, summary, failedDom });

	const namespaces = [...new Set(all.map((w) => w.namespace))];
	const nsCounts = {};
	for (const ns of namespaces) {
		await setFilters(page, { ns });
		nsCounts[ns] = await shownRows(page);
	}
	const nsWant = Object.fromEntries(namespaces.map((ns) =>
		[ns, all.filter((w) => w.namespace === ns).length]));
	ok(namespaces.length >= 5 && same(nsCounts, nsWant),
	   `the namespace filter shows each namespace's workloads (${namespaces.length} namespaces)`,
	   { nsCounts, nsWant });

	const kindCounts = {};
	for (const kind of Object.keys(summary.byKind)) {
		await setFilters(page, { kind });
		kindCounts[kind] = await shownRows(page);
	}
	ok(Object.keys(kindCounts).length >= 5 && same(kindCounts, summary.byKind),
	   'the kind filter shows each kind\'s workloads', { kindCounts, want: summary.byKind });

	const haystack = (w) => [w.kind, w.namespace, w.name, w.source].join('\n').toLowerCase();
	const searches = {};
	for (const q of ['SHOP', 'alert(1)', 'rbac.yaml', 'no-such-workload']) {
		await setFilters(page, { text: q });
		searches[q] = await shownRows(page);
	}
	const searchWant = Object.fromEntries(Object.keys(searches).map((q) =>
		[q, all.filter((w) => haystack(w).includes(q.toLowerCase())).length]));
	const emptyShown = await page.$eval('#wl-empty', (e) => e.getClientRects().length > 0);
	ok(same(searches, searchWant) && searchWant['no-such-workload'] === 0 && emptyShown,
	   'the search matches kind, namespace, name and file, case-insensitively',
	   { searches, searchWant, emptyShown });

	await setFilters(page, { status: 'failed', ns: 'shop', text: 'api' });
	const combined = await shownRows(page);
	const combinedWant = all.filter((w) => w.failed > 0 && w.namespace === 'shop' &&
					 haystack(w).includes('api')).length;
	const countText = await page.textContent('#f-count');
	const names = await rowData(page, 'name');
	ok(combined === combinedWant && combined === 1 && same(names, ['api']) &&
	   countText === `1 of ${all.length} workloads`,
	   'filters combine, and the count and the rows follow them',
	   { combined, combinedWant, countText, names });
	await setFilters(page, {});
}

async function checkSorting(page) {
	const original = await rowData(page, 'name');
	await page.click('#wl-table th[data-key=name] button');
	const asc = await rowData(page, 'name');
	const ascSorted = await page.evaluate((names) => {
		const c = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
		return names.every((n, i) => i === 0 || c.compare(names[i - 1], n) <= 0);
	}, asc);
	await page.click('#wl-table th[data-key=name] button');
	const desc = await rowData(page, 'name');
	const ariaSort = await page.getAttribute('#wl-table th[data-key=name]', 'aria-sort');
	ok(ascSorted && !same(asc, original) && same([...asc].reverse(), desc) &&
	   ariaSort === 'descending',
	   'sorting by name orders the rows, a second click reverses them',
	   { original, asc, desc, ariaSort });

	await page.click('#wl-table th[data-key=failed] button');
	await page.click('#wl-table th[data-key=failed] button');
	const failed = (await rowData(page, 'failed')).map(Number);
	ok(failed.every((n, i) => i === 0 || failed[i - 1] >= n) && failed[0] > 0,
	   'sorting by failed count is numeric', failed);
}

async function checkDetails(page) {
	const index = await page.$$eval('#wl-body tr.row',
		(rs, name) => rs.findIndex((r) => r.dataset.name === name), hostileName);
	const row = page.locator('#wl-body tr.row').nth(index);
	const nameCell = await row.locator('a.wl-link').textContent();
	const nsCell = await row.locator('td').nth(2).textContent();
	ok(nameCell === hostileName && nsCell === hostileNs,
	   'markup in a name and a namespace shows as text in the table', { nameCell, nsCell });

	const before = await page.$$eval('details.wl', (ds) => ds.length);
	const id = (await row.locator('a.wl-link').getAttribute('href')).slice(1);
	await row.locator('a.wl-link').click();
	const det = page.locator(`#${id}[data-ready]`);
	await det.waitFor();
	const opened = await det.evaluate((d) => d.open);
	const subjects = await det.locator('tr.grp th').allTextContents();
	const texts = await det.locator('tr[data-item]').evaluateAll((rs) => rs.map((t) => ({
		item: t.dataset.item, status: t.dataset.status,
		risk: t.querySelector('.rk').textContent,
		fix: t.querySelector('.fx-text').textContent,
	})));
	const entry = all.find((w) => w.name === hostileName);
	ok(before === 0 && opened && subjects.includes(`container${hostileName}`) &&
	   subjects.includes(`container${hostileNs}`) && texts.length === entry.results.length &&
	   texts.filter((t) => t.status === 'failed').length === entry.failed &&
	   texts.every((t) => t.risk === itemById[t.item].risk && t.fix === itemById[t.item].fix),
	   'details are drawn when opened: every item per container with status, risk and fix',
	   { before, opened, subjects, texts: texts.length, want: entry.results.length });

	await det.locator('details.yaml > summary').click();
	const yaml = await det.locator('details.yaml pre').evaluate((p) => ({
		text: p.textContent, seen: p.innerText, elements: p.children.length,
		visible: p.getClientRects().length > 0,
		label: p.parentElement.querySelector('summary').textContent,
	}));
	ok(yaml.visible && yaml.elements === 0 && yaml.seen.includes(`name: ${hostileName}`) &&
	   yaml.text.includes('kind: Deployment') && yaml.text.includes('onerror=alert(2)') &&
	   yaml.label === 'Manifest (YAML, env values masked)',
	   'the manifest YAML shows the <script> text as text', yaml);

	/* Every workload, opened: its YAML audits to its results. */
	for (let i = 0; i < all.length; i++)
		await openWorkload(page, i);
	const dom = await page.evaluate(() => ({
		scripts: document.scripts.length,
		data: document.querySelectorAll('script[type="application/octet-stream"],' +
						 'script[type="application/json"]').length,
		images: document.images.length,
		handlers: document.querySelectorAll('[onerror],[onload],[onclick]').length,
	}));
	ok(dom.scripts === dom.data + 1 && dom.images === 0 && dom.handlers === 0,
	   'no script, image or event handler from a manifest is in the DOM', dom);

	const reasons = await page.$$eval('tr[data-status=whitelisted] .reason',
		(rs) => rs.map((r) => r.textContent));
	ok(reasons.length === summary.whitelisted &&
	   reasons.every((r) => r === `Whitelisted: ${reason}`),
	   'whitelisted items show their reason, as text', reasons);

	const yamls = await page.evaluate((n) => Array.from({ length: n }, (_, i) =>
		document.querySelector(`#w-${i} details.yaml pre`).textContent), all.length);
	const back = path.join(work, 'yaml-back');
	fs.mkdirSync(back);
	yamls.forEach((y, i) =>
		fs.writeFileSync(path.join(back, `${String(i).padStart(4, '0')}.yaml`), y));
	const again = report('back', 'json', ['--config', policy, back]);
	const strip = (ws) => ws.map(({ source, ...w }) => w);
	const backWorkloads = JSON.parse(fs.readFileSync(again.file, 'utf8')).workloads;
	ok(yamls.length === all.length && same(strip(backWorkloads), strip(all)),
	   'the YAML of every workload audits to the same results as its source',
	   { yamls: yamls.length, workloads: all.length, stderr: again.stderr });
}

/* The entries offered under "Add to whitelist", with the result each is
 * for: every workload is open by now. */
async function offeredEntries(page) {
	return page.$$eval('details.wl', (ds) => ds.flatMap((d) =>
		[...d.querySelectorAll('tr[data-status=failed]')].map((tr) => {
			let grp = tr.previousElementSibling;
			while (!grp.classList.contains('grp'))
				grp = grp.previousElementSibling;
			return {
				i: Number(d.dataset.i), item: tr.dataset.item, subject: grp.textContent,
				entry: tr.querySelector('.fx pre.wl-entry').textContent,
			};
		})));
}

async function checkWhitelistEntries(page) {
	const offered = await offeredEntries(page);
	ok(offered.length === summary.failed,
	   'every failed result offers a whitelist entry', { offered: offered.length, summary });

	const find = (name, item, subject) => offered.find((o) =>
		all[o.i].name === name && o.item === item && o.subject === subject);
	const cases = [
		['a plain Deployment', find('api', 'runAsRootAllowed', 'containerapi'),
		 { ns: 'shop', kind: 'Deployment', name: 'api', container: 'api',
		   item: 'runAsRootAllowed' }],
		['a ReplicaSet: its Deployment', find('cache-6f7c9d8b5', 'tagNotSpecified',
						      'containerredis'),
		 { ns: 'cache', kind: 'Deployment', name: 'cache', container: 'redis',
		   item: 'tagNotSpecified' }],
		['a Pod of that ReplicaSet: the Deployment', find('cache-6f7c9d8b5-x7k2p',
								    'runAsRootAllowed', 'containerredis'),
		 { ns: 'cache', kind: 'Deployment', name: 'cache', container: 'redis',
		   item: 'runAsRootAllowed' }],
		['a pod-level item: no container', find('cache-6f7c9d8b5-x7k2p', 'hostIPCSet', 'Pod'),
		 { ns: 'cache', kind: 'Deployment', name: 'cache', container: null,
		   item: 'hostIPCSet' }],
		['a cluster-scoped binding: no namespace', find('anonymous-view',
								 'anonymousUserRBACBinding', 'Binding'),
		 { ns: '', kind: 'ClusterRoleBinding', name: 'anonymous-view', container: null,
		   item: 'anonymousUserRBACBinding' }],
		['markup in names: quoted', find(hostileName, 'tagNotSpecified', `container${hostileNs}`),
		 { ns: '"\\"><img src=x onerror=alert(2)>"', kind: 'Deployment',
		   name: '"<script>alert(1)</script>"', container: '"\\"><img src=x onerror=alert(2)>"',
		   item: 'tagNotSpecified' }],
	];
	for (const [what, got, want] of cases) {
		const text = entryFor(want);
		ok(got && got.entry === text, `the whitelist entry of ${what}`,
		   { got: got && got.entry, want: text });
	}

	/* Each entry, pasted under the policy's whitelist:, accepts its result:
	 * all of them together leave no failure. */
	const policyText = fs.readFileSync(policy, 'utf8');
	const pasted = path.join(work, 'policy-pasted.yaml');
	fs.writeFileSync(pasted, policyText.replace(/\nwhitelist:\n/,
		`\nwhitelist:\n${offered.map((o) => o.entry).join('')}`));
	const after = report('pasted', 'json', ['--config', pasted, 'data/manifests']);
	const s2 = after.status === 0 && JSON.parse(fs.readFileSync(after.file, 'utf8')).summary;
	ok(s2 && s2.failed === 0 && s2.whitelisted === summary.whitelisted + summary.failed,
	   'pasted into the policy, the offered entries accept every failure and nothing else fails',
	   { status: after.status, stderr: after.stderr, summary: s2 });

	/* The Pod's entry alone accepts its result, and the same result of the
	 * Deployment's ReplicaSet: nothing else. */
	const one = cases[2][1];
	fs.writeFileSync(pasted, policyText.replace(/\nwhitelist:\n/, `\nwhitelist:\n${one.entry}`));
	const single = report('single', 'json', ['--config', pasted, 'data/manifests']);
	const s3 = JSON.parse(fs.readFileSync(single.file, 'utf8'));
	const changed = s3.workloads.flatMap((w) => w.results
		.filter((r) => r.status === 'whitelisted' && w.namespace === 'cache')
		.map((r) => `${w.kind}/${r.check}/${r.container}`));
	ok(s3.summary.failed === summary.failed - 2 &&
	   same(changed, ['ReplicaSet/runAsRootAllowed/redis', 'Pod/runAsRootAllowed/redis']),
	   'one entry accepts its result, in the Pod and in the other objects of its Deployment',
	   { failed: s3.summary.failed, want: summary.failed - 2, changed });
}

async function checkCopy(page) {
	const id = `w-${all.findIndex((w) => w.name === 'api')}`;
	const add = page.locator(`#${id} tr[data-item=runAsRootAllowed] details.add`);
	await add.locator('summary').click();
	const want = await add.locator('pre.wl-entry').textContent();
	const button = add.locator('button.copy');
	ok(await button.isVisible() && await button.textContent() === 'Copy',
	   'the entry has a Copy button');
	await button.click();
	await page.waitForFunction((sel) => document.querySelector(sel).textContent !== 'Copy',
				   `#${id} tr[data-item=runAsRootAllowed] button.copy`);
	const said = await button.textContent();
	const copied = await page.evaluate(() => navigator.clipboard.readText()
		.catch(() => window.getSelection().toString()));
	ok((said === 'Copied' || said === 'Selected: press Ctrl+C') && copied === want,
	   'Copy puts the entry on the clipboard (or selects it)', { said, copied, want });

	/* Without the Clipboard API: the entry is selected for Ctrl+C. */
	await page.evaluate(() => {
		Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true });
		window.getSelection().removeAllRanges();
	});
	await page.waitForFunction((sel) => document.querySelector(sel).textContent === 'Copy',
				   `#${id} tr[data-item=runAsRootAllowed] button.copy`,
				   { timeout: 5_000 });
	await button.click();
	const selected = await page.evaluate(() => window.getSelection().toString());
	const said2 = await button.textContent();
	ok(selected.trimEnd() === want.trimEnd() && (said2 === 'Copied' || said2 === 'Selected: press Ctrl+C'),
	   'without the Clipboard API the entry is selected (and copied where the browser can)',
	   { selected, said2 });
}

async function checkPrint(page) {
	const open = await page.$$eval('details.wl[open]', (ds) => ds.length);
	const pdf = await page.pdf({ format: 'A4', printBackground: true });
	await page.emulateMedia({ media: 'print' });
	const print = await page.evaluate(() => ({
		filters: getComputedStyle(document.querySelector('.filters')).display,
		nav: getComputedStyle(document.querySelector('nav')).display,
		add: [...document.querySelectorAll('details.add')]
			.filter((d) => d.getClientRects().length > 0).length,
		openShown: [...document.querySelectorAll('details.wl[open] table.res')]
			.filter((t) => t.getClientRects().length > 0).length,
	}));
	await page.emulateMedia({ media: 'screen' });
	ok(pdf.length > 10_000 && print.filters === 'none' && print.nav === 'none' &&
	   print.add === 0 && print.openShown === open && open > 0,
	   'printing shows the opened details and hides the filters and whitelist entries',
	   { open, pdf: pdf.length, print });
}

/* A link to #w-N opens workload N when the page loads. */
async function checkLink(file) {
	const i = all.findIndex((w) => w.name === 'db');
	const page = await context.newPage();
	page.on('pageerror', (e) => problems.pageerror.push(`link: ${e.message}`));
	await page.goto(`${pathToFileURL(file).href}#w-${i}`);
	await page.waitForSelector(`#w-${i}[open][data-ready]`);
	const opened = await page.$$eval('details.wl', (ds) => ds.map((d) => d.id));
	const subjects = await page.$$eval(`#w-${i} tr.grp th`, (ths) => ths.map((t) => t.textContent));
	ok(same(opened, [`w-${i}`]) && same(subjects, ['Pod', 'containerpostgres',
						       'initContainerinit-perms']),
	   'a link to #w-N opens that workload on load: the pod, then each container',
	   { opened, subjects });
	await page.close();
}

async function checkFailedOnly() {
	const only = report('failed-only', 'html', ['--failed-only', ...inputs]);
	const { page } = await openPage(only.file);
	const failedIdx = all.map((w, i) => (w.failed ? i : -1)).filter((i) => i >= 0);
	for (let k = 0; k < failedIdx.length; k++)
		await openWorkload(page, k);
	const stats = await page.evaluate(() => {
		const n = (sel) => document.querySelectorAll(sel).length;
		return {
			rows: Number(document.getElementById('wl-table').dataset.shown),
			passedRows: n('#wl-body tr.row[data-status=passed]'),
			passed: n('details.wl tr[data-status=passed]'),
			whitelisted: n('details.wl tr[data-status=whitelisted]'),
			failed: n('details.wl tr[data-status=failed]'),
			workloads: Number(document.getElementById('sum-workloads').textContent),
		};
	});
	ok(same(stats, { rows: summary.failedWorkloads, passedRows: 0, passed: 0, whitelisted: 0,
			 failed: summary.failed, workloads: summary.workloads }),
	   '--failed-only lists only failing workloads and failed items; the overview counts all',
	   stats);
	await page.close();
}

async function checkScale() {
	writeWorkloads(path.join(work, 'w1000'), 1000);
	writeWorkloads(path.join(work, 'w5000'), 5000);
	const small = fs.statSync(report('w1000', 'html', [path.join(work, 'w1000')]).file).size;
	const big = report('w5000', 'html', [path.join(work, 'w5000')]);
	const size = fs.statSync(big.file).size;
	const { page, ms } = await openPage(big.file, { width: 1280, height: 2000 });
	const shown = await shownRows(page);
	const drawn = await domRows(page);
	/* Timed in the page: filtering and sorting, each with its layout. */
	const timing = await page.evaluate(() => {
		const t0 = performance.now();
		const status = document.getElementById('f-status');
		status.value = 'failed';
		status.dispatchEvent(new Event('change'));
		void document.body.offsetHeight;
		const t1 = performance.now();
		document.querySelector('#wl-table th[data-key=name] button').click();
		void document.body.offsetHeight;
		return { filterMs: Math.round(t1 - t0), sortMs: Math.round(performance.now() - t1) };
	});
	const failed = await shownRows(page);
	const first = (await rowData(page, 'name'))[0];
	const t0 = Date.now();
	await page.locator('#wl-body tr.row a.wl-link').first().click();
	await page.waitForSelector('details.wl[open][data-ready] tr[data-item] .rk');
	const openMs = Date.now() - t0;
	const risk = await page.$eval('details.wl[open] tr[data-item] .rk', (c) => c.textContent);
	await setFilters(page, {});
	const walk = await scrollThrough(page);
	comment(`5000 workloads: ${(size / 1048576).toFixed(2)} MiB ` +
		`(${Math.round(size / 5000)} bytes a workload; 1000 workloads: ` +
		`${(small / 1048576).toFixed(2)} MiB), table ready in ${ms} ms, ` +
		`filtered in ${timing.filterMs} ms, sorted in ${timing.sortMs} ms, ` +
		`a workload opened in ${openMs} ms, at most ${walk.most} rows in the DOM`);
	ok(big.status === 1 && shown === 5000 && failed === 1667 && first === 'app-0' &&
	   risk !== '' && ms < 60_000 && timing.filterMs < 5_000 && timing.sortMs < 5_000,
	   'a report of 5,000 workloads loads, filters, sorts and opens within bounds',
	   { status: big.status, shown, failed, first, risk, ms, timing });
	ok(drawn < 100 && walk.most < 100 && walk.seen === 5000,
	   'only the rows in view are in the DOM, and scrolling reaches every workload',
	   { drawn, walk });
	const each = (size - small) / 4000;
	ok(each < 2048 && each > 0.5 * small / 1000 && size < 5.5 * small,
	   'the page grows linearly, under 2 KiB a workload', { small, size, each });
	await page.close();
}

try {
	const { page } = await openPage(html.file);
	await checkOverview(page);
	await checkFilters(page);
	await checkSorting(page);
	await checkDetails(page);
	await checkWhitelistEntries(page);
	await checkCopy(page);
	await checkPrint(page);
	const shot = path.join(artifacts, 'html-report.png');
	await page.evaluate(() => document.querySelectorAll('details.wl').forEach((d, k) => {
		d.open = k === 0;
	}));
	await page.screenshot({ path: shot, fullPage: true, timeout: 60_000 });
	ok(fs.statSync(shot).size > 10_000, 'a full-page screenshot is taken');
	fs.copyFileSync(html.file, path.join(artifacts, 'html-report.html'));
	comment(`screenshot: ${shot}`);
	comment(`page: ${path.join(artifacts, 'html-report.html')}`);
	await page.close();
	await checkLink(html.file);
	await checkFailedOnly();
	await checkScale();
} catch (e) {
	ok(false, 'the browser checks ran to the end',
	   String(e.stack || e).replace(/\x1b\[[0-9;]*m/g, ''));
}
ok(problems.console.length === 0, 'no page logs a console error or warning', problems.console);
ok(problems.pageerror.length === 0, 'no page throws an error', problems.pageerror);
ok(problems.dialog.length === 0, 'no dialog ever opens: the injected scripts never run',
   problems.dialog);
ok(fileLoads >= 3 && problems.request.length === 0,
   'no page requests anything but its own file', { fileLoads, others: problems.request });
await browser.close();
fs.rmSync(work, { recursive: true, force: true });
finish();
