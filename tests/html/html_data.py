#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The data an HTML report carries, read as the page reads it: each block's
records base64-decoded and gunzipped, and each block's index.

Usage: html_data.py REPORT.html          the index lines and the records as
                                          text (every manifest in full), to grep
       html_data.py --json REPORT.html   {"summary": ..., "workloads": [{"index":
                                          [...], "head": [...], "manifest": "..."}]}
Exits 1 with a message when the page's data is not as report_html.c writes it."""
import base64
import gzip
import json
import re
import sys

BLOCK = re.compile(r'<script type="application/octet-stream" class="si-block" '
                   r'data-block="(\d+)">\n(.*?)</script>\n'
                   r'<script type="application/json" class="si-index" '
                   r'data-block="(\d+)">(.*?)</script>', re.S)
SUMMARY = re.compile(r'<script type="application/json" id="si-summary">(.*?)</script>', re.S)


def records(data):
    """A block's bytes -> [(head, manifest bytes)]."""
    out, at = [], 0
    while at < len(data):
        nl = data.index(b"\n", at)
        head = json.loads(data[at:nl])
        size = head[3][1]
        out.append((head, data[nl + 1:nl + 1 + size]))
        at = nl + 1 + size
    return out


def read(path):
    page = open(path, encoding="utf-8").read()
    blocks = BLOCK.findall(page)
    summary = SUMMARY.search(page)
    if not summary:
        sys.exit("%s: no summary block" % path)
    workloads = []
    for n, (b, text, b2, index) in enumerate(blocks):
        if int(b) != n or int(b2) != n:
            sys.exit("%s: block %s is not numbered %d" % (path, b, n))
        lines = json.loads(index)
        recs = records(gzip.decompress(base64.b64decode(text)))
        if len(lines) != len(recs):
            sys.exit("%s: block %d: %d index lines, %d records" % (path, n, len(lines), len(recs)))
        workloads += [{"index": i, "head": h, "manifest": m.decode("utf-8", "replace")}
                      for i, (h, m) in zip(lines, recs)]
    return {"summary": json.loads(summary.group(1)), "workloads": workloads}


def main():
    args = sys.argv[1:]
    as_json = args[:1] == ["--json"]
    if as_json:
        args = args[1:]
    if len(args) != 1:
        sys.exit(__doc__)
    report = read(args[0])
    if as_json:
        json.dump(report, sys.stdout, indent=1)
        print()
        return
    for w in report["workloads"]:
        print(json.dumps(w["index"]))
        print(json.dumps(w["head"]))
        sys.stdout.write(w["manifest"])
        print()


if __name__ == "__main__":
    main()
