# SPDX-License-Identifier: Apache-2.0
"""A TLS client that sends the start of a request slowly, for tests of the
time a request's handshake and headers may take. Prints one JSON line:

  {"closed_after_s": 2.3, "sent": 12, "status": null, "error": null}

    trickle_client.py --port P --ca CA.crt --what WHAT [--every S] [--timeout S]

  handshake   raw TCP: the first bytes of a TLS ClientHello, one at a time
  headers     TLS: "GET /healthz HTTP/1.1" and headers, one byte at a time
  keepalive   TLS: one whole GET /healthz (its status is reported), then the
              next request's headers one byte at a time
  closed_after_s counts from the first byte of the slow part; null when the
  server kept the connection until --timeout.
"""
import argparse
import json
import socket
import ssl
import time

from slow_client import connect, read_response


def trickle(sock, data, every, timeout):
    """Sends data a byte at a time; returns (seconds until the server closed
    or None, bytes sent)."""
    t0 = time.monotonic()
    sent = 0
    sock.settimeout(every)
    while time.monotonic() - t0 < timeout:
        try:
            sock.sendall(data[sent % len(data):sent % len(data) + 1])
            sent += 1
        except (OSError, ssl.SSLError):
            return time.monotonic() - t0, sent
        try:
            if sock.recv(1) == b"":
                return time.monotonic() - t0, sent
            # Any answer before the headers are whole is unexpected: a
            # server that answers garbage still counts as closing it.
            return time.monotonic() - t0, sent
        except (socket.timeout, TimeoutError):
            continue
        except (OSError, ssl.SSLError):
            return time.monotonic() - t0, sent
    return None, sent


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--what", choices=["handshake", "headers", "keepalive"], required=True)
    p.add_argument("--every", type=float, default=0.2)
    p.add_argument("--timeout", type=float, default=15)
    a = p.parse_args()
    out = {"closed_after_s": None, "sent": 0, "status": None, "error": None}
    # Headers that never end: a header line repeated.
    headers = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Slow: 1\r\n" * 1000
    try:
        if a.what == "handshake":
            s = socket.create_connection(("127.0.0.1", a.port), timeout=a.timeout)
            # A TLS 1.2 handshake record of 512 bytes, then the ClientHello's
            # first bytes: GnuTLS waits for the whole record.
            hello = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 501
            closed, sent = trickle(s, hello, a.every, a.timeout)
        else:
            s = connect(a.port, a.ca, a.timeout)
            if a.what == "keepalive":
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                out["status"] = read_response(s)[0]
            closed, sent = trickle(s, headers, a.every, a.timeout)
        out["closed_after_s"] = None if closed is None else round(closed, 2)
        out["sent"] = sent
    except Exception as e:  # reported, not raised: the test reads the JSON
        out["error"] = "%s: %s" % (type(e).__name__, e)
    print(json.dumps(out))


main()
