"""The root README's Python quick start, executed as written and type-checked with mypy --strict."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict

from dropship_webhooks import Webhook, generate_secret

ROOT = Path(__file__).resolve().parent.parent.parent


def example() -> str:
    found = re.search(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    assert found, "no python block in the README"
    return found.group(1)


def test_the_quick_start_verifies_and_refuses() -> None:
    secret = generate_secret()
    os.environ["WEBHOOK_SECRET"] = secret
    scope: Dict[str, Any] = {}
    exec(compile(example(), "README.md", "exec"), scope)
    body = b'{"id": "evt_q", "topic": "order.created", "data": {"id": "ord_5", "lines": []}}'
    headers = Webhook(secret).sign("evt_q", int(time.time()), body)
    assert scope["handle"](body, headers) == (200, "order.created evt_q")
    assert scope["handle"](body.replace(b"ord_5", b"ord_6"), headers) == (401, "no_matching_signature")


def test_the_quick_start_passes_mypy_strict(tmp_path: Path) -> None:
    source = tmp_path / "readme_quick_start.py"
    source.write_text(example(), encoding="utf-8")
    env = {**os.environ, "MYPYPATH": str(ROOT / "bindings-python" / "python")}
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", str(source)], capture_output=True, text=True,
                            env=env)
    assert result.returncode == 0, result.stdout + result.stderr
