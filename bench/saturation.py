#!/usr/bin/env python3
"""Judges fan-out probes for bench/run.sh's saturation search.

    python3 bench/saturation.py judge PROBE.json
        prints "pass" or "fail: <reason>"; a probe passes when the run finished,
        nothing was lost, duplicated or reordered, no subscriber was closed by
        the server, and the publishers kept up with the planned rate (achieved
        at least 97% of it, never more than a second behind).
    python3 bench/saturation.py summarize OUT.json SERVER N PROBE.json...
        writes the saturation document: the highest passing rate, the figures
        of that probe (delivered/s, server CPU per 1,000 deliveries, p99), and
        every probe's verdict.
Python 3 standard library only.
"""
import json
import sys


def verdict(doc):
    if not doc.get("ok"):
        return f"run did not finish: {doc.get('error')}"
    r = doc.get("results") or {}
    d = r.get("deliveries") or {}
    for key in ("lost", "duplicated", "out_of_order"):
        if d.get(key):
            return f"{key} {d[key]}"
    closed = (r.get("subscribers") or {}).get("closed_by_server") or {}
    if closed:
        return f"subscribers closed by the server: {closed}"
    pubs = r.get("publications") or {}
    rate = (doc.get("params") or {}).get("rate") or 0
    achieved = pubs.get("achieved_rate") or 0
    if pubs.get("failed") or pubs.get("unanswered"):
        return f"publications failed {pubs.get('failed')} unanswered {pubs.get('unanswered')}"
    if achieved < 0.97 * rate:
        return f"publishers fell behind: {achieved}/s of {rate}/s"
    if (pubs.get("max_behind_ms") or 0) > 1000:
        return f"publishers fell {pubs['max_behind_ms']:.0f} ms behind"
    return None


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "judge":
        try:
            doc = json.load(open(sys.argv[2]))
        except (OSError, ValueError) as e:
            print(f"fail: no result ({e})")
            return
        v = verdict(doc)
        print("pass" if v is None else f"fail: {v}")
        return
    if len(sys.argv) >= 5 and sys.argv[1] == "summarize":
        out, server, n = sys.argv[2], sys.argv[3], int(sys.argv[4])
        probes, best = [], None
        for path in sys.argv[5:]:
            try:
                doc = json.load(open(path))
            except (OSError, ValueError):
                continue
            rate = (doc.get("params") or {}).get("rate")
            v = verdict(doc)
            probes.append({"rate": rate, "pass": v is None, "reason": v})
            if v is None and (best is None or rate > best[0]):
                best = (rate, doc)
        result = {"tool": "bench/saturation.py", "scenario": "saturation", "server": server, "subscribers": n,
                  "ok": best is not None, "probes": probes, "loss_free_rate": best[0] if best else None}
        if best:
            doc = best[1]
            d = doc["results"]["deliveries"]
            cpu = sum(s.get("cpu_us") or 0 for s in doc.get("servers") or [])
            result.update({
                "delivered_per_second": d.get("delivered_per_second"),
                "cpu_us_per_1000_deliveries": cpu * 1000 / d["delivered"] if d.get("delivered") and cpu else None,
                "p99_us": (doc["results"].get("latency") or {}).get("p99_us"),
                "params": doc.get("params"),
            })
        json.dump(result, open(out, "w"), indent=1)
        return
    sys.exit(__doc__)


if __name__ == "__main__":
    main()
