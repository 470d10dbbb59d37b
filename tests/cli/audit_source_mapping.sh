# SPDX-License-Identifier: Apache-2.0
# Rendered manifests piped into audit are reported where they were written:
# `helm template` output at each template's "# Source:" path and its line
# there, `kustomize build` output at the file its origin annotation names;
# in the text, JSON, SARIF and JUnit reports, with LF or CR LF line breaks.

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

workdir sources
cp "$DATA"/sources/*.yaml .
sed 's/$/\r/' helm-template.yaml >helm-template-crlf.yaml
sarif_schema_setup

# Lines of helm-template.yaml, counted from each template's "# Source:":
#   shop/templates/deployment.yaml  1 Deployment shop/shop-web, 19 container
#       web, 23 container proxy (a "# Source:" inside it is a comment)
#   shop/templates/cronjob.yaml     1 CronJob shop/shop-report, 14 container report
#   shop/templates/serviceaccount.yaml 1 ServiceAccount shop (skipped)
#   no "# Source:"                  53 Pod shop/appended, 60 container main

# sources FILE : "name@source" of each workload and skipped object.
sources() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for w in d.get("workloads", []) + d.get("skipped", []):
    print("%s@%s" % (w.get("name"), w.get("source")))
' "$1" 2>&1
}

# sarif_places FILE : "name/container@uri:startLine" of each SARIF result,
# once each.
sarif_places() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
seen = set()
for r in d["runs"][0].get("results", []):
    p = r.get("properties", {})
    loc = r["locations"][0]["physicalLocation"]
    line = loc.get("region", {}).get("startLine")
    s = "%s/%s@%s%s" % (p.get("name"), p.get("container"), loc["artifactLocation"]["uri"],
                        "" if line is None else ":%d" % line)
    if s not in seen:
        seen.add(s)
        print(s)
' "$1" 2>&1
}

HELM_SOURCES="shop-web@shop/templates/deployment.yaml:1
shop-report@shop/templates/cronjob.yaml:1
appended@<stdin>:53
shop@shop/templates/serviceaccount.yaml:1"
HELM_PLACES="shop-web/web@shop/templates/deployment.yaml:19
shop-web/proxy@shop/templates/deployment.yaml:23
shop-report/report@shop/templates/cronjob.yaml:14
appended/main@stdin:60"

for input in helm-template.yaml helm-template-crlf.yaml; do
	what="helm template | audit - ($input)"

	si --stdin "$input" audit -
	exits_with 1 "$what, text: exit 1 (danger failures)"
	contains "$OUT" "Deployment shop/shop-web  (shop/templates/deployment.yaml:1)" \
		"$what, text: the Deployment at its template's line 1"
	contains "$OUT" "CronJob shop/shop-report  (shop/templates/cronjob.yaml:1)" \
		"$what, text: the CronJob at its own template"
	contains "$OUT" "Pod shop/appended  (<stdin>:53)" \
		"$what, text: a document without a \"# Source:\" stays at stdin's line"
	contains "$OUT" "shop/templates/serviceaccount.yaml:1" \
		"$what, text: a skipped object is named at its template too"
	lacks "$OUT" "not-at-the-start" "$what, text: a \"# Source:\" inside an object names nothing"

	si --stdin "$input" audit --format json -
	is "$(sources "$SCRATCH/last.out")" "$HELM_SOURCES" \
		"$what, JSON: each workload's and skipped object's source is its template and line"

	si --stdin "$input" audit --format sarif -
	cp "$SCRATCH/last.out" helm.sarif
	is "$(sarif_places helm.sarif)" "$HELM_PLACES" \
		"$what, SARIF: each result's artifactLocation.uri and region.startLine are the template's"
	valid_sarif helm.sarif "$what, SARIF: valid against the SARIF 2.1.0 schema"

	si --stdin "$input" audit --format junit -
	contains "$OUT" 'file="shop/templates/cronjob.yaml" line="14"' \
		"$what, JUnit: a test case names the template and the container's line"
done

# A file, not stdin: the same templates; the document without one is the file's.
si audit --format json helm-template.yaml
is "$(sources "$SCRATCH/last.out")" "${HELM_SOURCES/<stdin>/helm-template.yaml}" \
	"helm output saved to a file: named by template, the rest by the file"

# --- kustomize build | audit - ----------------------------------------------------

si --stdin kustomize-build.yaml audit --format json -
exits_with 1 "kustomize build | audit -: exit 1"
is "$(sources "$SCRATCH/last.out")" "api@../../base/api/deployment.yaml
debug@debug/pod.yaml
api-settings-8t2kc9m5bh@<stdin>:1" \
	"kustomize: the origin annotation's path, kpt's path annotation, no line; a generated object stays at stdin"

si --stdin kustomize-build.yaml audit -
contains "$OUT" "Deployment prod/api  (../../base/api/deployment.yaml)" \
	"kustomize, text: the origin's path, without a line"

si --stdin kustomize-build.yaml audit --format sarif -
cp "$SCRATCH/last.out" kustomize.sarif
is "$(sarif_places kustomize.sarif)" "api/api@../../base/api/deployment.yaml
debug/shell@debug/pod.yaml" "kustomize, SARIF: results at the annotated files, without a region"
valid_sarif kustomize.sarif "kustomize, SARIF: valid against the SARIF 2.1.0 schema"

tap_finish
