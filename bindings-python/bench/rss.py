"""Memory over one million ``verify`` calls: the process's resident set after it settled (the first 100,000 calls)
and at the end. Bodies alternate between the canonical and the platform 1 KiB bodies of ``scripts/bench_bodies.py``,
and every tenth request is tampered with, so the error path runs too. ``make bench-rss`` runs it; it prints one
Markdown table row.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import time
from pathlib import Path

from dropship_webhooks import Webhook, WebhookError, generate_secret

ROOT = Path(__file__).resolve().parents[2]
CALLS = int(os.environ.get("RSS_CALLS", "1000000"))


def rss() -> int:
    """The current resident set in bytes (Linux /proc; the peak elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main() -> None:
    bodies = json.loads(Path(os.environ.get("BENCH_BODIES", ROOT / "target" / "bench" / "bodies.json")).read_text())
    webhook = Webhook(generate_secret())
    now = int(time.time())
    requests = []
    for family in ("canonical", "platform"):
        body = bodies[family]["1024"].encode()
        requests.append((body, webhook.sign("msg_rss", now, body)))
    tampered = (bodies["canonical"]["1024"].replace("open", "shut").encode(), requests[0][1])
    settled, errors = 0, 0
    for call in range(1, CALLS + 1):
        body, headers = tampered if call % 10 == 0 else requests[call % 2]
        try:
            webhook.verify(body, headers, now=now)
        except WebhookError:
            errors += 1
        if call == CALLS // 10:
            gc.collect()
            settled = rss()
    gc.collect()
    end = rss()
    assert errors == CALLS // 10, errors
    mib = 2**20
    print(f"| dropship-webhooks (Python) | {CALLS:,} | {settled / mib:.1f} MiB | {end / mib:.1f} MiB |"
          f" {(end - settled) / mib:.1f} MiB |")


if __name__ == "__main__":
    main()
