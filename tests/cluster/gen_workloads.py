#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Writes the seed of the cluster audit test: for each namespace, every kind
# the audit inspects in three variants (compliant, non-compliant, whitelisted
# by name), plus the objects their controllers would own (ReplicaSets, Jobs,
# Pods with ownerReferences), which the cluster audit must not report.
#   gen_workloads.py OUT_DIR PER_VARIANT NS...
# OUT_DIR/<ns>.all.yaml is what is created in the cluster, and
# OUT_DIR/<ns>.reported.yaml the same minus the owned objects (what a file
# audit must judge as the cluster audit does).
import json, sys, zlib

out, per, namespaces = sys.argv[1], int(sys.argv[2]), sys.argv[3:]


def pod_spec(variant, restart="Always"):
    if variant == "compliant":
        c = {"name": "app", "image": "registry.example/app:1.2.3",
             "securityContext": {"allowPrivilegeEscalation": False,
                                 "readOnlyRootFilesystem": True,
                                 "capabilities": {"drop": ["ALL"]}},
             "resources": {"requests": {"cpu": "100m", "memory": "64Mi"},
                           "limits": {"cpu": "200m", "memory": "128Mi"}},
             "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
             "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}}}
        spec = {"securityContext": {"runAsNonRoot": True, "runAsUser": 10001},
                "containers": [c]}
    else:
        c = {"name": "app", "image": "nginx",
             "securityContext": {"privileged": True}}
        spec = {"hostNetwork": True, "containers": [c,
                {"name": "side", "image": "busybox:1.36"}]}
    spec["restartPolicy"] = restart
    return spec


def meta(name, ns, labels=None, owner=None):
    m = {"name": name, "namespace": ns}
    if labels:
        m["labels"] = labels
    if owner:
        kind, api, oname = owner
        m["ownerReferences"] = [{"apiVersion": api, "kind": kind, "name": oname,
                                 "uid": "00000000-0000-0000-0000-%012d" % zlib.crc32(oname.encode()),
                                 "controller": True}]
    return m


def template(labels, variant, restart="Always"):
    return {"metadata": {"labels": labels}, "spec": pod_spec(variant, restart)}


def objects(ns):
    """Yields (object, owned)."""
    for variant in ("compliant", "open", "trusted"):
        for i in range(per):
            n = "%s-%d" % (variant, i)
            lab = {"app": n}
            # Deployment -> ReplicaSet -> 2 Pods
            yield {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(n, ns, lab),
                   "spec": {"selector": {"matchLabels": lab}, "template": template(lab, variant)}}, False
            rs = n + "-5d8f9c7b6"
            rlab = dict(lab, **{"pod-template-hash": "5d8f9c7b6"})
            yield {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                   "metadata": meta(rs, ns, rlab, ("Deployment", "apps/v1", n)),
                   "spec": {"selector": {"matchLabels": rlab}, "template": template(rlab, variant)}}, True
            for p in ("x1a2b", "y3c4d"):
                yield {"apiVersion": "v1", "kind": "Pod",
                       "metadata": meta(rs + "-" + p, ns, rlab, ("ReplicaSet", "apps/v1", rs)),
                       "spec": pod_spec(variant)}, True
            # StatefulSet, DaemonSet, ReplicationController, each with a Pod
            s = "db-" + n
            yield {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta(s, ns, {"app": s}),
                   "spec": {"serviceName": s, "selector": {"matchLabels": {"app": s}},
                            "template": template({"app": s}, variant)}}, False
            yield {"apiVersion": "v1", "kind": "Pod",
                   "metadata": meta(s + "-0", ns, {"app": s}, ("StatefulSet", "apps/v1", s)),
                   "spec": pod_spec(variant)}, True
            d = "agent-" + n
            yield {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": meta(d, ns, {"app": d}),
                   "spec": {"selector": {"matchLabels": {"app": d}},
                            "template": template({"app": d}, variant)}}, False
            yield {"apiVersion": "v1", "kind": "Pod",
                   "metadata": meta(d + "-k2x9p", ns, {"app": d}, ("DaemonSet", "apps/v1", d)),
                   "spec": pod_spec(variant)}, True
            r = "legacy-" + n
            yield {"apiVersion": "v1", "kind": "ReplicationController", "metadata": meta(r, ns, {"app": r}),
                   "spec": {"selector": {"app": r}, "template": template({"app": r}, variant)}}, False
            yield {"apiVersion": "v1", "kind": "Pod",
                   "metadata": meta(r + "-q7w8e", ns, {"app": r}, ("ReplicationController", "v1", r)),
                   "spec": pod_spec(variant)}, True
            # CronJob -> Job -> Pod
            cj = "nightly-" + n
            yield {"apiVersion": "batch/v1beta1", "kind": "CronJob", "metadata": meta(cj, ns),
                   "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {
                       "template": {"spec": pod_spec(variant, "OnFailure")}}}}}, False
            job = cj + "-27800000"
            yield {"apiVersion": "batch/v1", "kind": "Job",
                   "metadata": meta(job, ns, None, ("CronJob", "batch/v1beta1", cj)),
                   "spec": {"template": {"spec": pod_spec(variant, "OnFailure")}}}, True
            yield {"apiVersion": "v1", "kind": "Pod",
                   "metadata": meta(job + "-m4n5b", ns, None, ("Job", "batch/v1", job)),
                   "spec": pod_spec(variant, "OnFailure")}, True
            # Objects without a controller: reported
            yield {"apiVersion": "v1", "kind": "Pod", "metadata": meta("bare-" + n, ns),
                   "spec": pod_spec(variant)}, False
            b = "solo-" + n
            yield {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": meta(b, ns, {"app": b}),
                   "spec": {"selector": {"matchLabels": {"app": b}},
                            "template": template({"app": b}, variant)}}, False
            yield {"apiVersion": "v1", "kind": "Pod",
                   "metadata": meta(b + "-z9y8x", ns, {"app": b}, ("ReplicaSet", "apps/v1", b)),
                   "spec": pod_spec(variant)}, True
            yield {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta("once-" + n, ns),
                   "spec": {"template": {"spec": pod_spec(variant, "Never")}}}, False
            subject = ({"kind": "ServiceAccount", "name": "builder", "namespace": ns}
                       if variant == "compliant" else
                       {"kind": "User", "name": "system:anonymous",
                        "apiGroup": "rbac.authorization.k8s.io"})
            yield {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                   "metadata": meta("bind-" + n, ns), "subjects": [subject],
                   "roleRef": {"kind": "ClusterRole", "name": "view",
                               "apiGroup": "rbac.authorization.k8s.io"}}, False


for ns in namespaces:
    with open("%s/%s.all.yaml" % (out, ns), "w") as all_, \
         open("%s/%s.reported.yaml" % (out, ns), "w") as rep:
        for obj, owned in objects(ns):
            doc = "---\n" + json.dumps(obj) + "\n"
            all_.write(doc)
            if not owned:
                rep.write(doc)
