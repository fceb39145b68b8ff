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
     "constant-time compare) next to one raw HMAC-SHA256 of the same bytes. The parse table reads the binding "
     "benchmarks' 1 KiB and 16 KiB `canonical` and `platform` order bodies (below): `canonical_event_json` (the "
     "canonical JSON the Node and WebAssembly bindings return) and the typed `parse_event`, both one walk of the "
     "body, next to parsing into a generic `serde_json::Value`."),
    ("bench-node", "Node.js native addon",
     "Operations per second, all in one process and one run, on the bodies `scripts/bench_bodies.py` writes: a typed "
     "`order.created` in the `canonical` spelling (camelCase, string ids and money, model order, compact), the same "
     "order in a `platform` spelling (snake_case and legacy aliases, integer ids, money as numbers, explicit nulls, "
     "the platform's member order), and an `unknown` topic (data kept as received). What each contender does: this "
     "package's `verify` checks the signature and returns the typed canonical event; the hand-written verifier "
     "(`node:crypto`: headers, tolerance, HMAC, `timingSafeEqual`) and the npm packages `standardwebhooks` and "
     "`svix` check the signature and return `JSON.parse` of the body as sent (no canonical form). The second table "
     "is the signature alone: `verifySignature` against the hand-written check without `JSON.parse`, and one raw "
     "HMAC-SHA256 of the body. The last table sets it against validators a receiver can assemble: the hand-written "
     "check and `JSON.parse`, then Ajv or zod compiled from the project's own schema (`core/schema/events.schema.json`, "
     "`bindings-js/bench/peers.js`) — canonical bodies only, since both refuse the platform spelling this package "
     "reads."),
    ("bench-python", "Python extension",
     "Operations per second, in one process, on the same bodies. This package's `verify` returns the typed canonical "
     "event as Python objects built directly (no JSON text); the hand-written verifier (`hmac`, "
     "`hmac.compare_digest`) and the PyPI package `standardwebhooks` return `json.loads` of the body as sent. The "
     "PyPI package `svix` does not parse (its `verify` returns `None`), so it is compared in the signature-only "
     "table, with `verify_signature`, the hand-written check without `json.loads`, and one raw HMAC-SHA256. The "
     "last table sets it against typed decoders a receiver can assemble: the `hmac` check, then msgspec "
     "(`msgspec.json.decode` into dicts, and a `Decoder` of Structs built from the project's schema) or pydantic "
     "(`TypeAdapter.validate_json` of TypedDicts from the same schema; `bindings-python/bench/peers.py`) — canonical "
     "bodies only, since their types refuse the platform spelling this package reads."),
    ("bench-wasm", "WebAssembly build (in Node)",
     "The same Node benchmark with the WebAssembly build loaded in place of the native addon. In Node the module "
     "computes HMACs of 2 KiB and more with the host's `node:crypto` (the host-HMAC seam), smaller ones itself. The "
     "module's size is printed by `make build-wasm`."),
    ("bench-worker", "WebAssembly build in a Worker (workerd)",
     "The WebAssembly package's workerd entry in a real Worker under miniflare, on the canonical 1 KiB and 16 KiB "
     "bodies: this package, a hand-written Worker verifier (`crypto.subtle` HMAC, `JSON.parse`) and the npm package "
     "`standardwebhooks` (pure-JS SHA-256, `JSON.parse`). A Worker's clock stands still during CPU work, so each "
     "request runs n verifications and is timed from outside, less an empty request. With `nodejs_compat` the "
     "package may use `node:crypto`'s HMAC; without flags `verify` uses its own SHA-256 and `verifyAsync` "
     "`crypto.subtle` (from 2 KiB)."),
    ("bench-rss", "Memory",
     "Resident set of one process over one million `verify` calls in each binding (1 KiB canonical and platform "
     "bodies alternating, every tenth request tampered with so the error path runs): after the first 100,000 calls "
     "and at the end."),
    ("bench-delivery", "Delivery service",
     "First end to end, the service binary in its own process(es) (one on SQLite; `--api-only` and two "
     "`--worker-only` on Postgres) with the load generator and receiver beside it: enqueue→delivered latency at "
     "fixed rates, the highest sustainable rate, intake alone, the batch route, draining a backlog and the CPU per "
     "delivery of each process kind. Then in process: "
     "signed deliveries per second draining a queued backlog to a fast loopback receiver (with the worker in the "
     "benchmark's process, then as 1, 2 and 4 `--worker-only` processes of the service binary, with their peak "
     "resident memory), enqueue→delivered latency (POST /v1/accounts/{account}/events to arrival at the receiver) "
     "at fixed rates, the time to queue one event fanned out to 10,000 endpoints, and the history lists' latency "
     "with 10⁶ attempts in the database. The throwaway Postgres runs with fsync off; SQLite "
     "runs with WAL and synchronous=NORMAL."),
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
        "Every figure comes from one run of the command named in its section, with `make bench` run alone on the "
        "machine (nothing else building or running beside it). The peers run in the same process on the same "
        "inputs, so the ratios are the comparison to read; absolute numbers move by ±10 % or more between runs on "
        "this kind of shared 2-core machine.",
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
