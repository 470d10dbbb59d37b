// SPDX-License-Identifier: Apache-2.0
// Loads an HTML report in headless Chromium RUNS times and prints, as JSON:
// the time from the request to a built table (median and each run), the
// workloads the table lists, the failed and passed ones and the namespaces'
// sum through the filters, the workloads scrolling draws (every one must
// be), the most rows in the DOM at once, and the time to open the last
// workload (its block unpacked) and the first.
//   node bench/html-load.mjs REPORT.html [RUNS]   (playwright-core of tests/html)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const pw = path.join(here, '..', 'tests', 'html', 'node_modules', 'playwright-core', 'index.mjs');
if (!fs.existsSync(pw)) {
	console.error(`no ${pw}: run npm ci --prefix tests/html`);
	process.exit(2);
}
const { chromium } = await import(pathToFileURL(pw).href);
const { scrollThrough } = await import(pathToFileURL(
	path.join(here, '..', 'tests', 'html', 'page_walk.mjs')).href);
const file = path.resolve(process.argv[2]);
const runs = Number(process.argv[3] || 3);

const browser = await chromium.launch({
	executablePath: '/usr/bin/chromium',
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
	       '--disable-background-networking', '--disable-component-update'],
});
const times = [];
let result = {};
for (let r = 0; r < runs; r++) {
	const page = await browser.newPage({ viewport: { width: 1280, height: 2000 } });
	const errors = [];
	page.on('pageerror', (e) => errors.push(e.message));
	const t0 = Date.now();
	await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 120_000 });
	await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000, polling: 20 });
	times.push(Date.now() - t0);
	if (r === runs - 1) {
		result = await page.evaluate(async () => {
			const byId = (id) => document.getElementById(id);
			const shown = () => Number(byId('wl-table').dataset.shown);
			const pick = (sel, v) => {
				byId(sel).value = v;
				byId(sel).dispatchEvent(new Event('change'));
				return shown();
			};
			const listed = shown();
			const failed = pick('f-status', 'failed');
			const passed = pick('f-status', 'passed');
			pick('f-status', '');
			const ns = byId('f-ns');
			let nsSum = 0;
			for (let k = 1; k < ns.options.length; k++) {
				ns.selectedIndex = k;
				ns.dispatchEvent(new Event('change'));
				nsSum += shown();
			}
			ns.selectedIndex = 0;
			ns.dispatchEvent(new Event('change'));
			let t = performance.now();
			await window.siOpenWorkload(listed - 1);
			const openLastMs = Math.round(performance.now() - t);
			t = performance.now();
			await window.siOpenWorkload(0);
			const openFirstMs = Math.round(performance.now() - t);
			return { listed, failed, passed, nsSum, openLastMs, openFirstMs };
		});
		const walk = await scrollThrough(page);
		result.scrolled = walk.seen;
		result.mostRows = walk.most;
		result.errors = errors;
	}
	await page.close();
}
await browser.close();
const sorted = [...times].sort((a, b) => a - b);
console.log(JSON.stringify({ readyMs: sorted[Math.floor(sorted.length / 2)], runs: times,
			     ...result }));
