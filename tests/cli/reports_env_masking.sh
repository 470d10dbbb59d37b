# SPDX-License-Identifier: Apache-2.0
# No report prints a container's env[].value, nor the
# last-applied-configuration annotation that copies it, unless
# --show-env-values asks for it: variable names and valueFrom references
# stay visible. Secrets are planted in every container role, a pod template,
# a job template and the annotation (data/env-masking/workloads.yaml).
# The HTML report carries its manifests gzipped and base64-encoded: its
# checks read them decoded (html_data.py), as the page does.

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

workdir env-masking
cp "$DATA"/env-masking/workloads.yaml .
HTML_DATA="$(cd "$(dirname "$0")/../html" && pwd)/html_data.py"

# html_data : the manifests and records of the last HTML report, decoded.
html_data() {
	python3 "$HTML_DATA" "$SCRATCH/last.out" 2>&1
}

PLANTED="PLANTED-container-secret PLANTED-init-secret PLANTED-ephemeral-secret
PLANTED-job-secret PLANTED-annotation-secret"

# no_secret FORMAT : the last report holds none of the planted values.
no_secret() {
	local s
	for s in $PLANTED; do
		lacks "$OUT" "$s" "$1: $s is not printed"
	done
}

for format in html json sarif junit text; do
	si audit --format "$format" --fail-on never workloads.yaml
	exits_with 0 "$format: the report is written"
	no_secret "$format"
	si audit --format "$format" --fail-on never --failed-only workloads.yaml
	lacks "$OUT" "PLANTED-" "$format --failed-only: no planted value is printed"
	if [ "$format" = html ]; then
		lacks "$(html_data)" "PLANTED-" "html --failed-only: none in the compressed data"
	fi
done

# The HTML report shows each workload's manifest: masked, yet readable.
si audit --format html --fail-on never workloads.yaml
DATA_TEXT=$(html_data)
for s in $PLANTED; do
	lacks "$DATA_TEXT" "$s" "html: $s is not in the compressed data either"
done
for s in DB_PASSWORD DB_USER MIGRATE_TOKEN DEBUG_KEY S3_SECRET_KEY; do
	contains "$DATA_TEXT" "name: $s" "html: the variable $s is named"
done
contains "$DATA_TEXT" "secretKeyRef:" "html: a valueFrom reference is shown"
contains "$DATA_TEXT" "name: db-credentials" "html: the Secret it names is shown"
contains "$DATA_TEXT" "value: <masked>" "html: a value reads <masked>"
contains "$DATA_TEXT" "kubectl.kubernetes.io/last-applied-configuration: <masked>" \
	"html: the last-applied-configuration annotation reads <masked>"
contains "$DATA_TEXT" "team: storefront" "html: other annotations are shown"
contains "$OUT" '"masked": true' "html: the page says its manifests are masked"

# --show-env-values, for local use: the manifests as written.
si audit --format html --fail-on never --show-env-values workloads.yaml
exits_with 0 "html --show-env-values: the report is written"
DATA_TEXT=$(html_data)
for s in $PLANTED; do
	contains "$DATA_TEXT" "$s" "html --show-env-values: $s is printed"
done
lacks "$DATA_TEXT" "<masked>" "html --show-env-values: nothing is masked"
contains "$OUT" '"masked": false' "html --show-env-values: the page says nothing is masked"

# The other formats print no manifest: the option changes nothing there.
for format in json sarif junit text; do
	si audit --format "$format" --fail-on never workloads.yaml
	masked_out=$OUT
	si audit --format "$format" --fail-on never --show-env-values workloads.yaml
	exits_with 0 "$format --show-env-values: accepted"
	is "$OUT" "$masked_out" "$format --show-env-values: the same report (no manifest in it)"
done

si audit --help
contains "$OUT" "--show-env-values" "audit --help lists --show-env-values"

tap_finish
