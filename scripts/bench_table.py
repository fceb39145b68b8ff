#!/usr/bin/env python3
"""Print criterion's verify results as a Markdown table with ratios to one raw HMAC.

Reads target/criterion/verify/<case>/<size>/new/estimates.json (median, ns) written by `cargo bench --bench verify`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "target" / "criterion" / "verify"
CASES = [("1sig", "verify, 1 signature"), ("3sig", "verify, 3 signatures"),
         ("3secrets_last_matches", "3 secrets, last matches (3 HMACs)")]


def median_ns(case: str, size: int) -> float:
    data = json.loads((ROOT / case / str(size) / "new" / "estimates.json").read_text())
    return float(data["median"]["point_estimate"])


def show(ns: float) -> str:
    return f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.0f} ns"


def main() -> int:
    if not ROOT.exists():
        print("no criterion results; run `make bench-core` first", file=sys.stderr)
        return 1
    sizes = sorted(int(p.name) for p in (ROOT / "raw_hmac").iterdir() if p.name.isdigit())
    print("| body | one raw HMAC | " + " | ".join(title for _, title in CASES) + " |")
    print("|---:|---:|" + "---:|" * len(CASES))
    for size in sizes:
        raw = median_ns("raw_hmac", size)
        cells = [f"{show(median_ns(case, size))} ({median_ns(case, size) / raw:.2f}×)" for case, _ in CASES]
        label = f"{size // 1024} KiB" if size >= 1024 else f"{size} B"
        print(f"| {label} | {show(raw)} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
