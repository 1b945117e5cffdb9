#!/usr/bin/env python3
"""Turns scripts/bench.sh's results (one JSON object a line) into BENCHMARKS.md's generated
section and SVG charts. Medians over rounds; ratios are the median of per-round ratios, since
the clients of one round ran back to back (this machine is shared: absolute numbers drift)."""
import argparse
import json
import os
import statistics

BEGIN = "<!-- bench:generated:begin (scripts/bench.sh rewrites this part) -->"
END = "<!-- bench:generated:end -->"
CLIENTS = [("salvo", "salvo engine"), ("beast", "bare Beast loop"), ("curl", "libcurl multi"),
           ("wrk", "wrk")]
COLORS = {"salvo": "#d62728", "beast": "#1f77b4", "curl": "#2ca02c", "wrk": "#7f7f7f"}


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=0):
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}"


def verdict(value, target, higher=True):
    if value is None:
        return "not measured"
    met = value >= target if higher else value <= target
    if met:
        return "met"
    miss = (1 - value / target) * 100 if higher else (value / target - 1) * 100
    return f"**missed by {miss:.0f}%**"


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                rows.append(json.loads(line))
    return rows


def http_runs(rows, client, scheme, conns):
    return [r for r in rows if r["kind"] == "http" and r["client"] == client and
            r["scheme"] == scheme and r["connections"] == conns and "rps" in r["result"]]


def metric(rows, client, scheme, conns, key):
    return median([r["result"].get(key) for r in http_runs(rows, client, scheme, conns)])


def ratio(rows, a, b, scheme, conns):
    """Median over rounds of rps(a)/rps(b) within the same round."""
    by_round = {}
    for r in http_runs(rows, a, scheme, conns) + http_runs(rows, b, scheme, conns):
        by_round.setdefault(r["round"], {})[r["client"]] = r["result"]["rps"]
    values = [v[a] / v[b] for v in by_round.values() if a in v and b in v and v[b]]
    return median(values)


def cpu_us_per_request(rows, client, scheme, conns):
    values = []
    for r in http_runs(rows, client, scheme, conns):
        res = r["result"]
        if res.get("cpu_seconds") and res.get("requests"):
            values.append(res["cpu_seconds"] / res["requests"] * 1e6)
    return median(values)


