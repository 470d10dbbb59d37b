// SPDX-License-Identifier: Apache-2.0
// The HTML audit report in a real browser (headless Chromium over file://):
// overview numbers match the JSON report, filters, sorting and details work,
// markup from manifests stays text, nothing is fetched, 5,000 workloads load.
// Usage: node html_report.mjs PATH/TO/security-inspector   (prints TAP)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const exe = process.argv[2] ? path.resolve(process.argv[2]) : '';
const chromiumPath = '/usr/bin/chromium';
const data = path.join(here, 'data');
const policy = path.join(data, 'policy.yaml');
const hostileName = '<script>alert(1)</script>';
const hostileNs = '"><img src=x onerror=alert(2)>';

function skipAll(reason) {
	console.log(`1..0 # SKIP ${reason}`);
	process.exit(0);
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
		const why = (npm.error ? npm.error.message : npm.stderr || '').trim().split('\n').pop();
		skipAll(`npm ci could not install playwright-core: ${why || 'unknown error'}`);
	}
}
const { chromium } = await import(pathToFileURL(pwEntry).href);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'si-html-'));
const artifacts = process.env.MESON_BUILD_ROOT
	? path.join(process.env.MESON_BUILD_ROOT, 'tests', 'html')
	: fs.mkdtempSync(path.join(os.tmpdir(), 'si-html-report-'));
fs.mkdirSync(artifacts, { recursive: true });

/* ---- TAP ---- */

let count = 0;
let failures = 0;
function ok(cond, name, diag) {
	count++;
	if (!cond)
		failures++;
	console.log(`${cond ? 'ok' : 'not ok'} ${count} - ${name}`);
	if (!cond && diag !== undefined)
		for (const line of String(typeof diag === 'string' ? diag : JSON.stringify(diag))
			.split('\n'))
			console.log(`#   ${line}`);
}
function comment(text) {
	console.log(`# ${text}`);
}
function same(a, b) {
	return JSON.stringify(a) === JSON.stringify(b);
}

/* ---- reports ---- */

function audit(args, out) {
	const r = spawnSync(exe, ['audit', ...args, '--output', out], {
		cwd: here, encoding: 'utf8', maxBuffer: 64 << 20,
	});
	return { status: r.status, stderr: r.stderr };
}

function report(name, format, args) {
	const out = path.join(work, `${name}.${format}`);
	const r = audit(['--format', format, ...args], out);
	return { ...r, file: out };
}

const inputs = ['--config', policy, 'data/manifests'];
const html = report('report', 'html', inputs);
const json = report('report', 'json', inputs);
ok(html.status === 1 && json.status === 1 && fs.existsSync(html.file),
   'the audit writes the HTML report and exits 1 for the danger findings',
   { html: html.status, json: json.status, stderr: html.stderr });
const expected = JSON.parse(fs.readFileSync(json.file, 'utf8'));
const summary = expected.summary;
const items = JSON.parse(spawnSync(exe, ['checks', '--format', 'json'], { encoding: 'utf8' }).stdout);
const riskOf = Object.fromEntries(items.map((i) => [i.id, i]));

const htmlText = fs.readFileSync(html.file, 'utf8');
ok(!htmlText.includes(hostileName) && !htmlText.includes('<img'),
   'no manifest markup appears unescaped in the page source');
ok(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">/.test(htmlText),
   'the page carries the strict Content-Security-Policy');

/* ---- the browser ---- */

