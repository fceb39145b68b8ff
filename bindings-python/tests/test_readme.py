"""The README's example, executed as written and type-checked with mypy --strict."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict

from dropship_webhooks import Webhook, generate_secret

README = Path(__file__).resolve().parents[1] / "README.md"


def example() -> str:
    found = re.search(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert found, "no python example in the README"
    return found.group(1)


def test_the_example_runs() -> None:
    os.environ["WEBHOOK_SECRET_OLD"] = generate_secret()
    os.environ["WEBHOOK_SECRET"] = generate_secret()
    scope: Dict[str, Any] = {}
    exec(compile(example(), str(README), "exec"), scope)
    body = json.dumps({"id": "e", "topic": "order.created", "data": {"id": "o", "purchaseOrderNumber": "PO-9",
                                                                    "lines": [{"id": "l", "quantity": 1}]}})
    sender = Webhook(os.environ["WEBHOOK_SECRET"])
    headers = sender.sign("msg_readme", int(time.time()), body)
    assert scope["handle"](body.encode(), headers) == "order PO-9 with 1 lines"
    assert scope["handle"](body.encode() + b" ", headers) == "refused: no_matching_signature"


def test_the_example_passes_mypy_strict(tmp_path: Path) -> None:
    source = tmp_path / "readme_example.py"
    source.write_text(example(), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", str(source)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
