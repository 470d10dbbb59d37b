# SPDX-License-Identifier: Apache-2.0
# Checks the queries of the Grafana dashboard and of the PrometheusRule of
# manifests/components/monitoring against what the server really exports:
# every metric a query names is in a live scrape (a histogram's _bucket,
# _sum and _count included), and every label it matches on, groups by
# (by, without), joins on (on, ignoring, group_left/right) or reads
# (histogram_quantile's le, label_replace's source) is one the metric, or
# what the query made of it, has. The queries are parsed as PromQL (a
# parser of the subset of the grammar queries use: selectors, ranges,
# offsets, subqueries, functions, aggregations, binary operators with
# their modifiers); one that does not parse fails.
#
# Run by py_tap (tests/tap.sh), whose prelude gives ok() and eq():
#   promql_check.py DASHBOARD.json RULES.yaml PROMTOOL_OUT SCRAPE...
# PROMTOOL_OUT receives a rules file with one recording rule per dashboard
# query (Grafana's variables replaced) for `promtool check rules`.
import json
import re
import sys

import yaml

# Labels Prometheus gives every series scraped through the ServiceMonitor
# (the target's), and the series it makes itself.
TARGET_LABELS = {"job", "instance", "namespace", "pod", "service", "endpoint", "container"}
PROMETHEUS_SERIES = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}

AGGREGATIONS = {"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count",
                "count_values", "bottomk", "topk", "quantile"}
# Functions whose result has no labels, and those that return a scalar.
NO_LABELS = {"time", "vector", "scalar", "pi", "absent", "absent_over_time"}
SCALARS = {"time", "scalar", "pi"}
PRECEDENCE = {"or": 1, "and": 2, "unless": 2, "==": 3, "!=": 3, "<=": 3, "<": 3, ">=": 3,
              ">": 3, "+": 4, "-": 4, "*": 5, "/": 5, "%": 5, "atan2": 5, "^": 6}

# Grafana's variables, as Prometheus would see them after Grafana.
GRAFANA_VARS = [("$__rate_interval", "2m"), ("$__interval", "1m"), ("$__range", "1h"),
                ("${namespace}", ".*"), ("$namespace", ".*")]

TOKEN = re.compile(r"""
    (?P<space>\s+|\#[^\n]*)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<range>\[[^\]]*\])
  | (?P<duration>\d+(?:ms|s|m|h|d|w|y)(?:\d+(?:ms|s|m|h|d|w|y))*(?![a-zA-Z_0-9]))
  | (?P<number>0x[0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?![a-zA-Z_0-9.]))
  | (?P<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<op>==|!=|<=|>=|=~|!~|[-+*/%^<>=,(){}@])
""", re.VERBOSE)


class ParseError(Exception):
    pass


def tokenize(text):
    out, pos = [], 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            raise ParseError("unexpected %r at %d" % (text[pos:pos + 10], pos))
        pos = m.end()
        if m.lastgroup != "space":
            out.append((m.lastgroup, m.group()))
    return out + [("end", "")]


