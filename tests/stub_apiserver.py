#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# A loopback HTTP server that answers like a kube-apiserver, for what the
# real one cannot be made to do on demand. Two scenarios:
#   scan (default)  every list is empty but the Deployments (one privileged
#                   Deployment); single objects are not found; Events are
#                   created. Each request is logged as a JSON line (method,
#                   path, Authorization header, POST body) to LOG_FILE.
#                   TokenReviews and SubjectAccessReviews are answered: the
#                   token "reader-token" is the user "reader" (groups
#                   "readers", "system:authenticated"), who may get every
#                   non-resource URL under /report and /metrics/namespaces,
#                   and create (POST) /report/inspect; "nobody-token" is the
#                   user "nobody", who may do nothing; other tokens are
#                   invalid. Leases (coordination.k8s.io/v1) are kept: created,
#                   read, and updated on their resourceVersion (409 else), for
#                   leader election. With the
#                   environment variable STUB_SLOW_LIST=S, the Deployment list
#                   takes S seconds (a scan that lasts). With STUB_WORKLOADS=N,
#                   a cluster for the report pages besides: N Deployments
#                   app-000... alternately in team-b and team-a (every third
#                   hardened: it passes every item), one whose name is
#                   markup, a ReplicaSet owned by an Argo Rollout, a Pod owned
#                   (not as controller) by a Deployment's ReplicaSet, and a
#                   ClusterRoleBinding of system:anonymous.
#                   With STUB_NS_WORKLOADS=N, a list in namespace legacy
#                   (/.../namespaces/legacy/RESOURCE) holds N Deployments
#                   legacy-000... (every fourth hardened, the others
#                   privileged), a bare Pod debug (image without a tag), and
#                   a Pod its ReplicaSet controls; other namespaces are
#                   empty. With STUB_SLOW_NS=S, namespaced lists take S
#                   seconds.
#   flaky           the Deployment list's continue token expires once (410
#                   Gone), then the StatefulSet list breaks off in the middle
#                   of its body (the server went away mid-scan).
#   stub_apiserver.py PORT_FILE [LOG_FILE] [--flaky]
#                   (writes the port it listens on, then serves)
import http.server, json, os, sys, threading, time

FLAKY = "--flaky" in sys.argv
args = [a for a in sys.argv[1:] if a != "--flaky"]
PORT_FILE, LOG_FILE = args[0], (args[1] if len(args) > 1 else None)
LISTS = ("deployments", "statefulsets", "daemonsets", "replicasets", "jobs", "cronjobs",
         "replicationcontrollers", "pods", "rolebindings", "clusterrolebindings")
expired = False
LEASES = {}   # path -> the Lease as last written
LEASES_LOCK = threading.Lock()
SLOW_LIST = float(os.environ.get("STUB_SLOW_LIST", "0"))
N_WORKLOADS = int(os.environ.get("STUB_WORKLOADS", "0"))
NS_WORKLOADS = int(os.environ.get("STUB_NS_WORKLOADS", "0"))
SLOW_NS = float(os.environ.get("STUB_SLOW_NS", "0"))
HOSTILE_NAME = "<b>x</b>&\"'<script>alert(1)</script>"
USERS = {
    "reader-token": {"username": "reader", "uid": "u-1",
                     "groups": ["readers", "system:authenticated"], "extra": {"team": ["a"]}},
    "nobody-token": {"username": "nobody", "uid": "u-2", "groups": ["system:authenticated"]},
}


