# SPDX-License-Identifier: Apache-2.0
"""A TLS client that sends one POST in two parts, for tests of slow bodies and
of draining on SIGTERM. Prints one JSON line with what happened:

  {"status": 200, "body": "...", "error": null,
   "probe_before": 200, "probe_after": [200, 503], "probe_error": null}

    slow_client.py --port P --ca CA.crt --body FILE [options]

  --path PATH     request path (default /validate)
  --split N       bytes of the body sent with the headers (default: half)
  --ready FILE    created once the headers and the first part are sent
  --go FILE       wait for this file before sending the rest
  --pause S       or: wait S seconds before sending the rest
  --probe LIST    before the POST, open a second connection and POST the body
                  on it (an AdmissionReview answer keeps the connection
                  alive); after the wait, on that same connection, do each
                  step of LIST (comma-separated): "POST" for the body again,
                  or a path to GET; then send the rest of the main body
  --timeout S     bound on every wait and read (default 15)
"""
import argparse
import json
import os
import socket
import ssl
import sys
import time


def connect(port, ca, timeout):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return ctx.wrap_socket(raw, server_hostname="127.0.0.1")


def read_response(sock):
    """Reads one HTTP/1.1 response; returns (status, body)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed before a response (%d bytes read)" % len(buf))
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    if status == 100:  # 100 Continue: the real answer follows
        return read_response_from(sock, rest)
    length = 0
    for line in lines[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "content-length":
            length = int(v.strip())
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, rest[:length].decode("utf-8", "replace")


def read_response_from(sock, pending):
    class Prefixed:
        def __init__(self, s, p):
            self.s, self.p = s, p

        def recv(self, n):
            if self.p:
                p, self.p = self.p, b""
                return p
            return self.s.recv(n)
    return read_response(Prefixed(sock, pending))


def get(sock, path):
    sock.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % path).encode())
    return read_response(sock)[0]


def post(sock, path, body):
    sock.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  "Content-Length: %d\r\n\r\n" % (path, len(body))).encode() + body)
    return read_response(sock)[0]


def wait_for(path, timeout):
    end = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > end:
            raise TimeoutError("no %s after %ss" % (path, timeout))
        time.sleep(0.02)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--body", required=True)
    ap.add_argument("--path", default="/validate")
    ap.add_argument("--split", type=int)
    ap.add_argument("--ready")
    ap.add_argument("--go")
    ap.add_argument("--pause", type=float)
    ap.add_argument("--probe")
    ap.add_argument("--timeout", type=float, default=15)
    a = ap.parse_args()

    out = {"status": None, "body": "", "error": None,
           "probe_before": None, "probe_after": None, "probe_error": None}
    body = open(a.body, "rb").read()
    split = len(body) // 2 if a.split is None else a.split
    probe = None
    try:
        if a.probe:
            probe = connect(a.port, a.ca, a.timeout)
            out["probe_before"] = post(probe, a.path, body)
        s = connect(a.port, a.ca, a.timeout)
        head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                "Content-Length: %d\r\n\r\n" % (a.path, len(body))).encode()
        s.sendall(head + body[:split])
        if a.ready:
            open(a.ready, "w").close()
        if a.go:
            wait_for(a.go, a.timeout)
        elif a.pause:
            time.sleep(a.pause)
        if probe:
            out["probe_after"] = []
            try:
                for step in a.probe.split(","):
                    out["probe_after"].append(post(probe, a.path, body) if step == "POST"
                                              else get(probe, step))
            except Exception as e:  # noqa: BLE001 - reported, not fatal
                out["probe_error"] = "%s: %s" % (type(e).__name__, e)
        s.sendall(body[split:])
        out["status"], out["body"] = read_response(s)
    except Exception as e:  # noqa: BLE001 - the test reads what failed
        out["error"] = "%s: %s" % (type(e).__name__, e)
    print(json.dumps(out))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
