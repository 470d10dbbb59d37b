// Copy buttons: the text of the element a button names goes to the clipboard.
document.addEventListener('click', function (ev) {
	var b = ev.target.closest ? ev.target.closest('button[data-copy]') : null;
	var el = b && document.getElementById(b.getAttribute('data-copy'));
	if (!el)
		return;
	var text = el.textContent;
	var done = function () {
		b.textContent = 'Copied';
		setTimeout(function () { b.textContent = 'Copy'; }, 1500);
	};
	var select = function () {
		var r = document.createRange();
		r.selectNodeContents(el);
		var s = window.getSelection();
		s.removeAllRanges();
		s.addRange(r);
		try {
			if (document.execCommand('copy'))
				done();
		} catch (e) {
			// The text stays selected for the reader to copy.
		}
	};
	if (navigator.clipboard && navigator.clipboard.writeText)
		navigator.clipboard.writeText(text).then(done, select);
	else
		select();
});
