#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes N realistic Deployments (3 containers, probes, resources, env,
volumes, affinity) as one multi-document YAML stream and as one kubectl-style
JSON List, for the audit benchmarks, written one item at a time.
Usage: gen-manifests.py N OUTDIR [yaml|json]"""
import argparse
import json
import os

def deployment(i):
    name = f"svc-{i:05d}"
    labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "shop",
              "team": f"team-{i % 17}"}
    def container(cname, image, port, hardened):
        c = {
            "name": cname, "image": image,
            "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
            "env": [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                    {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                    {"name": "LOG_LEVEL", "value": "info"}],
            "resources": {"requests": {"cpu": "250m", "memory": "256Mi"},
                          "limits": {"cpu": "1", "memory": "512Mi"}},
            "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"},
                             {"name": "config", "mountPath": "/etc/app", "readOnly": True}],
        }
        if hardened:
            c["securityContext"] = {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                    "capabilities": {"drop": ["ALL"]}}
            c["readinessProbe"] = {"httpGet": {"path": "/ready", "port": port}, "periodSeconds": 5}
            c["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": port}, "periodSeconds": 10}
        return c
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": f"ns-{i % 23}", "labels": labels,
                     "annotations": {"deployment.kubernetes.io/revision": "3"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {
                "metadata": {"labels": labels, "annotations": {"prometheus.io/scrape": "true"}},
                "spec": {
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 10001,
                                        "seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": [container("api", f"registry.example.com:5000/shop/api:2.{i % 9}.1", 8080, True),
                                   container("proxy", "envoyproxy/envoy:v1.29.1", 9901, i % 3 != 0),
                                   container("log", "fluent/fluent-bit" + ("" if i % 5 == 0 else ":3.0"), 2020, i % 2 == 0)],
                    "initContainers": [{"name": "migrate", "image": "registry.example.com:5000/shop/migrate:2.1",
                                        "command": ["/migrate", "--up"]}],
                    "volumes": [{"name": "tmp", "emptyDir": {}},
                                {"name": "config", "configMap": {"name": f"{name}-config"}}],
                    "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                        {"weight": 100, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname",
                                                            "labelSelector": {"matchLabels": {"app.kubernetes.io/name": name}}}}]}},
                    "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "shop", "effect": "NoSchedule"}],
                },
            },
        },
    }

def to_yaml(v, indent=0):
    """A small block-style YAML writer for the shapes above."""
    pad = "  " * indent
    if isinstance(v, dict):
        out = []
        for k, x in v.items():
            if isinstance(x, (dict, list)) and x:
                out.append(f"{pad}{k}:\n{to_yaml(x, indent + 1)}")
            else:
                out.append(f"{pad}{k}: {scalar(x)}")
        return "\n".join(out)
    out = []
    for x in v:
        if isinstance(x, dict) and x:
            body = to_yaml(x, indent + 1)
            out.append(f"{pad}- {body.lstrip()}")
        else:
            out.append(f"{pad}- {scalar(x)}")
    return "\n".join(out)

def scalar(x):
    if x is True: return "true"
    if x is False: return "false"
    if isinstance(x, (int, float)): return str(x)
    if isinstance(x, dict): return "{}"
    if isinstance(x, list): return "[]"
    return json.dumps(x)

def write_yaml(path, n):
    with open(path, "w") as f:
        for i in range(n):
            if i:
                f.write("\n---\n")
            f.write(to_yaml(deployment(i)))
        f.write("\n")

def write_json(path, n):
    """A List as `kubectl get -o json` writes it (4-space indent), one item
    at a time, so that any size can be generated in little memory."""
    with open(path, "w") as f:
        f.write('{\n    "apiVersion": "v1",\n    "items": [')
        for i in range(n):
            item = json.dumps(deployment(i), indent=4).replace("\n", "\n        ")
            f.write(("," if i else "") + "\n        " + item)
        f.write('\n    ],\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n')

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("Usage")[0].strip())
    ap.add_argument("n", type=int, help="how many Deployments")
    ap.add_argument("outdir", help="where deployments-N.yaml and deployments-N.json go")
    ap.add_argument("which", nargs="*", metavar="yaml|json",
                    help="the files to write (both when none is named)")
    args = ap.parse_args()
    n, outdir, which = args.n, args.outdir, args.which or ["yaml", "json"]
    if set(which) - {"yaml", "json"}:
        ap.error("the files to write are yaml or json")
    os.makedirs(outdir, exist_ok=True)
    if "yaml" in which:
        write_yaml(os.path.join(outdir, f"deployments-{n}.yaml"), n)
    if "json" in which:
        write_json(os.path.join(outdir, f"deployments-{n}.json"), n)

if __name__ == "__main__":
    main()