def svg_lines(path, title, series, xs, ylabel):
    """series: [(name, color, [y or None per x])]; x positions evenly spaced (log-like)."""
    w, h, left, right, top, bottom = 640, 360, 70, 150, 40, 50
    ymax = max([y for _, _, ys in series for y in ys if y is not None] + [1]) * 1.1
    pw, ph = w - left - right, h - top - bottom

    def px(i):
        return left + (pw * i / max(1, len(xs) - 1))

    def py(y):
        return top + ph - ph * y / ymax

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{w / 2}" y="22" text-anchor="middle" font-size="15">{title}</text>']
    for k in range(6):
        y = ymax * k / 5
        out.append(f'<line x1="{left}" y1="{py(y):.1f}" x2="{left + pw}" y2="{py(y):.1f}" '
                   f'stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{py(y) + 4:.1f}" text-anchor="end">{y:,.0f}</text>')
    for i, x in enumerate(xs):
        out.append(f'<text x="{px(i):.1f}" y="{top + ph + 18}" text-anchor="middle">{x}</text>')
    out.append(f'<text x="{left + pw / 2}" y="{h - 10}" text-anchor="middle">connections</text>')
    out.append(f'<text x="16" y="{top + ph / 2}" text-anchor="middle" '
               f'transform="rotate(-90 16 {top + ph / 2})">{ylabel}</text>')
    for n, (name, color, ys) in enumerate(series):
        points = [(px(i), py(y)) for i, y in enumerate(ys) if y is not None]
        if points:
            out.append('<polyline fill="none" stroke-width="2" stroke="%s" points="%s"/>' % (
                color, " ".join(f"{x:.1f},{y:.1f}" for x, y in points)))
            for x, y in points:
                out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>')
        ly = top + 10 + n * 20
        out.append(f'<rect x="{left + pw + 15}" y="{ly - 9}" width="12" height="12" fill="{color}"/>')
        out.append(f'<text x="{left + pw + 32}" y="{ly + 1}">{name}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def svg_bars(path, title, groups, bars, values, ylabel):
    """groups: x categories; bars: [(name, color)]; values[group][bar] or None."""
    w, h, left, right, top, bottom = 640, 360, 70, 150, 40, 50
    ymax = max([v for g in values for v in g if v is not None] + [1]) * 1.1
    pw, ph = w - left - right, h - top - bottom
    gw = pw / len(groups)
    bw = gw * 0.8 / len(bars)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{w / 2}" y="22" text-anchor="middle" font-size="15">{title}</text>']
    for k in range(6):
        y = ymax * k / 5
        yy = top + ph - ph * y / ymax
        out.append(f'<line x1="{left}" y1="{yy:.1f}" x2="{left + pw}" y2="{yy:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end">{y:,.0f}</text>')
    for gi, g in enumerate(groups):
        gx = left + gi * gw + gw * 0.1
        out.append(f'<text x="{left + gi * gw + gw / 2:.1f}" y="{top + ph + 18}" '
                   f'text-anchor="middle">{g}</text>')
        for bi, (name, color) in enumerate(bars):
            v = values[gi][bi]
            if v is None:
                continue
            bh = ph * v / ymax
            out.append(f'<rect x="{gx + bi * bw:.1f}" y="{top + ph - bh:.1f}" width="{bw - 2:.1f}" '
                       f'height="{bh:.1f}" fill="{color}"/>')
    out.append(f'<text x="16" y="{top + ph / 2}" text-anchor="middle" '
               f'transform="rotate(-90 16 {top + ph / 2})">{ylabel}</text>')
    for n, (name, color) in enumerate(bars):
        ly = top + 10 + n * 20
        out.append(f'<rect x="{left + pw + 15}" y="{ly - 9}" width="12" height="12" fill="{color}"/>')
        out.append(f'<text x="{left + pw + 32}" y="{ly + 1}">{name}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--machine", required=True)
    ap.add_argument("--markdown", required=True)
    ap.add_argument("--charts", required=True)
    args = ap.parse_args()
    rows = load(args.results)
    machine = dict(line.rstrip("\n").split("=", 1) for line in open(args.machine) if "=" in line)
    conns = sorted({r["connections"] for r in rows if r["kind"] == "http"})
    clients = [(c, n) for c, n in CLIENTS if any(r.get("client") == c for r in rows)]
    md = [BEGIN, ""]
    md += ["## Machine and method", "",
           "| | |", "|---|---|"]
    for key in ["cpu", "cores", "memory", "os", "kernel", "compiler", "boost", "openssl", "nginx",
                "wrk", "curl", "pinning", "load"]:
        label = "load average at start" if key == "load" else key
        md.append(f"| {label} | {machine.get(key, 'n/a')} |")
    md += ["",
           f"{machine.get('rounds')} rounds of {machine.get('duration')} s per run; in each round "
           "every client runs every configuration back to back, in an order rotated each round. "
           "Figures are medians over rounds; ratios are medians of the per-round ratios. Every "
           "client runs one thread pinned to one core, nginx (one worker) to the other. The "
           "machine is shared with engineers compiling: absolute numbers drift between runs, the "
           "ratios of one round hold better.", "",
           "Requests: `POST /elements/api-v2/instances` with a 234-byte JSON body "
           "(`bench/data/create_instance.json`), `Content-Type` and `Authorization` headers; "
           "nginx answers 200 with a 353-byte instance JSON (`bench/data/instance.json`). "
           "Every worker's first request (its connection set-up, TLS handshake included) is a "
           "warm-up and not measured (wrk cannot exclude it).", "",
           "Reproduce: `make bench` (or `ROUNDS=5 DURATION=3 scripts/bench.sh`; `BUILD_DIR`, "
           "`CONNECTIONS`, `SKIP_BUILD=1` are honoured). Raw results: "
           "`docs/bench/results.jsonl`.", ""]

    targets = []
    for scheme, label in [("http", "plaintext"), ("https", "TLS")]:
        md += [f"## Throughput, {label} keep-alive (requests/s)", ""]
        head = "| connections | " + " | ".join(n for _, n in clients)
        head += " | salvo ÷ Beast (≥ 0.95) | salvo ÷ curl (≥ 2) | salvo ÷ wrk |"
        md += [head, "|" + "---|" * (len(clients) + 4)]
        for c in conns:
            cells = [fmt(metric(rows, k, scheme, c, "rps")) for k, _ in clients]
            rb = ratio(rows, "salvo", "beast", scheme, c)
            rc = ratio(rows, "salvo", "curl", scheme, c)
            rw = ratio(rows, "salvo", "wrk", scheme, c)
            md.append(f"| {c} | " + " | ".join(cells) +
                      f" | {fmt(rb, 2)} ({verdict(rb, 0.95)}) | {fmt(rc, 2)} ({verdict(rc, 2)}) "
                      f"| {fmt(rw, 2)} |")
            if c == 64:
                targets.append((f"engine ≥ 0.95× bare Beast, {label}, 64 connections", rb, 0.95))
                targets.append((f"engine ≥ 2× libcurl multi, {label}, 64 connections", rc, 2.0))
        md += ["", f"Latency (µs, median over rounds) and client CPU per request, {label}:", "",
               "| connections | client | p50 | p90 | p99 | max | CPU µs/request |",
               "|---|---|---|---|---|---|---|"]
        for c in conns:
            for k, n in clients:
                md.append(f"| {c} | {n} | " + " | ".join(
                    fmt(metric(rows, k, scheme, c, key)) for key in
                    ["p50_us", "p90_us", "p99_us", "max_us"]) +
                    f" | {fmt(cpu_us_per_request(rows, k, scheme, c), 1) if k != 'wrk' else 'n/a'} |")
        md.append("")
        svg_lines(os.path.join(args.charts, f"throughput-{scheme}.svg"),
                  f"POST throughput, {label} keep-alive",
                  [(n, COLORS[k], [metric(rows, k, scheme, c, "rps") for c in conns])
                   for k, n in clients], conns, "requests/s (median)")
        svg_bars(os.path.join(args.charts, f"latency-{scheme}.svg"),
                 f"Latency at 64 connections, {label}", ["p50", "p90", "p99"],
                 [(n, COLORS[k]) for k, n in clients],
                 [[metric(rows, k, scheme, 64, q) for k, _ in clients]
                  for q in ["p50_us", "p90_us", "p99_us"]], "µs (median over rounds)")
        md += [f"![throughput {label}](docs/bench/throughput-{scheme}.svg)",
               f"![latency {label}](docs/bench/latency-{scheme}.svg)", ""]

    hs = [r for r in rows if r["kind"] == "handshake" and "rps" in r["result"]]
    md += ["## New TLS connections per second (salvo-bench handshake)", "",
           f"{machine.get('handshake_connections')} workers, one request per connection "
           "(`max_requests_per_connection = 1`), nginx with an RSA-2048 certificate, TLS 1.3.", "",
           "| resumption | connections/s | full handshakes | resumed | p50 µs | p99 µs |",
           "|---|---|---|---|---|---|"]
    by_round = {}
    for resume in [True, False]:
        runs = [r for r in hs if r["resume"] == resume]
        for r in runs:
            by_round.setdefault(r["round"], {})[resume] = r["result"]["rps"]
        md.append(f"| {'on' if resume else 'off'} | {fmt(median([r['result']['rps'] for r in runs]))}"
                  f" | {fmt(median([r['result'].get('tls_handshakes_full') for r in runs]))}"
                  f" | {fmt(median([r['result'].get('tls_handshakes_resumed') for r in runs]))}"
                  f" | {fmt(median([r['result']['p50_us'] for r in runs]))}"
                  f" | {fmt(median([r['result']['p99_us'] for r in runs]))} |")
    hr = median([v[True] / v[False] for v in by_round.values() if True in v and False in v])
    targets.append(("new TLS connections/s, resumed ≥ 2× full", hr, 2.0))
    md += ["", f"Resumed ÷ full: **{fmt(hr, 2)}** (target ≥ 2: {verdict(hr, 2.0)}).", ""]

    idle = [r["result"] for r in rows if r["kind"] == "idle" and "connections" in r["result"]]
    md += ["## Idle keep-alive connections (salvo-bench idle)", ""]
    if idle:
        i = idle[-1]
        mib = i["rss_idle_kib"] / 1024
        live = i.get("heap_in_use_kib", 0)
        md += ["| connections | RSS before | RSS idle | bytes/connection (RSS) | RSS after "
               "malloc_trim | heap in use | heap free but mapped | live heap bytes/connection |",
               "|---|---|---|---|---|---|---|---|",
               f"| {i['connections']:,} | {i['rss_before_kib'] / 1024:.1f} MiB | {mib:.1f} MiB | "
               f"{i['bytes_per_connection']:,.0f} | {i.get('rss_trimmed_kib', 0) / 1024:.1f} MiB | "
               f"{live / 1024:.1f} MiB | {i.get('heap_free_kib', 0) / 1024:.1f} MiB | "
               f"{live * 1024 / max(1, i['connections']):,.0f} |", "",
               "All connections are opened by as many concurrent requests, then left idle in the "
               "pool; RSS is the whole client process (`VmRSS`) after the burst. `heap in use` and "
               "`heap free but mapped` come from glibc's `mallinfo2()` after `malloc_trim(0)`: "
               "what the idle connections hold, and what the finished burst left behind in pages "
               "the allocator cannot give back.", ""]
        targets.append((f"{i['connections']:,} idle connections ≤ 64 MiB RSS", mib, 64.0))
    else:
        md += ["Not measured (the run failed).", ""]

    srv = [r for r in rows if r["kind"] == "server" and "rps" in r["result"]]
    md += ["## The mock against nginx (wrk, 64 connections, GET an instance)", "",
           "| server | requests/s | p50 µs | p99 µs |", "|---|---|---|---|"]
    sr = {}
    for name in ["nginx", "mock"]:
        runs = [r for r in srv if r["server"] == name]
        for r in runs:
            sr.setdefault(r["round"], {})[name] = r["result"]["rps"]
        md.append(f"| {name} | {fmt(median([r['result']['rps'] for r in runs]))} | "
                  f"{fmt(median([r['result']['p50_us'] for r in runs]))} | "
                  f"{fmt(median([r['result']['p99_us'] for r in runs]))} |")
    mr = median([v["mock"] / v["nginx"] for v in sr.values() if "mock" in v and "nginx" in v])
    targets.append(("mock ≥ 0.5× nginx under wrk", mr, 0.5))
    md += ["", f"Mock ÷ nginx: **{fmt(mr, 2)}** (target ≥ 0.5: {verdict(mr, 0.5)}). Both have one "
           "thread on the server core.", ""]

    prov = [r for r in rows if r["kind"] == "provision" and "instances_per_s" in r["result"]]
    md += ["## Provisioning against the mock (salvo-bench provision)", ""]
    if prov:
        md += ["| entries | instances/s | engine's raw POST/s | ratio | entry p50 µs | entry p99 µs "
               "| POSTs/entry | CPU µs/entry | wall µs/entry | peak RSS |",
               "|---|---|---|---|---|---|---|---|---|---|"]
        sizes = sorted({r["result"]["instances"] for r in prov})
        per_size = {}
        for n in sizes:
            runs = [r["result"] for r in prov if r["result"]["instances"] == n]
            med = {k: median([x[k] for x in runs]) for k in
                   ["instances_per_s", "engine_rps", "ratio", "entry_p50_us", "entry_p99_us",
                    "attempts_per_entry", "cpu_us_per_entry", "wall_us_per_entry", "max_rss_kib"]}
            per_size[n] = med
            md.append(f"| {n:,} | {fmt(med['instances_per_s'])} | {fmt(med['engine_rps'])} | "
                      f"{fmt(med['ratio'], 2)} | {fmt(med['entry_p50_us'])} | "
                      f"{fmt(med['entry_p99_us'])} | {fmt(med['attempts_per_entry'], 3)} | "
                      f"{fmt(med['cpu_us_per_entry'], 1)} | {fmt(med['wall_us_per_entry'], 1)} | "
                      f"{med['max_rss_kib'] / 1024:.1f} MiB |")
        small, large = sizes[0], sizes[-1]
        pr = per_size[small]["ratio"]
        targets.append((f"provisioning {small:,} entries ≥ 0.7× the engine's raw rate", pr, 0.7))
        md += ["", f"Provisioning ÷ raw engine rate ({small:,} entries): **{fmt(pr, 2)}** "
               f"(target ≥ 0.7: {verdict(pr, 0.7)})."]
        if large != small:
            growth = per_size[large]["wall_us_per_entry"] / per_size[small]["wall_us_per_entry"]
            cpu_growth = per_size[large]["cpu_us_per_entry"] / per_size[small]["cpu_us_per_entry"]
            targets.append((f"per-entry time at {large:,} ÷ at {small:,} ≤ 1.1", growth, 1.1))
            md += [f"Per-entry cost at {large:,} entries ÷ at {small:,}: wall **{fmt(growth, 2)}**, "
                   f"CPU {fmt(cpu_growth, 2)} (target ≤ 1.1: {verdict(growth, 1.1, False)})."]
        md += ["", "One `provision::runner` run per row, as `salvo provision` runs it (manifest "
               "parsed from memory, sweep, creates at concurrency 64 with adaptive concurrency, "
               "results file written), against the mock (one thread, server core) after the "
               "engine's raw create-POST rate against the same mock was measured in the same "
               "process. Peak RSS is the provisioning phase's (`VmHWM`, reset before it).", ""]
    else:
        md += ["Not measured (the run failed).", ""]

    md += ["## Targets", "", "| target | measured | verdict |", "|---|---|---|"]
    for name, value, target in targets:
        higher = "RSS" not in name and "≤ 1.1" not in name
        unit = " MiB" if "RSS" in name else "×"
        md.append(f"| {name} | {fmt(value, 2 if higher else 1)}{unit} | "
                  f"{verdict(value, target, higher)} |")
    md += ["", END]

    generated = "\n".join(md) + "\n"
    if os.path.exists(args.markdown):
        text = open(args.markdown).read()
        if BEGIN in text and END in text:
            head, rest = text.split(BEGIN, 1)
            tail = rest.split(END, 1)[1].lstrip("\n")
            text = head + generated + "\n" + tail
        else:
            text = text.rstrip("\n") + "\n\n" + generated
    else:
        text = ("# Benchmarks\n\nsalvo's engine side by side with a bare Beast loop, libcurl "
                "multi and wrk, on one machine, in one run (`make bench`, `scripts/bench.sh`). "
                "The section between the markers is rewritten by every run; the analysis after "
                "it is written by hand.\n\n" + generated)
    with open(args.markdown, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
