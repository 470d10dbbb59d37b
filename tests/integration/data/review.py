# SPDX-License-Identifier: Apache-2.0
"""Writes an AdmissionReview request (JSON) on stdout.

    review.py [options] OBJECT.json

OBJECT.json (a path, or a name in data/objects/ without .json) is the object
under review. Options:

  --uid UID           request.uid (default: "uid-" and the object's name)
  --op OP             request.operation (default CREATE)
  --ns NS             request.namespace, also set as the object's
                      metadata.namespace when the object has one (default: the
                      object's, else "default"; "" leaves it out)
  --kind KIND         request.kind.kind (default: the object's kind)
  --name NAME         request.name (default: the object's name)
  --api v1|v1beta1    admission.k8s.io version (default v1)
  --set PATH=JSON     set a field of the object; PATH is dot-separated, with
                      numbers indexing lists (repeatable)
  --merge JSON        deep-merge a JSON object into the object (repeatable)
  --del PATH          delete a field of the object (repeatable)
  --wrap KIND         then turn the Pod into a KIND whose pod template is its
                      spec (its labels, annotations and owners go along)
  --wrap-merge JSON   deep-merge into the wrapped object (repeatable)
  --change-set PATH=JSON, --change-merge JSON, --change-del PATH
                      like --set, --merge and --del, applied last (to the
                      wrapped object): what an UPDATE changes
  --old-base          oldObject: the object before the --change-* options
  --old FILE          oldObject: another object file
  --dry-run           request.dryRun: true
  --sub NAME          request.subResource
  --user NAME         request.userInfo.username (default kubernetes-admin); a
                      kube-controller-manager controller's name, such as
                      replicaset-controller, stands for its service account;
                      system:serviceaccount:NS:NAME gets a service account's
                      groups
  --groups G,G        request.userInfo.groups instead of the default ones
                      ("" for none)
  --no-object         leave request.object out
  --containers N      replace the containers with N copies of the first, named
                      by the pattern given with --names (default c%02d)
  --names PATTERN     printf-style pattern of container names for --containers
  --emit-object       print the (modified) object instead of a review
"""
import argparse
import copy
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

PLURALS = {
    "Pod": ("", "v1", "pods"),
    "Deployment": ("apps", "v1", "deployments"),
    "ReplicaSet": ("apps", "v1", "replicasets"),
    "StatefulSet": ("apps", "v1", "statefulsets"),
    "DaemonSet": ("apps", "v1", "daemonsets"),
    "Job": ("batch", "v1", "jobs"),
    "CronJob": ("batch", "v1", "cronjobs"),
    "ReplicationController": ("", "v1", "replicationcontrollers"),
    "RoleBinding": ("rbac.authorization.k8s.io", "v1", "rolebindings"),
    "ClusterRoleBinding": ("rbac.authorization.k8s.io", "v1", "clusterrolebindings"),
    "ConfigMap": ("", "v1", "configmaps"),
}