def deployment(name, namespace, privileged=False):
    container = {"name": "app", "image": "nginx:1.25",
                 "env": [{"name": "DB_PASSWORD", "value": "stub-plaintext-secret"}]}
    if privileged:
        container["securityContext"] = {"privileged": True}
    return {"metadata": {"name": name, "namespace": namespace},
            "spec": {"selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [container]}}}}


def hardened(name, namespace):
    container = {"name": "app", "image": "nginx:1.25",
                 "securityContext": {"runAsNonRoot": True, "runAsUser": 1000,
                                     "allowPrivilegeEscalation": False,
                                     "readOnlyRootFilesystem": True,
                                     "capabilities": {"drop": ["ALL"]},
                                     "seccompProfile": {"type": "RuntimeDefault"}},
                 "resources": {"requests": {"cpu": "100m", "memory": "64Mi"},
                               "limits": {"cpu": "200m", "memory": "128Mi"}},
                 "readinessProbe": {"httpGet": {"path": "/", "port": 8080}},
                 "livenessProbe": {"httpGet": {"path": "/", "port": 8080}}}
    return {"metadata": {"name": name, "namespace": namespace},
            "spec": {"selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [container]}}}}


# The lists whose items a scan reads the kind of.
LIST_KINDS = {"replicasets": ("ReplicaSetList", "apps/v1"), "pods": ("PodList", "v1"),
              "clusterrolebindings": ("ClusterRoleBindingList", "rbac.authorization.k8s.io/v1")}


def report_items(resource):
    """The objects of STUB_WORKLOADS for one list."""
    if resource == "deployments":
        items = [(hardened if i % 3 == 0 else deployment)("app-%03d" % i,
                                                          "team-a" if i % 2 else "team-b")
                 for i in range(N_WORKLOADS)]
        return items + [deployment(HOSTILE_NAME, "stub")]
    if resource == "replicasets":
        rs = deployment("canary-7c9d", "team-a")
        rs["metadata"]["ownerReferences"] = [{"apiVersion": "argoproj.io/v1alpha1",
                                              "kind": "Rollout", "name": "canary",
                                              "uid": "r-1", "controller": True}]
        return [rs]
    if resource == "pods":
        pod = {"metadata": {"name": "web-5d4f9c-x2x9z", "namespace": "team-a",
                            "labels": {"app": "web", "pod-template-hash": "5d4f9c"},
                            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                                 "name": "web-5d4f9c", "uid": "rs-1"}]},
               "spec": {"containers": [{"name": "web", "image": "nginx"},
                                       {"name": "sidecar", "image": "envoy:1.29"}]}}
        return [pod]
    if resource == "clusterrolebindings":
        return [{"metadata": {"name": "anon-view"},
                 "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                             "name": "view"},
                 "subjects": [{"kind": "Group", "name": "system:anonymous"}]}]
    return []


def namespace_items(namespace, resource):
    """The objects of STUB_NS_WORKLOADS in one namespaced list."""
    if namespace != "legacy":
        return []
    if resource == "deployments":
        return [hardened("legacy-%03d" % i, namespace) if i % 4 == 3 else
                deployment("legacy-%03d" % i, namespace, privileged=True)
                for i in range(NS_WORKLOADS)]
    if resource == "pods":
        owned = {"metadata": {"name": "web-5d4f9c-x2x9z", "namespace": namespace,
                              "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                                   "name": "web-5d4f9c", "uid": "rs-1",
                                                   "controller": True}]},
                 "spec": {"containers": [{"name": "web", "image": "nginx"}]}}
        bare = {"metadata": {"name": "debug", "namespace": namespace},
                "spec": {"containers": [{"name": "shell", "image": "busybox"}]}}
        return [owned, bare]
    return []


