#!/usr/bin/env python3
"""`make bench`: runs every benchmark of the project and writes BENCHMARKS.md (method, machine, tables).

Each section runs one `make bench-*` target and keeps the Markdown tables (and their caption lines) it prints.
Benchmarks are noisy on shared 2-core machines: compare ratios within one table (one run, same machine), not
absolute numbers across runs.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Tuple

ROOT = Path(__file__).resolve().parent.parent

SECTIONS: List[Tuple[str, str, str]] = [
    ("bench-core", "Rust core (criterion)",
     "Median time per operation. `verify` is the full Standard Webhooks check (header parsing, tolerance, HMAC, "
     "constant-time compare) next to one raw HMAC-SHA256 of the same bytes; the parse table puts "
     "`canonical_event_json` (the canonical JSON every binding returns, written straight from the body) and the "
     "typed `parse_event` next to parsing into a generic `serde_json::Value`."),
    ("bench-node", "Node.js native addon",
     "verify + parse, operations per second, all in one process and one run: this package, a hand-rolled "
     "`node:crypto` verifier (HMAC, base64 compare, `JSON.parse`), and the npm packages `standardwebhooks` and `svix`."),
    ("bench-python", "Python extension",
     "verify + parse, operations per second, in one process: this package, a hand-rolled `hmac` verifier "
     "(`hmac.compare_digest`, `json.loads`), and the PyPI packages `standardwebhooks` and `svix`."),
    ("bench-wasm", "WebAssembly build (in Node)",
     "The same Node benchmark with the WebAssembly build loaded in place of the native addon. The module's "
     "size is printed by `make build-wasm`."),
    ("bench-delivery", "Delivery service",
     "Signed deliveries per second draining a queued backlog to a fast loopback receiver, and enqueue→delivered "
     "latency (POST /v1/events to arrival at the receiver) at fixed rates. The throwaway Postgres runs with fsync "
     "off; SQLite runs with WAL and synchronous=NORMAL."),
]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def version(command: List[str]) -> str:
        try:
            return subprocess.run(command, capture_output=True, text=True).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return "not found"

    return (f"{os.cpu_count()} cores, {cpu}; {platform.system()} {platform.release()}; "
            f"{version(['rustc', '--version'])}; Node {version(['node', '--version'])}; "
            f"CPython {platform.python_version()}")


def tables(output: str) -> str:
    """The Markdown tables of a benchmark's output, each after the caption line printed just before it, if any."""
    kept: List[str] = []
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if not line.startswith("|"):
            continue
        if index == 0 or not lines[index - 1].startswith("|"):
            # A new table: its caption is the last non-blank line of the two before it, unless that is tool
            # chatter (cargo's progress, criterion's outlier counts).
            previous = next((lines[j] for j in range(index - 1, max(index - 3, -1), -1) if lines[j].strip()), "")
            chatter = ("cargo " in previous or previous.startswith(("   Compiling", "    Finished", "     Running"))
                       or re.search(r"outlier|severe|mild|%\)", previous) is not None)
            if kept:
                kept.append("")
            if previous.strip() and not previous.startswith("|") and not chatter:
                kept.extend([f"_{previous.strip()}_", ""])
        kept.append(line)
    return "\n".join(kept).strip()


def main() -> int:
    parts = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {time.strftime('%Y-%m-%d')}. Machine: {machine()}.",
        "",
        "Every figure comes from one run of the command named in its section. The peers run in the same process on "
        "the same inputs, so the ratios are the comparison to read; absolute numbers move by ±10 % between runs "
        "on this kind of shared machine.",
    ]
    failed = False
    for target, title, method in SECTIONS:
        print(f"benchmarks: make {target}", flush=True)
        result = subprocess.run(["make", "--no-print-directory", target], cwd=ROOT, capture_output=True, text=True)
        sys.stdout.write(result.stdout)
        parts += ["", f"## {title}", "", f"`make {target}`. {method}", ""]
        if result.returncode != 0:
            failed = True
            sys.stderr.write(result.stderr[-4000:])
            parts.append(f"**The benchmark failed (exit code {result.returncode}); see its output.**")
            continue
        parts.append(tables(result.stdout) or "(no table printed)")
    (ROOT / "BENCHMARKS.md").write_text("\n".join(parts) + "\n", encoding="utf-8")
    print("benchmarks: wrote BENCHMARKS.md")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
