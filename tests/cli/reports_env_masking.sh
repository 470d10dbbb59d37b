# SPDX-License-Identifier: Apache-2.0
# No report prints a container's env[].value, nor the
# last-applied-configuration annotation that copies it, unless
# --show-env-values asks for it: variable names and valueFrom references
# stay visible. Secrets are planted in every container role, a pod template,
# a job template and the annotation (data/env-masking/workloads.yaml).

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

workdir env-masking
cp "$DATA"/env-masking/workloads.yaml .

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
done

# The HTML report shows each workload's manifest: masked, yet readable.
si audit --format html --fail-on never workloads.yaml
for s in DB_PASSWORD DB_USER MIGRATE_TOKEN DEBUG_KEY S3_SECRET_KEY; do
	contains "$OUT" "name: $s" "html: the variable $s is named"
done
contains "$OUT" "secretKeyRef:" "html: a valueFrom reference is shown"
contains "$OUT" "name: db-credentials" "html: the Secret it names is shown"
contains "$OUT" "value: &lt;masked&gt;" "html: a value reads <masked>"
contains "$OUT" "kubectl.kubernetes.io/last-applied-configuration: &lt;masked&gt;" \
	"html: the last-applied-configuration annotation reads <masked>"
contains "$OUT" "team: storefront" "html: other annotations are shown"
contains "$OUT" "Manifest (YAML, env values masked)" "html: the manifest says it is masked"

# --show-env-values, for local use: the manifests as written.
si audit --format html --fail-on never --show-env-values workloads.yaml
exits_with 0 "html --show-env-values: the report is written"
for s in $PLANTED; do
	contains "$OUT" "$s" "html --show-env-values: $s is printed"
done
lacks "$OUT" "&lt;masked&gt;" "html --show-env-values: nothing is masked"
contains "$OUT" "Manifest (YAML)" "html --show-env-values: the manifest is not said masked"

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