def load_object(name):
    path = name
    if not os.path.exists(path):
        path = os.path.join(HERE, "objects", name + ".json")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def wrap(pod, kind):
    """A workload of `kind` whose pod template is the Pod's."""
    meta = pod.get("metadata", {})
    template = {"metadata": {"labels": {"app": meta.get("name", "app")}},
                "spec": pod["spec"]}
    if "annotations" in meta:
        template["metadata"]["annotations"] = meta["annotations"]
    out_meta = {k: v for k, v in meta.items() if k in ("name", "namespace", "labels",
                                                        "ownerReferences")}
    group, version, _ = PLURALS[kind]
    obj = {"apiVersion": (group + "/" if group else "") + version, "kind": kind,
           "metadata": out_meta}
    selector = {"matchLabels": template["metadata"]["labels"]}
    if kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"):
        obj["spec"] = {"selector": selector, "template": template}
        if kind != "DaemonSet":
            obj["spec"]["replicas"] = 2
    elif kind == "ReplicationController":
        obj["spec"] = {"replicas": 2, "selector": template["metadata"]["labels"],
                       "template": template}
    elif kind == "Job":
        template["spec"] = dict(template["spec"], restartPolicy="Never")
        obj["spec"] = {"template": template}
    elif kind == "CronJob":
        template["spec"] = dict(template["spec"], restartPolicy="Never")
        obj["spec"] = {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": template}}}
    else:
        sys.exit("review.py: cannot wrap into %s" % kind)
    return obj


def walk(obj, path):
    parts = path.split(".")
    node = obj
    for p in parts[:-1]:
        key = int(p) if isinstance(node, list) else p
        if isinstance(node, dict) and key not in node:
            node[key] = {}
        node = node[key]
    last = parts[-1]
    return node, (int(last) if isinstance(node, list) else last)


def merge(dst, src):
    for k, v in src.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            merge(dst[k], v)
        else:
            dst[k] = copy.deepcopy(v)


def modify(obj, sets, merges, deletes):
    for s in sets:
        path, _, value = s.partition("=")
        node, key = walk(obj, path)
        node[key] = json.loads(value)
    for m in merges:
        merge(obj, json.loads(m))
    for d in deletes:
        node, key = walk(obj, d)
        del node[key]


def user_info(name, groups=None):
    if name.endswith("-controller") and ":" not in name:
        name = "system:serviceaccount:kube-system:" + name
    if name.startswith("system:serviceaccount:"):
        ns = name.split(":")[2]
        info = {"username": name,
                "groups": ["system:serviceaccounts", "system:serviceaccounts:" + ns,
                           "system:authenticated"]}
    else:
        info = {"username": name, "groups": ["system:masters", "system:authenticated"]}
    if groups is not None:
        info["groups"] = [g for g in groups.split(",") if g]
    return info


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("object")
    ap.add_argument("--uid")
    ap.add_argument("--op", default="CREATE")
    ap.add_argument("--ns")
    ap.add_argument("--kind")
    ap.add_argument("--name")
    ap.add_argument("--api", default="v1")
    ap.add_argument("--wrap")
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--merge", action="append", default=[])
    ap.add_argument("--wrap-merge", action="append", default=[])
    ap.add_argument("--change-set", action="append", default=[])
    ap.add_argument("--change-merge", action="append", default=[])
    ap.add_argument("--change-del", action="append", default=[])
    ap.add_argument("--del", dest="delete", action="append", default=[])
    ap.add_argument("--old-base", action="store_true")
    ap.add_argument("--old")
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--sub")
    ap.add_argument("--user", default="kubernetes-admin")
    ap.add_argument("--groups")
    ap.add_argument("--no-object", action="store_true")
    ap.add_argument("--containers", type=int)
    ap.add_argument("--names", default="c%02d")
    ap.add_argument("--emit-object", action="store_true")
    a = ap.parse_args()

    obj = load_object(a.object)
    if a.containers:
        first = obj["spec"]["containers"][0]
        obj["spec"]["containers"] = [dict(copy.deepcopy(first), name=a.names % i)
                                     for i in range(a.containers)]
    modify(obj, a.set, a.merge, a.delete)
    if a.wrap:
        obj = wrap(obj, a.wrap)
    for m in a.wrap_merge:
        merge(obj, json.loads(m))
    base = copy.deepcopy(obj)
    modify(obj, a.change_set, a.change_merge, a.change_del)

    if a.emit_object:
        json.dump(obj, sys.stdout)
        sys.stdout.write("\n")
        return

    meta = obj.get("metadata", {}) if isinstance(obj, dict) else {}
    kind = a.kind or obj.get("kind", "Pod")
    name = a.name if a.name is not None else meta.get("name", "")
    cluster_scoped = kind in ("ClusterRoleBinding",)
    ns = a.ns if a.ns is not None else meta.get("namespace", "" if cluster_scoped else "default")
    if a.ns:
        for o in (obj, base):
            if isinstance(o, dict) and "namespace" in o.get("metadata", {}):
                o["metadata"]["namespace"] = a.ns
    group, version, resource = PLURALS.get(kind, ("", "v1", kind.lower() + "s"))
    req = {
        "uid": a.uid or "uid-" + (name or "unnamed"),
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": group, "version": version, "resource": resource},
        "requestKind": {"group": group, "version": version, "kind": kind},
        "name": name,
        "operation": a.op,
        "userInfo": user_info(a.user, a.groups),
        "dryRun": bool(a.dry_run),
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": a.op.capitalize() + "Options"},
    }
    if ns:
        req["namespace"] = ns
    if a.sub:
        req["subResource"] = a.sub
    if a.op == "DELETE":
        req["oldObject"] = obj
        req["object"] = None
    elif not a.no_object:
        req["object"] = obj
    if a.old_base:
        req["oldObject"] = base
    elif a.old:
        req["oldObject"] = load_object(a.old)
    review = {"apiVersion": "admission.k8s.io/" + a.api, "kind": "AdmissionReview",
              "request": req}
    json.dump(review, sys.stdout)
    sys.stdout.write("\n")


main()