const browser = await chromium.launch({
	executablePath: chromiumPath,
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	       '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const problems = [];   // console errors, page errors, dialogs, foreign requests

async function openPage(file, viewport = { width: 1280, height: 900 }) {
	const page = await browser.newPage({ viewport });
	const url = pathToFileURL(file).href;
	page.on('console', (m) => {
		if (m.type() === 'error' || m.type() === 'warning')
			problems.push(`${path.basename(file)}: console ${m.type()}: ${m.text()}`);
	});
	page.on('pageerror', (e) => problems.push(`${path.basename(file)}: page error: ${e.message}`));
	page.on('dialog', (d) => {
		problems.push(`${path.basename(file)}: dialog ${d.type()}: ${d.message()}`);
		d.dismiss().catch(() => {});
	});
	page.on('request', (r) => {
		if (r.url() !== url)
			problems.push(`${path.basename(file)}: request to ${r.url()}`);
	});
	const t0 = Date.now();
	await page.goto(url, { waitUntil: 'load', timeout: 90_000 });
	return { page, ms: Date.now() - t0 };
}

const visibleRows = (page) => page.$$eval('#wl-body tr',
	(rows) => rows.filter((r) => r.getClientRects().length > 0).length);
const rowNames = (page) => page.$$eval('#wl-body tr', (rows) => rows.map((r) => r.dataset.name));

async function setFilters(page, { status = '', ns = null, kind = null, text = '' }) {
	await page.selectOption('#f-status', status);
	if (ns === null)
		await page.selectOption('#f-ns', { index: 0 });
	else
		await page.selectOption('#f-ns', { index: await page.$eval('#f-ns',
			(s, v) => [...s.options].findIndex((o, i) => i > 0 && o.value === v), ns) });
	if (kind === null)
		await page.selectOption('#f-kind', { index: 0 });
	else
		await page.selectOption('#f-kind', kind);
	await page.fill('#f-text', text);
}

try {
	const { page } = await openPage(html.file);

	/* overview */
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

	const kinds = await page.$$eval('#kind-chart .kind-row', (gs) => gs.map((g) => [
		g.dataset.kind, Number(g.dataset.count), g.querySelector('text.val').textContent]));
	const kindWant = Object.entries(summary.byKind).map(([k, n]) =>
		[k, n, `${n} · ${(100 * n / summary.workloads).toFixed(1)}%`]);
	ok(same(kinds, kindWant), 'workloads by kind: counts and percentages equal the JSON',
	   { kinds, kindWant });

	const cats = await page.$$eval('.category', (cs) => Object.fromEntries(cs.map((c) => {
		const sum = (k) => [...c.querySelectorAll('.item-row')]
			.reduce((n, g) => n + Number(g.dataset[k]), 0);
		return [c.dataset.category, { passed: sum('passed'), failed: sum('failed'),
					      whitelisted: sum('whitelisted'),
					      charts: c.querySelectorAll('svg').length }];
	})));
	const catWant = Object.fromEntries(Object.entries(summary.byCategory).map(([k, v]) =>
		[k, { ...v, charts: 1 }]));
	ok(same(cats, catWant), 'one chart per category, its items adding up to the JSON counts',
	   { cats, catWant });

	/* the table and its filters */
	const all = expected.workloads;
	ok(await visibleRows(page) === all.length && all.length === summary.workloads,
	   'the table lists every workload', { rows: await visibleRows(page), want: all.length });

	await setFilters(page, { status: 'failed' });
	const failedRows = await visibleRows(page);
	await setFilters(page, { status: 'passed' });
	const passedRows = await visibleRows(page);
	ok(failedRows === summary.failedWorkloads && passedRows === summary.passedWorkloads &&
	   failedRows > 0 && passedRows > 0,
	   'the status filter shows the failed, then the passed workloads',
	   { failedRows, passedRows, summary });

	const namespaces = [...new Set(all.map((w) => w.namespace))];
	const nsCounts = {};
	for (const ns of namespaces) {
		await setFilters(page, { ns });
		nsCounts[ns] = await visibleRows(page);
	}
	const nsWant = Object.fromEntries(namespaces.map((ns) =>
		[ns, all.filter((w) => w.namespace === ns).length]));
	ok(namespaces.length >= 5 && same(nsCounts, nsWant),
	   `the namespace filter shows each namespace's workloads (${namespaces.length} namespaces)`,
	   { nsCounts, nsWant });

	const kindCounts = {};
	for (const kind of Object.keys(summary.byKind)) {
		await setFilters(page, { kind });
		kindCounts[kind] = await visibleRows(page);
	}
	ok(Object.keys(kindCounts).length >= 5 && same(kindCounts, summary.byKind),
	   'the kind filter shows each kind\'s workloads', { kindCounts, want: summary.byKind });

	const matches = (q) => all.filter((w) => [w.kind, w.namespace, w.name, w.source]
		.join('\n').toLowerCase().includes(q.toLowerCase())).length;
	const searches = {};
	for (const q of ['SHOP', 'alert(1)', 'rbac.yaml', 'no-such-workload'])
		await setFilters(page, { text: q }), searches[q] = await visibleRows(page);
	const searchWant = Object.fromEntries(Object.keys(searches).map((q) => [q, matches(q)]));
	const emptyShown = await page.$eval('#wl-empty', (e) => e.getClientRects().length > 0);
	ok(same(searches, searchWant) && searchWant['no-such-workload'] === 0 && emptyShown,
	   'the search matches kind, namespace, name and file, case-insensitively',
	   { searches, searchWant, emptyShown });

	await setFilters(page, { status: 'failed', ns: 'shop', text: 'api' });
	const combined = await visibleRows(page);
	const combinedWant = all.filter((w) => w.failed > 0 && w.namespace === 'shop' &&
		[w.kind, w.namespace, w.name, w.source].join('\n').toLowerCase().includes('api'))
		.length;
	const countText = await page.textContent('#f-count');
	const detailsShown = await page.$$eval('details.wl',
		(ds) => ds.filter((d) => d.getClientRects().length > 0).length);
	ok(combined === combinedWant && combined === 1 &&
	   countText === `1 of ${all.length} workloads` && detailsShown === 1,
	   'filters combine, and the count and the details list follow them',
	   { combined, combinedWant, countText, detailsShown });
	await setFilters(page, {});

	/* sorting */
	const original = await rowNames(page);
	await page.click('#wl-table th[data-key=name] button');
	const asc = await rowNames(page);
	const ascSorted = await page.evaluate((names) => {
		const c = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
		return names.every((n, i) => i === 0 || c.compare(names[i - 1], n) <= 0);
	}, asc);
	await page.click('#wl-table th[data-key=name] button');
	const desc = await rowNames(page);
	const ariaSort = await page.getAttribute('#wl-table th[data-key=name]', 'aria-sort');
	ok(ascSorted && !same(asc, original) && same([...asc].reverse(), desc) &&
	   ariaSort === 'descending',
	   'sorting by name orders the rows, a second click reverses them',
	   { original, asc, desc, ariaSort });

	await page.click('#wl-table th[data-key=failed] button');
	await page.click('#wl-table th[data-key=failed] button');
	const failedDesc = await page.$$eval('#wl-body tr', (rs) => rs.map((r) => Number(r.dataset.failed)));
	ok(failedDesc.every((n, i) => i === 0 || failedDesc[i - 1] >= n) && failedDesc[0] > 0,
	   'sorting by failed count is numeric', failedDesc);

	/* details of the hostile workload */
	const rowIndex = await page.$$eval('#wl-body tr',
		(rs, name) => rs.findIndex((r) => r.dataset.name === name), hostileName);
	const row = page.locator('#wl-body tr').nth(rowIndex);
	const nameCell = await row.locator('a.wl-link').textContent();
	const nsCell = await row.locator('td').nth(2).textContent();
	ok(nameCell === hostileName && nsCell === hostileNs,
	   'markup in a name and a namespace shows as text in the table', { nameCell, nsCell });

	const id = (await row.locator('a.wl-link').getAttribute('href')).slice(1);
	await row.locator('a.wl-link').click();
	const det = page.locator(`#${id}`);
	const opened = await det.evaluate((d) => d.open);
	const subjects = await det.locator('tr.grp th').allTextContents();
	const firstRisk = await det.locator('tr[data-item]').first().evaluate((t) => ({
		item: t.dataset.item, risk: t.querySelector('.rk').textContent,
		fix: t.querySelector('.fx').textContent,
	}));
	ok(opened && subjects.includes(`container${hostileName}`) &&
	   subjects.includes(`container${hostileNs}`) &&
	   firstRisk.risk === riskOf[firstRisk.item].risk && firstRisk.fix === riskOf[firstRisk.item].fix,
	   'the name link opens the details: items per container with risk and fix',
	   { opened, subjects, firstRisk });

	const entry = all.find((w) => w.name === hostileName);
	const statusRows = await det.locator('tr[data-item]').evaluateAll((rs) =>
		rs.map((r) => r.dataset.status));
	ok(statusRows.length === entry.results.length &&
	   statusRows.filter((s) => s === 'failed').length === entry.failed,
	   'every result of the workload is listed with its status',
	   { statusRows, want: entry.results.length });

	await det.locator('details.yaml > summary').click();
	const pre = det.locator('pre');
	const yaml = await pre.evaluate((p) => ({
		text: p.textContent, seen: p.innerText, elements: p.children.length,
		visible: p.getClientRects().length > 0,
	}));
	ok(yaml.visible && yaml.elements === 0 && yaml.seen.includes(`name: ${hostileName}`) &&
	   yaml.text.includes('kind: Deployment') && yaml.text.includes('onerror=alert(2)'),
	   'the manifest YAML shows the <script> text as text', yaml);

	const injected = await page.evaluate(() => ({
		scripts: document.scripts.length, images: document.images.length,
		handlers: document.querySelectorAll('[onerror],[onload],[onclick]').length,
	}));
	ok(same(injected, { scripts: 1, images: 0, handlers: 0 }),
	   'no script, image or event handler from a manifest is in the DOM', injected);

	const whitelisted = await page.$$eval('tr[data-status=whitelisted] .reason',
		(rs) => rs.map((r) => r.textContent));
	ok(whitelisted.length === summary.whitelisted &&
	   whitelisted.every((r) => r === 'Whitelisted: node metrics need the host network <b>reviewed</b>'),
	   'whitelisted items show their reason, as text', whitelisted);

	/* the YAML reads back as the same workloads */
	const yamls = await page.$$eval('details.wl pre', (ps) => ps.map((p) => p.textContent));
	const back = path.join(work, 'yaml-back');
	fs.mkdirSync(back);
	yamls.forEach((y, i) => fs.writeFileSync(path.join(back, `${String(i).padStart(4, '0')}.yaml`), y));
	const backJson = report('back', 'json', ['--config', policy, back]);
	const strip = (ws) => ws.map(({ source, ...w }) => w);
	const again = JSON.parse(fs.readFileSync(backJson.file, 'utf8')).workloads;
	ok(yamls.length === all.length && same(strip(again), strip(all)),
	   'the YAML of every workload audits to the same results as its source',
	   { yamls: yamls.length, workloads: all.length });

	/* printing */
	const printed = await page.evaluate(() => new Promise((resolve) => {
		window.addEventListener('beforeprint', () => resolve(
			document.querySelectorAll('details:not([open])').length), { once: true });
		window.dispatchEvent(new Event('beforeprint'));
	}));
	await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
	const closedAfter = await page.$$eval('details.wl:not([open])', (ds) => ds.length);
	await page.emulateMedia({ media: 'print' });
	const print = await page.evaluate(() => ({
		filters: getComputedStyle(document.querySelector('.filters')).display,
		nav: getComputedStyle(document.querySelector('nav')).display,
		closedPre: [...document.querySelectorAll('details.wl:not([open]) pre')]
			.filter((p) => p.getClientRects().length > 0).length,
	}));
	await page.emulateMedia({ media: 'screen' });
	ok(printed === 0 && closedAfter === all.length - 1 && print.filters === 'none' &&
	   print.nav === 'none' && print.closedPre > 0,
	   'printing opens every details and hides the filters', { printed, closedAfter, print });

	const shot = path.join(artifacts, 'html-report.png');
	await page.screenshot({ path: shot, fullPage: true });
	ok(fs.statSync(shot).size > 10_000, 'a full-page screenshot is taken');
	comment(`screenshot: ${shot}`);
	fs.copyFileSync(html.file, path.join(artifacts, 'html-report.html'));
	await page.close();

	/* --failed-only */
	const only = report('failed-only', 'html', ['--failed-only', ...inputs]);
	const { page: op } = await openPage(only.file);
	const onlyStats = await op.evaluate(() => ({
		rows: document.querySelectorAll('#wl-body tr').length,
		passedRows: document.querySelectorAll('#wl-body tr[data-status=passed]').length,
		passedResults: document.querySelectorAll('details.wl tr[data-status=passed]').length,
		whitelistedResults: document.querySelectorAll('details.wl tr[data-status=whitelisted]').length,
		failedResults: document.querySelectorAll('details.wl tr[data-status=failed]').length,
		workloads: Number(document.getElementById('sum-workloads').textContent),
	}));
	ok(same(onlyStats, { rows: summary.failedWorkloads, passedRows: 0, passedResults: 0,
			     whitelistedResults: 0, failedResults: summary.failed,
			     workloads: summary.workloads }),
	   '--failed-only lists only failing workloads and failed items; the overview counts all',
	   onlyStats);
	await op.close();

	/* 5,000 workloads */
	const big = path.join(work, 'big');
	fs.mkdirSync(big);
	const kindsBig = ['Deployment', 'StatefulSet', 'DaemonSet', 'Pod', 'Job', 'CronJob'];
	for (let f = 0; f < 50; f++) {
		const docs = [];
		for (let k = 0; k < 100; k++) {
			const n = f * 100 + k;
			docs.push(bigManifest(kindsBig[n % kindsBig.length], `app-${n}`, `team-${n % 25}`,
					      n % 3 === 0));
		}
		fs.writeFileSync(path.join(big, `part-${String(f).padStart(2, '0')}.yaml`),
				 docs.join('---\n'));
	}
	const bigHtml = report('big', 'html', [big]);
	const size = fs.statSync(bigHtml.file).size;
	const { page: bp, ms } = await openPage(bigHtml.file);
	const bigRows = await bp.$$eval('#wl-body tr', (rs) => rs.length);
	const t0 = Date.now();
	await bp.selectOption('#f-status', 'failed');
	const bigFailed = await visibleRows(bp);
	await bp.click('#wl-table th[data-key=name] button');
	const filterMs = Date.now() - t0;
	comment(`5000 workloads: ${(size / 1048576).toFixed(1)} MiB, ` +
		`${Math.round(size / 5000)} bytes per workload, loaded in ${ms} ms, ` +
		`filtered and sorted in ${filterMs} ms`);
	ok(bigHtml.status === 1 && bigRows === 5000 && bigFailed === 1667 && ms < 60_000 &&
	   filterMs < 15_000 && size < 5000 * 12_000,
	   'a report of 5,000 workloads loads, filters and sorts within bounds',
	   { status: bigHtml.status, bigRows, bigFailed, ms, filterMs, size });
	await bp.close();

	ok(problems.length === 0,
	   'no console error, page error, dialog or request other than the file itself', problems);
} catch (e) {
	ok(false, 'the browser checks ran to the end', e.stack || String(e));
} finally {
	await browser.close();
	fs.rmSync(work, { recursive: true, force: true });
}
console.log(`1..${count}`);
process.exit(failures ? 1 : 0);

/* One workload of `kind`; `bad` ones may run as root with an untagged image
 * and no resources or probes. */
function bigManifest(kind, name, ns, bad) {
	const jobLike = kind === 'Job' || kind === 'CronJob';
	const spec = [
		'spec:',
		`  securityContext: {runAsNonRoot: ${!bad}, runAsUser: ${bad ? 0 : 1000}}`,
		`  restartPolicy: ${jobLike ? 'Never' : 'Always'}`,
		'  containers:',
		'  - name: app',
		...(bad ? ['    image: nginx'] : [
			'    image: ghcr.io/example/app:1.2.3',
			'    securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true}',
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
