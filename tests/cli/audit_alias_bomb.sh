# SPDX-License-Identifier: Apache-2.0
# audit on YAML alias bombs made of big scalars: a 1 MiB scalar repeated by
# 4000 aliases (4 GiB once expanded) is an input error naming the file and
# the alias's line, met quickly and in bounded memory; manifests that share
# blocks through anchors and merge keys are read as before.

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

workdir bomb

# Lines 1-6 hold the anchor; the aliases start at line 7.
python3 - <<'PY'
with open("bomb.yaml", "w") as f:
    f.write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n")
    f.write("big: &big " + "x" * (1 << 20) + "\ncopies:\n")
    f.write("- *big\n" * 4000)
PY

# maxrss ARGS... : runs the binary like `si` and sets MAXRSS_KB to its peak
# resident memory.
maxrss() {
	MAXRSS_KB=$(python3 - "$SI_TIMEOUT" "$SI" "$@" <<'PY'
import resource, subprocess, sys
try:
    subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=float(sys.argv[1]))
except subprocess.TimeoutExpired:
    pass
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
)
}

si audit bomb.yaml
exits_with 2 "1 MiB scalar aliased 4000 times: exit 2 (input error)"
diag "alias bomb rejected in ${ELAPSED_MS} ms (4.1 GB and 7 s before the byte bound)"
# 16 copies of 1 MiB fit the default 16 MiB budget: the 17th alias, line 23.
contains "$ERR" "bomb.yaml:23: alias *big: the aliases of this input would copy more than 16777216 bytes" \
	"alias bomb: stderr names the file, the line of the alias over the limit, and the limit"
maxrss audit bomb.yaml
if [ "$MAXRSS_KB" -lt $((256 * 1024)) ]; then
	pass "alias bomb: peak memory bounded (${MAXRSS_KB} KiB)"
else
	fail "alias bomb: peak memory bounded" "peak ${MAXRSS_KB} KiB"
fi

si audit --format json bomb.yaml
exits_with 2 "alias bomb, JSON report: exit 2"
contains "$OUT" "alias *big: the aliases of this input would copy more" \
	"alias bomb, JSON report: the input error is in the report"

# A Deployment that shares its labels and resources through anchors and a
# merge key: nothing changes for it.
cat >shared.yaml <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shared
  namespace: shop
  labels: &labels {app: shared, tier: web}
spec:
  selector:
    matchLabels: *labels
  template:
    metadata:
      labels: *labels
    spec:
      securityContext: {runAsNonRoot: true, runAsUser: 10001, seccompProfile: {type: RuntimeDefault}}
      containers:
        - &app
          name: app
          image: ghcr.io/example/app:1.4.2
          securityContext: &locked
            runAsNonRoot: true
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
          resources: &res
            requests: {cpu: 100m, memory: 128Mi}
            limits: {cpu: 500m, memory: 256Mi}
          readinessProbe: &probe {httpGet: {path: /healthz, port: 8080}}
          livenessProbe: *probe
        - <<: *app
          name: sidecar
          image: ghcr.io/example/sidecar:2.0.1
EOF
si audit --format json shared.yaml
exits_with 0 "anchors and merge keys: the hardened Deployment passes (exit 0)"
py_tap "$SCRATCH/last.out" <<'PY'
d = load(sys.argv[1])
w = (d or {}).get("workloads") or [{}]
eq(len(w), 1, "anchors and merge keys: one workload")
eq(sorted({r.get("container") for r in w[0].get("results", [])} - {None}), ["app", "sidecar"],
   "anchors and merge keys: the merged sidecar is inspected as a container")
eq(w[0].get("failed"), 0, "anchors and merge keys: the merged settings count (nothing fails)")
PY

tap_finish
