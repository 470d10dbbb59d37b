// SPDX-License-Identifier: Apache-2.0
// What the browser test and bench/html-load.mjs both do to a loaded HTML
// report (a playwright page): walk its windowed table.

/* Scrolls the table from top to bottom, a screenful at a time, waiting for
 * each redraw: `seen` is how many workloads were drawn on the way, `most`
 * the most rows in the DOM at once. */
export function scrollThrough(page) {
	return page.evaluate(async () => {
		const box = document.getElementById('wl-scroll'), seen = new Set();
		let most = 0;
		const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
		for (let top = 0; ; top += box.clientHeight) {
			box.scrollTop = top;
			await frame();
			const rows = document.querySelectorAll('#wl-body tr.row');
			most = Math.max(most, rows.length);
			rows.forEach((r) => seen.add(Number(r.dataset.i)));
			if (top >= box.scrollHeight)
				break;
		}
		return { seen: seen.size, most };
	});
}