class Parser:
    """Recursive descent over the tokens; nodes are tuples."""

    def __init__(self, text):
        self.t = tokenize(text)
        self.i = 0

    def peek(self, k=0):
        return self.t[self.i + k]

    def take(self, value=None):
        tok = self.t[self.i]
        if value is not None and tok[1] != value:
            raise ParseError("expected %r, got %r" % (value, tok[1]))
        self.i += 1
        return tok

    def parse(self):
        node = self.expr(0)
        if self.peek()[0] != "end":
            raise ParseError("unexpected %r" % (self.peek()[1],))
        return node

    def labels(self):
        self.take("(")
        names = []
        while self.peek()[1] != ")":
            names.append(self.take()[1])
            if self.peek()[1] == ",":
                self.take(",")
        self.take(")")
        return names

    def expr(self, min_prec):
        lhs = self.unary()
        while True:
            op = self.peek()[1]
            prec = PRECEDENCE.get(op)
            if prec is None or prec < min_prec or self.peek()[0] not in ("op", "ident"):
                return lhs
            self.take()
            matching = {"bool": False, "on": None, "ignoring": None, "group": None,
                        "group_labels": []}
            if self.peek()[1] == "bool":
                self.take()
                matching["bool"] = True
            if self.peek()[1] in ("on", "ignoring"):
                kind = self.take()[1]
                matching[kind] = self.labels()
                if self.peek()[1] in ("group_left", "group_right"):
                    matching["group"] = self.take()[1]
                    if self.peek()[1] == "(":
                        matching["group_labels"] = self.labels()
            rhs = self.expr(prec if op == "^" else prec + 1)
            lhs = ("bin", op, lhs, rhs, matching)

    def unary(self):
        if self.peek()[1] in ("-", "+"):
            self.take()
            return ("neg", self.unary())
        return self.postfix(self.primary())

    def postfix(self, node):
        while True:
            kind, value = self.peek()
            if kind == "range":
                self.take()
                node = ("range", node, value)
            elif value == "offset":
                self.take()
                if self.peek()[1] == "-":
                    self.take()
                self.take()
            elif value == "@":
                self.take()
                self.take()
                if self.peek()[1] == "(":
                    self.take("(")
                    self.take(")")
            else:
                return node

    def primary(self):
        kind, value = self.peek()
        if kind == "number":
            self.take()
            return ("num", float.fromhex(value) if value.startswith("0x") else float(value))
        if kind == "string":
            self.take()
            return ("str", value)
        if value == "(":
            self.take()
            node = self.expr(0)
            self.take(")")
            return node
        if value == "{":
            return self.selector(None)
        if kind != "ident":
            raise ParseError("unexpected %r" % (value,))
        if value in ("Inf", "NaN", "inf", "nan"):
            self.take()
            return ("num", float(value))
        if value in AGGREGATIONS and self.peek(1)[1] in ("(", "by", "without"):
            return self.aggregation()
        if self.peek(1)[1] == "(":
            self.take()
            return ("call", value, self.args())
        self.take()
        return self.selector(value)

    def args(self):
        self.take("(")
        args = []
        while self.peek()[1] != ")":
            args.append(self.expr(0))
            if self.peek()[1] == ",":
                self.take(",")
        self.take(")")
        return args

    def aggregation(self):
        op = self.take()[1]
        mode, names = None, []
        if self.peek()[1] in ("by", "without"):
            mode = self.take()[1]
            names = self.labels()
        args = self.args()
        if self.peek()[1] in ("by", "without"):
            mode = self.take()[1]
            names = self.labels()
        return ("agg", op, mode, names, args)

    def selector(self, name):
        matchers = []
        if self.peek()[1] == "{":
            self.take("{")
            while self.peek()[1] != "}":
                label = self.take()[1]
                op = self.take()[1]
                if op not in ("=", "!=", "=~", "!~"):
                    raise ParseError("bad matcher operator %r" % (op,))
                value = self.take()
                if value[0] != "string":
                    raise ParseError("a matcher's value must be a string")
                matchers.append((label, op, value[1]))
                if self.peek()[1] == ",":
                    self.take(",")
            self.take("}")
        if name is None:
            for label, op, value in matchers:
                if label == "__name__" and op == "=":
                    name = value[1:-1]
        if name is None:
            raise ParseError("a selector without a metric name")
        return ("sel", name, matchers)


def read_scrape(paths):
    """Sample name -> the label names of its samples. A histogram's samples
    are its _bucket, _sum and _count: the bare name is no series."""
    metrics = {}
    sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s')
    label = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"')
    for path in paths:
        for line in open(path, encoding="utf-8"):
            m = sample.match(line)
            if m:
                metrics.setdefault(m.group(1), set()).update(label.findall(m.group(3) or ""))
    return metrics


class Checker:
    def __init__(self, metrics):
        self.metrics = metrics
        self.problems, self.used = [], set()

    def labels_of_metric(self, name):
        if name in PROMETHEUS_SERIES:
            return set(TARGET_LABELS)
        if name in self.metrics:
            return self.metrics[name] | TARGET_LABELS
        return None

    def need(self, names, have, where):
        for n in names:
            if n not in have:
                self.problems.append("%s: label %r is not there (has %s)" %
                                     (where, n, ", ".join(sorted(have)) or "none"))

    def labels(self, node):
        """The label names of what `node` gives, checking on the way."""
        kind = node[0]
        if kind in ("num", "str"):
            return set()
        if kind == "neg":
            return self.labels(node[1])
        if kind == "range":
            return self.labels(node[1])
        if kind == "sel":
            name, matchers = node[1], node[2]
            self.used.add(name)
            have = self.labels_of_metric(name)
            if have is None:
                self.problems.append("metric %s is not in the scrape" % name)
                return set()
            self.need([m[0] for m in matchers if m[0] != "__name__"], have, name)
            return have
        if kind == "agg":
            _, op, mode, names, args = node
            inner = self.labels(args[-1])
            for a in args[:-1]:
                self.labels(a)
            self.need(names, inner, "%s %s (...)" % (op, mode))
            if mode == "by":
                have = set(names)
            elif mode == "without":
                have = inner - set(names)
            else:
                have = set()
            if op == "count_values" and args[0][0] == "str":
                have.add(args[0][1][1:-1])
            return have
        if kind == "call":
            fn, args = node[1], node[2]
            got = [self.labels(a) for a in args]
            if fn in NO_LABELS:
                return set()
            if fn == "histogram_quantile":
                self.need(["le"], got[1], "histogram_quantile")
                return got[1] - {"le"}
            if fn in ("label_replace", "label_join"):
                sources = ([args[3][1][1:-1]] if fn == "label_replace" else
                           [a[1][1:-1] for a in args[3:]])
                self.need([s for s in sources if s], got[0], fn)
                return got[0] | {args[1][1][1:-1]}
            vectors = [g for a, g in zip(args, got) if a[0] not in ("num", "str")]
            return vectors[0] if vectors else set()
        if kind == "bin":
            _, op, lhs, rhs, matching = node
            left, right = self.labels(lhs), self.labels(rhs)
            scalar = lambda n: n[0] == "num" or (n[0] == "call" and n[1] in SCALARS) or \
                (n[0] == "neg" and scalar(n[1]))
            if scalar(lhs) or scalar(rhs):
                return right if scalar(lhs) else left
            if matching["on"] is not None:
                self.need(matching["on"], left, "the left of %s on(...)" % op)
                self.need(matching["on"], right, "the right of %s on(...)" % op)
            if matching["ignoring"] is not None:
                self.need(matching["ignoring"], left | right, "%s ignoring(...)" % op)
            if matching["group"] == "group_left":
                self.need(matching["group_labels"], right, "group_left")
                return left | set(matching["group_labels"])
            if matching["group"] == "group_right":
                self.need(matching["group_labels"], left, "group_right")
                return right | set(matching["group_labels"])
            if op == "or":
                return left | right
            if matching["on"] is not None and op not in ("and", "unless"):
                return set(matching["on"])
            return left
        raise ParseError("unknown node %r" % (kind,))

    def check(self, expr):
        self.problems = []
        try:
            self.labels(Parser(expr).parse())
        except ParseError as e:
            self.problems.append("does not parse: %s" % e)
        return self.problems


