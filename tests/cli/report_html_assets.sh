# SPDX-License-Identifier: Apache-2.0
# The HTML report's stylesheet and script are src/lib/report.css and
# src/lib/report.js: the script parses, and every report holds each file's
# bytes verbatim, once, as the whole content of its <style> or <script>;
# every other script element holds data, of a type the browser never runs.

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

LIB="$(cd "$(dirname "$0")/../../src/lib" && pwd)"

if command -v node >/dev/null 2>&1; then
	if err=$(node --check "$LIB/report.js" 2>&1); then
		pass "report.js parses (node --check)"
	else
		fail "report.js parses (node --check)" "$err"
	fi
else
	pass "report.js parses # SKIP node is not installed"
fi

workdir assets
cp "$DATA"/reports/workloads.yaml .
si audit --format html workloads.yaml
exits_with 1 "audit --format html of failing workloads: exit 1"
cp "$SCRATCH/last.out" full.html
si audit --format html --failed-only workloads.yaml
cp "$SCRATCH/last.out" failed.html

py_tap "$LIB/report.css" "$LIB/report.js" full.html failed.html <<'PY'
css = open(sys.argv[1], "rb").read()
js = open(sys.argv[2], "rb").read()
ok(len(css) > 0 and len(js) > 0, "report.css and report.js are not empty")
for name, data, tag in (("report.css", css, b"style"), ("report.js", js, b"script")):
    ok(b"</" + tag not in data.lower(),
       "%s does not close its <%s> element" % (name, tag.decode()))
for path in sys.argv[3:5]:
    page = open(path, "rb").read()
    eq(page.count(b"<style>"), 1, "%s: one <style> element" % path)
    eq(page.count(b"<script>"), 1, "%s: one <script> element" % path)
    eq(page.split(b"<style>\n", 1)[-1].split(b"</style>", 1)[0], css,
       "%s: <style> holds exactly the bytes of report.css" % path)
    eq(page.split(b"<script>\n", 1)[-1].split(b"</script>", 1)[0], js,
       "%s: <script> holds exactly the bytes of report.js" % path)
    types = re.findall(rb'<script type="([^"]*)"', page)
    eq(len(types) + 1, page.lower().count(b"<script"),
       "%s: every other <script> element has a type" % path)
    eq(sorted(set(types)), [b"application/json", b"application/octet-stream"],
       "%s: and it is data: application/json or application/octet-stream" % path)
PY

tap_finish
