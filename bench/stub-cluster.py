#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A loopback stand-in for the API server holding N generated Deployments
(gen-manifests.py's objects: three containers each), listed page by page with
limit and continue as the real one lists them; every other list is empty.
TokenReviews and SubjectAccessReviews are answered yes for any token, so
that the served report can be fetched. Plain HTTP: point a kubeconfig's
server at http://127.0.0.1:PORT. For the scale benchmarks, where creating
100 000 objects in a real API server would take hours.
  stub-cluster.py N PORT_FILE"""
import http.server
import importlib.util
import json
import os
import sys
import urllib.parse

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("gen", os.path.join(here, "gen-manifests.py"))
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)

N, PORT_FILE = int(sys.argv[1]), sys.argv[2]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def send(self, code, body):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(url.query)
        resource = url.path.rstrip("/").split("/")[-1]
        if resource != "deployments":
            kind = resource[:-1].capitalize() + "List"
            return self.send(200, json.dumps({"kind": kind, "apiVersion": "v1",
                                              "metadata": {"resourceVersion": "1"},
                                              "items": []}).encode())
        limit = int(q.get("limit", ["500"])[0])
        start = int(q.get("continue", ["0"])[0])
        end = min(N, start + limit)
        items = []
        for i in range(start, end):
            d = gen.deployment(i)
            del d["apiVersion"], d["kind"]
            d["metadata"]["uid"] = f"00000000-0000-4000-8000-{i:012d}"
            items.append(d)
        meta = {"resourceVersion": "1"}
        if end < N:
            meta["continue"] = str(end)
        body = json.dumps({"kind": "DeploymentList", "apiVersion": "apps/v1",
                           "metadata": meta, "items": items}).encode()
        self.send(200, body)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if self.path.endswith("/tokenreviews"):
            body["status"] = {"authenticated": True,
                              "user": {"username": "bench", "groups": ["system:authenticated"]}}
        elif self.path.endswith("/subjectaccessreviews"):
            body["status"] = {"allowed": True}
        self.send(201, json.dumps(body).encode())

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
