"""Markdown tables from var/bench.json, for docs/performance.md:

python scripts/bench/report.py [var/bench.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def yes(ok: bool) -> str:
    return "met" if ok else "**missed**"


def main(path: str) -> None:
    r = json.loads(Path(path).read_text())
    m = r["machine"]
    print(
        f"Run at {m['started_at']} on commit {m['commit']}: {m['nproc']} CPUs, "
        f"{m['memory_gib']} GiB RAM, PostgreSQL {m['postgresql']}, Python {m['python']}; "
        f"load average (1, 5, 15 min) {m['load_average_at_start']} at the start and "
        f"{m.get('load_average_at_end')} at the end. Scale {r['scale']:g}, "
        f"{r['iterations']} timed requests per page after 3 warm-up requests."
    )
    print()
    print(
        f"Trivial view (bench URLconf only): p50 {r['trivial']['p50_ms']} ms, "
        f"p95 {r['trivial']['p95_ms']} ms, {r['trivial']['queries']} queries."
    )
    print()
    print("| page | role | p50 ms | p95 ms | queries | p50 / trivial | p95 ≤ 100 ms | ≤ 25× |")
    print("|---|---|---:|---:|---:|---:|---|---|")
    for p in r["pages"]:
        ratio_ok = p.get("ratio_meets_target", p["ratio_to_trivial"] <= 25)
        print(
            f"| {p['page']} | {p['role']} | {p['p50_ms']} | {p['p95_ms']} | {p['queries']} | "
            f"{p['ratio_to_trivial']} | {yes(p['meets_target'])} | {yes(ratio_ok)} |"
        )
    if "dashboard_background_count" in r:
        d = r["dashboard_background_count"]
        print()
        print(
            f"Dashboard figures counted in the background (the worker's sweep): {d['periods']} "
            f"periods in {d['seconds']} s, {d['queries']} queries."
        )
    if "pack_pdf_build" in r:
        b = r["pack_pdf_build"]
        print()
        print(
            f"Panel pack PDF built in the background: {b['seconds']} s, {b['pdf_bytes']:,} "
            f"bytes, {b['records']} records shown in full."
        )
    if "scoped_list" in r:
        s = r["scoped_list"]
        print()
        print("| SPOC scoped list | total referrals | own rows | p50 ms | p95 ms | queries |")
        print("|---|---:|---:|---:|---:|---:|")
        for label in ("10k", "1m"):
            x = s[label]
            print(
                f"| {label} | {x['total']:,} | {x['own']} | {x['p50_ms']} | {x['p95_ms']} | "
                f"{x['queries']} |"
            )
        print()
        print(
            f"Ratio of p50 at 1M to p50 at 10k: {s['ratio_1m_to_10k']} (target ≤ 1.3: "
            f"{yes(s['ratio_1m_to_10k'] <= 1.3)})."
        )
    if "scoped_search" in r:
        s = r["scoped_search"]
        print()
        print("| SPOC search | total referrals | own rows | p50 ms | p95 ms | queries |")
        print("|---|---:|---:|---:|---:|---:|")
        for label in ("10k", "1m"):
            x = s[label]
            print(
                f"| {label} | {x['total']:,} | {x['own']} | {x['p50_ms']} | {x['p95_ms']} | "
                f"{x['queries']} |"
            )
        print()
        print(
            f"Ratio of the search's p50 at 1M to p50 at 10k: {s['ratio_1m_to_10k']} (target "
            f"≤ 1.3: {yes(s['ratio_1m_to_10k'] <= 1.3)})."
        )
    if r["commands"]:
        print()
        print("| command | time s | target s | result | peak memory MiB |")
        print("|---|---:|---:|---|---:|")
    targets = {"board_report": 5.0, "statistics": 1.0, "reminder_sweep": 5.0}
    for name, c in r["commands"].items():
        print(
            f"| {name} | {c['seconds']:.2f} | {targets[name]} | {yes(c['meets_target'])} | "
            f"{c['peak_memory_mib']} |"
        )
        if name == "reminder_sweep":
            print(
                f"| reminder_sweep, second run ({c['second_run_queued']} queued; first run "
                f"queued {c['queued']}) | {c['second_run_seconds']:.2f} | 0.5 | "
                f"{yes(c['second_run_meets_target'])} | (same process) |"
            )
    g = r["generate"]
    print()
    print(
        f"generate_synthetic --scale {g.get('scale')}: {g.get('seconds')} s, peak memory "
        f"{g.get('peak_memory_mib')} MiB"
        + (" (reused from the run that made it)" if g.get("reused") else "")
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "var/bench.json")
