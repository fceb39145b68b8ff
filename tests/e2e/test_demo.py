"""The demo's flow as assertions: `scripts/demo.py --check` runs the delivery service and the three receivers built
from the packed packages, and prints its final table as JSON; every receiver must have verified every one of the
catalog's events, refused the forged request, and the FastAPI receiver (failing on purpose at first) must show retries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def test_demo_delivers_every_topic_to_every_runtime() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "demo.py"), "--check"], cwd=ROOT,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = json.loads(result.stdout.strip().splitlines()[-2])
    by_name = {row["receiver"]: row for row in rows}
    assert set(by_name) == {"express", "fastapi", "worker"}
    every_topic = len(json.loads((ROOT / "core" / "schema" / "events.schema.json").read_text())["x-topics"])
    for row in rows:
        assert row["events"] == every_topic
        assert row["verified"] == every_topic, row
        assert row["rejected"] >= 1, row
        assert row["received"] >= every_topic + 1, row
    assert by_name["fastapi"]["retries"] > 0, "the failing receiver must have been retried"
