# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2317  # some functions only run through wait_until and ok
# Warning limits over real HTTPS: one warning per failed item (containers
# grouped), each a single line of at most 256 characters, at most 4096 in
# all, and when they do not all fit the last one says how many were cut.

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

make_certs "$SCRATCH/certs" || { echo "Bail out! certs failed: $(cat "$SCRATCH/.certs.err")"; exit 1; }
CA="$SCRATCH/certs/ca.crt"
start_server warnings --tls-cert "$SCRATCH/certs/tls.crt" --tls-key "$SCRATCH/certs/tls.key" ||
	{ echo "Bail out! serve did not start"; exit 1; }

# check_warnings LABEL N-CONTAINERS [ITEM,...] : the limits on the last
# answer. The warnings must cover ITEMS (default: every failed item, as
# auditAnnotations lists them), or say how many of them were cut.
check_warnings() {
	py_tap "$RESP" "$1" "$2" "${3:-}" <<'PY'
label, n_containers = sys.argv[2], int(sys.argv[3])
r = (load(sys.argv[1]) or {}).get("response", {})
w = r.get("warnings", [])
expected = (sys.argv[4] or r.get("auditAnnotations", {}).get("failed-checks", "")).split(",")
ok(len(w) > 0 and all(isinstance(x, str) for x in w), "%s: warnings are strings" % label, w)
bad = [x for x in w if re.search(r"[\x00-\x1f\x7f]", x)]
eq(bad, [], "%s: every warning is a single line (no newline or control character)" % label)
long = [(len(x), x) for x in w if len(x) > 256 or len(x.encode()) > 256]
eq(long, [], "%s: every warning is at most 256 characters (and bytes)" % label)
total = sum(len(x.encode()) for x in w)
ok(total <= 4096, "%s: warnings total at most 4096 bytes (%d)" % (label, total))
cut = re.search(r"(\d+) more\b", w[-1]) if w and "not shown" in w[-1] else None
items = w[:-1] if cut else w
listed = [(re.match(r"^\[(?:danger|warning)\] (\w+)", x) or re.match("()", "")).group(1)
          for x in items]
eq(len(set(listed)), len(listed), "%s: one warning per item, none repeated" % label)
ok(set(listed) <= set(expected), "%s: every warning starts with [severity] and a failed item" % label,
   listed, expected)
if cut:
    eq(int(cut.group(1)), len(expected) - len(listed),
       "%s: the last warning says how many items were cut" % label)
else:
    eq(sorted(listed), sorted(expected), "%s: all %d items fit and are listed" % (label, len(expected)))
malformed = [x for x in items if not re.match(r"^\[(danger|warning)\] \w+( \(.+\))?: \S", x)]
eq(malformed, [], "%s: every warning reads '[severity] item (containers): fix'" % label)
# Grouped containers: every container item names its containers, and the
# names shown plus "+K more" make up all of them.
pod_level = {"hostNetworkSet", "hostIPCSet", "hostPIDSet", "anonymousUserRBACBinding",
             "hostPathVolumeSet", "unsafeSysctlsSet", "volumeTypeRestricted"}
wrong = []
for item, x in zip(listed, items):
    if item in pod_level:
        continue
    m = re.match(r"^\[\w+\] \w+ \((.*)\): ", x)
    if not m:
        wrong.append(("no (containers) group", x))
        continue
    parts = m.group(1).split(", ")
    more = int(parts[-1][1:-5]) if re.match(r"^\+\d+ more$", parts[-1]) else 0
    shown = len(parts) - (1 if more else 0)
    if shown + more != n_containers:
        wrong.append((shown, more, x))
eq(wrong, [], "%s: each grouped warning accounts for all %d containers" % (label, n_containers))
PY
}

# --- 60 containers failing every pod item ------------------------------------

review "$SCRATCH/sixty.json" pod-everything-wrong --containers 60 --names 'container-%02d-with-a-rather-long-name' --uid sixty
post /validate/warn "$SCRATCH/sixty.json"
is "$(resp_summary)" "200 allowed=true warnings=19 status=-" "60 containers, warn: allowed, one warning per failed item (19)"
is "$(jv 'len(r["auditAnnotations"]["failed-checks"].split(","))')" 19 "60 containers: 19 items failed"
check_warnings "60 containers, warn" 60
contains "$(jv 'r["warnings"]')" "[danger] runAsRootAllowed (container-00-with-a-rather-long-name, " \
	"60 containers: a grouped warning starts with the first container names"
like "$(jv 'r["warnings"]')" '\+[0-9]+ more\)' "60 containers: ... and says how many more containers"

post /validate/enforce "$SCRATCH/sixty.json"
is "$(jv '[r["allowed"], r["status"]["code"]]')" '[false, 403]' "60 containers, enforce: denied"
check_warnings "60 containers, enforce" 60 \
	hostPortSet,notReadOnlyRootFileSystem,cpuRequestsMissing,cpuLimitsMissing,memoryRequestsMissing,memoryLimitsMissing,readinessProbeMissing,livenessProbeMissing,seccompProfileMissing,capabilitiesNotDropped,runAsUserRoot
is "$(jv 'sorted(set(x.split(" ")[0] for x in r["warnings"]))')" '["[warning]"]' \
	"60 containers, enforce: the warnings are the warning items only"
is "$(jv '"\n" in r["status"]["message"]')" false "60 containers, enforce: the denial message is one line"

# --- names that try to break the lines -------------------------------------------

EVIL='{"spec":{"containers":[{"name":"evil\nname","image":"nginx"},{"name":"tab\there\r\nX-Injected: 1","image":"nginx"},{"name":"bell\u0007del\u007f","image":"nginx"}]}}'
admit /validate/warn pod-everything-wrong --merge "$EVIL" --uid evil
is "$CODE" 200 "control characters in container names: HTTP 200"
check_warnings "control characters" 3

LONGNAME=$(printf 'x%.0s' $(seq 1 250))
admit /validate/warn pod-everything-wrong --containers 3 --names "$LONGNAME-%d" --uid long-names
check_warnings "250-character container names" 3

admit /validate/warn pod-everything-wrong --containers 60 --names 'ü%02d-ääääääääääääääääääääääääääääääää' --uid utf8
is "$CODE" 200 "multi-byte container names: HTTP 200"
check_warnings "multi-byte container names" 60

# Long names of 2-, 3- and 4-byte characters, at both byte parities: a
# shortened name must still be valid UTF-8.
for bytes in 2 3 4; do
	case $bytes in
	2) pattern="c%02d-x$(printf 'é%.0s' $(seq 1 45))" ;;
	3) pattern="a%02d-$(printf '€%.0s' $(seq 1 40))" ;;
	4) pattern="b%02d-$(printf '😀%.0s' $(seq 1 30))" ;;
	esac
	admit /validate/warn pod-everything-wrong --containers 3 --names "$pattern" --uid "utf8-$bytes"
	check_warnings "long names of $bytes-byte characters" 3
done

admit /validate/warn pod-everything-wrong --containers 60 --names "$(printf 'n%%02d-%.0s' $(seq 1 1))$(printf 'y%.0s' $(seq 1 58))" --uid names-63
check_warnings "60 containers with 63-character names" 60

# --- sizes over the apiserver's budget stay under it --------------------------------

admit /validate/warn pod-everything-wrong --containers 250 --names 'c-%03d' --uid many
is "$(resp_summary)" "200 allowed=true warnings=19 status=-" "250 containers: still one warning per item"
check_warnings "250 containers" 250

ok "server still running" server_alive
tap_finish