def deployments(names, cont=None):
    return {"kind": "DeploymentList", "apiVersion": "apps/v1",
            "metadata": {"continue": cont} if cont else {},
            "items": [deployment(n, "flaky") for n in names]}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def send(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log(self, body=None):
        if LOG_FILE:
            with open(LOG_FILE, "a") as f:
                f.write(json.dumps({"method": self.command, "path": self.path,
                                    "auth": self.headers.get("Authorization"),
                                    "body": body}) + "\n")

    def not_found(self):
        self.send(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                        "message": "not served here", "reason": "NotFound", "code": 404})

    def flaky(self, path, query):
        global expired
        if path == "/apis/apps/v1/deployments":
            if "continue=page2" in query and not expired:
                expired = True
                return self.send(410, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                       "message": "The provided continue parameter is too old",
                                       "reason": "Expired", "code": 410})
            if "continue=page2" in query:
                return self.send(200, deployments(["d3", "d4"]))
            return self.send(200, deployments(["d1", "d2"], "page2"))
        if path == "/apis/apps/v1/statefulsets":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b'{"kind":"StatefulSetList","items":[')
            self.wfile.flush()
            self.close_connection = True
            return
        self.not_found()

    def lease(self, body=None):
        """GET, POST (on the collection) and PUT of Leases."""
        path = self.path.partition("?")[0]
        with LEASES_LOCK:
            if self.command == "GET":
                return (self.send(200, LEASES[path]) if path in LEASES else self.not_found())
            if self.command == "POST":
                path += "/" + body.get("metadata", {}).get("name", "")
                if path in LEASES:
                    return self.send(409, {"kind": "Status", "apiVersion": "v1",
                                           "status": "Failure", "reason": "AlreadyExists",
                                           "code": 409})
                version = 1
            else:
                old = LEASES.get(path)
                if old is None:
                    return self.not_found()
                if body.get("metadata", {}).get("resourceVersion") != \
                        old["metadata"]["resourceVersion"]:
                    return self.send(409, {"kind": "Status", "apiVersion": "v1",
                                           "status": "Failure", "reason": "Conflict",
                                           "code": 409})
                version = int(old["metadata"]["resourceVersion"]) + 1
            body.setdefault("metadata", {})["resourceVersion"] = str(version)
            LEASES[path] = body
            self.send(201 if self.command == "POST" else 200, body)

    def do_PUT(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.log(body)
        if "/leases/" in self.path:
            return self.lease(body)
        self.not_found()

    def do_GET(self):
        self.log()
        path, _, query = self.path.partition("?")
        if "/leases/" in path:
            return self.lease()
        if FLAKY:
            return self.flaky(path, query)
        resource = path.rstrip("/").split("/")[-1]
        if resource not in LISTS:
            return self.not_found()
        parts = path.split("/")
        if NS_WORKLOADS and "namespaces" in parts[:-2]:
            time.sleep(SLOW_NS)
            kind, version = dict(LIST_KINDS, deployments=("DeploymentList", "apps/v1")).get(
                resource, ("List", "v1"))
            namespace = parts[parts.index("namespaces") + 1]
            return self.send(200, {"kind": kind, "apiVersion": version, "metadata": {},
                                   "items": namespace_items(namespace, resource)})
        extra = report_items(resource) if N_WORKLOADS else []
        if resource == "deployments":
            time.sleep(SLOW_LIST)
            return self.send(200, {"kind": "DeploymentList", "apiVersion": "apps/v1", "metadata": {},
                                   "items": [deployment("priv", "stub", privileged=True)] + extra})
        kind, version = LIST_KINDS.get(resource, ("List", "v1"))
        self.send(200, {"kind": kind, "apiVersion": version, "metadata": {}, "items": extra})

    def review(self, path, body):
        spec = body.get("spec", {})
        if path.endswith("/tokenreviews"):
            user = USERS.get(spec.get("token"))
            body["status"] = ({"authenticated": True, "user": user} if user else
                              {"authenticated": False, "error": "invalid bearer token"})
        else:
            url = spec.get("nonResourceAttributes", {}).get("path", "")
            verb = spec.get("nonResourceAttributes", {}).get("verb")
            allowed = (spec.get("user") == "reader" and "readers" in spec.get("groups", []) and
                       ((verb == "get" and (url.startswith("/report") or
                                            url == "/metrics/namespaces")) or
                        (verb == "create" and url == "/report/inspect")))
            body["status"] = {"allowed": allowed,
                              "reason": "RBAC: allowed by ClusterRoleBinding readers" if allowed else ""}
        self.send(201, body)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.log(body)
        if FLAKY:
            return self.not_found()
        if self.path.endswith("/tokenreviews") or self.path.endswith("/subjectaccessreviews"):
            return self.review(self.path, body)
        if self.path.partition("?")[0].endswith("/leases"):
            return self.lease(body)
        self.send(201, body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
