# SPDX-License-Identifier: Apache-2.0
# examples/github-actions/security-inspector.yml: a workflow GitHub can run
# (permissions, the SARIF upload with a category for each audit, the build
# packages the project installs), whose audit steps, run as the runner runs
# them with the built binary on PATH and a helm that renders a fixture,
# write SARIF that is valid and names the repository's files.

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

SRC="$(cd "$(dirname "$0")/../.." && pwd)"
WORKFLOW="$SRC/examples/github-actions/security-inspector.yml"
sarif_schema_setup

if ! python3 -c 'import yaml' 2>/dev/null; then
	fail "python3 can read YAML" "install python3-yaml (scripts/deps.sh)"
	tap_finish
fi

workdir workspace
mkdir -p steps manifests bin
cp "$SRC"/examples/manifests/*.yaml "$DATA"/exit/hardened.yaml manifests/

# The workflow's structure; its audit steps' scripts into steps/N.sh, and
# the SARIF files its uploads send into uploads.txt.
py_tap "$WORKFLOW" "$SRC/scripts/deps.sh" <<'PY'
import shlex
import yaml

wf = yaml.safe_load(open(sys.argv[1]))
deps = open(sys.argv[2]).read()
on = wf.get("on", wf.get(True, {}))          # YAML 1.1 reads a bare on as true
ok("push" in on and "pull_request" in on, "the workflow runs on push and pull requests", on)
eq(wf.get("defaults", {}).get("run", {}).get("shell"), "bash",
   "steps run in bash with pipefail (shell: bash), so a failing helm fails the step")
jobs = wf.get("jobs", {})
eq(len(jobs), 1, "one job")
job = next(iter(jobs.values()), {})
ok(str(job.get("runs-on", "")).startswith("ubuntu-24"), "the job runs on ubuntu-24.04 (meson >= 1.0)",
   job.get("runs-on"))
eq(job.get("permissions", {}).get("security-events"), "write",
   "the job may upload to code scanning (security-events: write)")
steps = job.get("steps", [])

# The build: the packages it installs are the project's (scripts/deps.sh),
# and all it needs to build without the tests.
runs = "\n".join(s.get("run", "") for s in steps).replace("\\\n", " ")
install = [l.split("apt-get install", 1)[1] for l in runs.splitlines() if "apt-get install" in l]
apt = [w for w in shlex.split(install[0]) if not w.startswith("-")] if install else []
build = {"meson", "ninja-build", "gcc", "pkg-config", "libcjson-dev", "libyaml-dev",
         "zlib1g-dev", "libmicrohttpd-dev", "libssl-dev", "libcurl4-openssl-dev"}
eq(sorted(build - set(apt)), [], "apt-get installs every package the build needs")
eq(sorted(p for p in apt if not re.search(r"[\s(]%s[\s)]" % re.escape(p), deps)), [],
   "every package it installs is one of scripts/deps.sh")
ok("-Dtests=false" in runs and "GITHUB_PATH" in runs,
   "the build leaves out the tests and puts the binary on PATH")

# The audits and the uploads.
audits = [s for s in steps if "security-inspector audit" in s.get("run", "")]
ok(len(audits) >= 2, "audit steps: the manifests and the helm chart", len(audits))
ok(any("helm template" in s["run"] for s in audits), "one audit reads helm template's output")
outputs = []
for n, s in enumerate(audits):
    for line in s["run"].replace("\\\n", " ").splitlines():
        if "security-inspector audit" in line:
            args = shlex.split(line.split("security-inspector audit", 1)[1])
            ok("--format" in args and args[args.index("--format") + 1] == "sarif",
               "step %r writes SARIF" % s.get("name"), line)
            if "--output" in args:
                outputs.append(args[args.index("--output") + 1])
    with open("steps/%d.sh" % n, "w") as f:
        f.write(s["run"])
uploads = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
eq([s["uses"] for s in uploads], ["github/codeql-action/upload-sarif@v3"] * len(audits),
   "one upload-sarif@v3 per audit")
files = [s.get("with", {}).get("sarif_file") for s in uploads]
eq(sorted(files), sorted(outputs), "the uploads send exactly the SARIF files the audits write")
cats = [s.get("with", {}).get("category") for s in uploads]
ok(all(cats) and len(set(cats)) == len(cats), "each upload has a category of its own", cats)
ok(all("cancelled()" in str(s.get("if", "")) for s in uploads),
   "the uploads run even when an audit step failed")
with open("uploads.txt", "w") as f:
    f.write("\n".join(files) + "\n")
PY

# A helm that renders the chart the workflow names from a fixture.
cat >bin/helm <<EOF
#!/bin/sh
[ "\$*" = "template shop charts/shop" ] || { echo "unexpected: helm \$*" >&2; exit 1; }
cat "$DATA/sources/helm-template.yaml"
EOF
chmod +x bin/helm

for step in steps/*.sh; do
	OUT=$(PATH="$PWD/bin:$(dirname "$SI"):$PATH" bash --noprofile --norc -eo pipefail "$step" 2>&1)
	is "$?" 0 "the audit step $(head -c 60 "$step" | tr '\n' ' ')... runs to exit 0"
	[ -z "$OUT" ] || diag "$OUT"
done

while IFS= read -r sarif; do
	[ -n "$sarif" ] || continue
	ok "$sarif is written" test -s "$sarif"
	valid_sarif "$sarif" "$sarif is valid against the SARIF 2.1.0 schema"
done <uploads.txt

# The results name files of the repository, and the templates' lines.
py_tap sarif/manifests.sarif sarif/helm.sarif <<'PY'
def places(path):
    d = load(path) or {}
    out = set()
    for r in (d.get("runs") or [{}])[0].get("results", []):
        loc = r["locations"][0]["physicalLocation"]
        p = r.get("properties", {})
        out.add(("%s/%s" % (p.get("name"), p.get("container")),
                 loc["artifactLocation"]["uri"], loc.get("region", {}).get("startLine")))
    return out

m = places(sys.argv[1])
ok(m and all(uri.startswith("manifests/") for _, uri, _ in m),
   "manifests: every result names a file under manifests/", sorted(m)[:5])
h = places(sys.argv[2])
ok(("shop-web/web", "charts/shop/templates/deployment.yaml", 19) in h,
   "helm: a result at the chart's template in the repository and its line there", sorted(h))
ok(all(uri.startswith("charts/shop/templates/") or uri == "stdin" for _, uri, _ in h),
   "helm: results are at the chart's templates (or stdin for what has no template)", sorted(h))
PY

tap_finish
