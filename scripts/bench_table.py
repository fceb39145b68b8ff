#!/usr/bin/env python3
"""Print criterion's results for the core as Markdown tables.

Reads target/criterion/<group>/<case>/<size>/new/estimates.json (median, ns) written by `cargo bench`:
the verify group as ratios to one raw HMAC, the parse group as time and throughput.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

CRITERION = Path(__file__).resolve().parent.parent / "target" / "criterion"
ROOT = CRITERION / "verify"
CASES = [("1sig", "verify, 1 signature"), ("3sig", "verify, 3 signatures"),
         ("3secrets_last_matches", "3 secrets, last matches (3 HMACs)")]


def median_ns(case: str, size: object, group: Path = ROOT) -> float:
    data = json.loads((group / case / str(size) / "new" / "estimates.json").read_text())
    return float(data["median"]["point_estimate"])


def show(ns: float) -> str:
    return f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.0f} ns"


def main() -> int:
    if not ROOT.exists() and not (CRITERION / "parse").exists():
        print("no criterion results; run `make bench-core` first", file=sys.stderr)
        return 1
    if ROOT.exists():
        sizes = sorted(int(p.name) for p in (ROOT / "raw_hmac").iterdir() if p.name.isdigit())
        print("| body | one raw HMAC | " + " | ".join(title for _, title in CASES) + " |")
        print("|---:|---:|" + "---:|" * len(CASES))
        for size in sizes:
            raw = median_ns("raw_hmac", size)
            cells = [f"{show(median_ns(case, size))} ({median_ns(case, size) / raw:.2f}×)" for case, _ in CASES]
            label = f"{size // 1024} KiB" if size >= 1024 else f"{size} B"
            print(f"| {label} | {show(raw)} | " + " | ".join(cells) + " |")
    parse = CRITERION / "parse"
    if parse.exists():
        print()
        print("| event | serde_json::Value (generic) | canonical_event_json (Node, wasm) | parse_event (typed) |"
              " parse_event / canonical_event_json | verify + parse |")
        print("|---|---:|---:|---:|---:|---:|")
        cases = sorted((p.name for p in (parse / "parse_event").iterdir() if p.name[0].isalpha()),
                       key=lambda name: (name.split("-")[0], int(name.split("-")[1])))
        for case in cases:
            family, size = case.split("-")[0], int(case.split("-")[1])
            times = {name: median_ns(name, case, parse)
                     for name in ("serde_json_value", "canonical_event_json", "parse_event", "verify_and_parse")}
            cells = [f"{show(ns)} ({size / ns * 1e9 / 2**20:.0f} MiB/s)" for ns in times.values()]
            cells.insert(3, f"{times['parse_event'] / times['canonical_event_json']:.2f}×")
            print(f"| {family}, {size // 1024} KiB | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