def grafana(expr):
    for var, value in GRAFANA_VARS:
        expr = expr.replace(var, value)
    return expr


def dashboard_queries(dash):
    """(where, expr) of every query: panel targets and query variables."""
    def panels(ps):
        for p in ps:
            yield p
            yield from panels(p.get("panels", []))
    for p in panels(dash.get("panels", [])):
        for t in p.get("targets", []):
            if t.get("expr"):
                yield "panel %r, query %s" % (p.get("title"), t.get("refId")), t["expr"]
    for v in dash.get("templating", {}).get("list", []):
        if v.get("type") != "query":
            continue
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        m = re.match(r"^\s*label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$", q or "")
        if m:   # Grafana's function: the label of that selector
            yield "variable %s" % v["name"], "group by (%s) (%s)" % (m.group(2), m.group(1))
        elif q:
            yield "variable %s" % v["name"], q


def main(dashboard_path, rules_path, promtool_out, scrapes):
    metrics = read_scrape(scrapes)
    ok(len(metrics) > 20, "the live scrape has the server's metrics (%d)" % len(metrics))
    checker = Checker(metrics)

    dash = load(dashboard_path) or {}
    recorded = []
    for where, expr in dashboard_queries(dash):
        expr = grafana(expr)
        problems = checker.check(expr)
        ok(not problems, "dashboard %s: its metrics and labels are in the scrape" % where,
           expr, *problems)
        recorded.append(expr)
    dashboard_metrics = set(checker.used)

    rule = yaml.safe_load(open(rules_path, encoding="utf-8"))
    eq((rule.get("apiVersion"), rule.get("kind")), ("monitoring.coreos.com/v1", "PrometheusRule"),
       "the alerts are a PrometheusRule")
    n_rules = 0
    for group in rule["spec"]["groups"]:
        for r in group["rules"]:
            n_rules += 1
            problems = checker.check(r["expr"])
            ok(not problems, "alert %s: its metrics and labels are in the scrape" % r.get("alert"),
               r["expr"], *problems)
            ok(r.get("labels", {}).get("severity") in ("critical", "warning", "info") and
               r.get("annotations", {}).get("summary"),
               "alert %s: a severity and a summary" % r.get("alert"))
    ok(n_rules >= 8, "the PrometheusRule has its example alerts (%d)" % n_rules)

    # What the dashboard must show, by the metrics that hold it.
    wanted = ["admission_requests_total", "admission_duration_seconds_bucket",
              "check_failures_total", "scan_workloads", "scan_failures",
              "scan_duration_seconds", "scan_last_timestamp_seconds", "scans_total",
              "scan_namespace_failures", "scan_namespaces_failing", "reloads_total",
              "certificate_expiry_timestamp_seconds", "certificate_rotations_total",
              "certificate_check_failures_total", "policyreport_writes_total",
              "policyreport_write_failures_total", "http_errors_total", "leader"]
    missing = [w for w in wanted if "security_inspector_" + w not in dashboard_metrics]
    ok(not missing, "the dashboard shows admission, scans, namespaces, certificates, reloads, "
       "PolicyReport writes, HTTP errors and the leader", "missing: %s" % missing)

    with open(promtool_out, "w") as f:
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": [
            {"record": "dashboard:query_%d" % i, "expr": e} for i, e in enumerate(recorded)]}]}, f)


main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
