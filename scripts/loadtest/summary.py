"""Print p50/p95 per page from locust's stats CSV, write them as JSON; exit 1 on any error."""

import csv
import json
import sys
from pathlib import Path


def main(stats_csv: str, out: str) -> int:
    with Path(stats_csv).open() as f:
        rows = list(csv.DictReader(f))
    pages, total = [], None
    for row in rows:
        entry = {
            "page": row["Name"],
            "method": row["Type"],
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "p50_ms": float(row["50%"] or 0),
            "p95_ms": float(row["95%"] or 0),
            "max_ms": float(row["Max Response Time"] or 0),
        }
        if row["Name"] == "Aggregated":
            total = entry
        else:
            pages.append(entry)
    print(f"{'page':<32} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7}")
    for e in [*pages, total]:
        print(
            f"{e['page']:<32} {e['requests']:>8} {e['failures']:>6} {e['p50_ms']:>7.0f}"
            f" {e['p95_ms']:>7.0f}"
        )
    Path(out).write_text(json.dumps({"pages": pages, "total": total}, indent=1))
    print(f"written to {out}")
    return 1 if total is None or total["failures"] or not total["requests"] else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
