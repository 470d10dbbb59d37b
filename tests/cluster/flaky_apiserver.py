#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# A loopback HTTP server that answers like a kube-apiserver in trouble, for
# what the real one cannot be made to do on demand: the Deployment list's
# continue token expires once (410 Gone), then the StatefulSet list breaks off
# in the middle of its body (the server went away mid-scan).
#   flaky_apiserver.py PORT_FILE   (writes the port it listens on, then serves)
import http.server, json, sys

expired = False


def deployment(name):
    return {"metadata": {"name": name, "namespace": "flaky"},
            "spec": {"selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}}}}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def send(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        global expired
        path, _, query = self.path.partition("?")
        if path == "/apis/apps/v1/deployments":
            if "continue=page2" in query and not expired:
                expired = True
                return self.send(410, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                       "message": "The provided continue parameter is too old",
                                       "reason": "Expired", "code": 410})
            if "continue=page2" in query:
                return self.send(200, {"kind": "DeploymentList", "apiVersion": "apps/v1",
                                       "metadata": {}, "items": [deployment("d3"), deployment("d4")]})
            return self.send(200, {"kind": "DeploymentList", "apiVersion": "apps/v1",
                                   "metadata": {"continue": "page2"},
                                   "items": [deployment("d1"), deployment("d2")]})
        if path == "/apis/apps/v1/statefulsets":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b'{"kind":"StatefulSetList","items":[')
            self.wfile.flush()
            self.close_connection = True
            return
        self.send(404, {"kind": "Status", "message": "not served here", "code": 404})

    def log_message(self, *args):
        pass


srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[1], "w") as f:
    f.write(str(srv.server_address[1]))
srv.serve_forever()
