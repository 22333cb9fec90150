#!/usr/bin/env python3
"""Checks one wshub-bench JSON result for the smoke tests (bench/smoke.sh and
tests/integration/test_bench_smoke.py): the run finished, nothing was lost,
duplicated or reordered, and the fields a report reads are present and sane.

    python3 bench/check_result.py RESULT.json   # exit 1 and a list on failure
"""

import json
import sys


def problems(d):
    """The list of what is wrong with result document d (empty: fine)."""
    out = []

    def want(cond, what):
        if not cond:
            out.append(what)

    def latency_sane(lat, count, what):
        want(lat["count"] == count, f"{what}: latency count {lat['count']} != {count}")
        if count:
            want(0 < lat["min_us"] <= lat["p50_us"] <= lat["p90_us"] <= lat["p99_us"]
                 <= lat["p999_us"] <= lat["max_us"], f"{what}: percentiles out of order: {lat}")

    want(d.get("tool") == "wshub-bench", "not a wshub-bench result")
    want(d.get("ok") is True, f"run did not finish: {d.get('error')}")
    want(d.get("interrupted") is False, "run interrupted")
    if out:
        return out
    servers = d.get("servers", [])
    for srv in servers:
        want("error" not in srv and srv["end"]["rss_kb"] > 0, f"server samples: {srv}")
    r = d["results"]
    p = d["params"]
    scenario = d["scenario"]
    if scenario in ("fanout", "slow", "cluster"):
        subs, deliveries, pubs = r["subscribers"], r["deliveries"], r["publications"]
        want(subs["failed"] == 0, f"subscribers failed: {r['setup']['errors']}")
        want(pubs["sent"] == pubs["acknowledged"] == p["publications"],
             f"publications: sent {pubs['sent']} acknowledged {pubs['acknowledged']} "
             f"of {p['publications']}; errors {pubs['errors']}")
        # Every channel gets the same number of publications in these runs.
        per_channel = p["publications"] // p["channels"]
        want(p["publications"] % p["channels"] == 0 and
             deliveries["expected"] == subs["measured"] * per_channel,
             f"expected deliveries {deliveries['expected']} != {subs['measured']} x {per_channel}")
        for k in ("lost", "duplicated", "out_of_order", "wrong_channel", "foreign_payload"):
            want(deliveries[k] == 0, f"{k} = {deliveries[k]}")
        want(deliveries["delivered"] == deliveries["expected"],
             f"delivered {deliveries['delivered']} != expected {deliveries['expected']}")
        want(deliveries["delivered_per_second"] > 0, "delivered_per_second is 0")
        latency_sane(r["latency"], deliveries["delivered"], "end-to-end")
        want(subs["closed_by_server"] == {}, f"measured subscribers closed by the server: "
                                             f"{subs['closed_by_server']}")
        if servers:
            want(d["server_cpu_us_per_1000_deliveries"] is not None, "no server_cpu_us_per_1000_deliveries")
        if scenario == "cluster":
            inst = r.get("instances", {})
            want(inst.get("count", 0) >= 2, f"cluster run over {inst.get('count')} instance(s)")
            want(inst.get("cross_instance_expected", 0) > 0, "no delivery crossed instances")
            want(inst.get("cross_instance_lost") == 0 and
                 inst.get("cross_instance_delivered") == inst.get("cross_instance_expected"),
                 f"lost across instances: {inst.get('cross_instance_lost')}")
        if scenario == "slow":
            slow = r["slow"]
            want(slow["slow_subscribers"] == p["slow_subscribers"] > 0, f"slow subscribers: {slow}")
            want(slow["closed_4000"] == slow["slow_subscribers"],
                 f"slow subscribers not all closed with 4000: {slow['outcomes']}")
            want(slow.get("server_metric_slow_consumer_closes") == slow["slow_subscribers"],
                 f"server's wshub_slow_consumer_closes_total grew by "
                 f"{slow.get('server_metric_slow_consumer_closes')}, not {slow['slow_subscribers']}")
    elif scenario == "idle":
        n = p["connections"]
        want(r["subscribed"] == n and r["open_at_end"] == n,
             f"{r['subscribed']} subscribed, {r['open_at_end']} open at the end, of {n}; "
             f"errors {r['setup']['errors']}, closed {r['closed_by_server']}")
        for srv in servers:
            want(srv.get("rss_per_connection_bytes", 0) > 0, "no rss_per_connection_bytes")
    elif scenario == "storm":
        n = p["connections"]
        want(r["subscribed"] == n and r["failed"] == 0,
             f"{r['subscribed']}/{n} subscribed, errors {r['setup']['errors']}")
        want(r["connections_per_second"] > 0, "connections_per_second is 0")
        latency_sane(r["setup"]["subscribed"], n, "set-up")
        if servers:
            want(d.get("server_cpu_us_per_connection", -1) >= 0, "no server_cpu_us_per_connection")
    else:
        out.append(f"unknown scenario {scenario!r}")
    return out


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        found = problems(json.load(f))
    for line in found:
        print(f"  - {line}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
