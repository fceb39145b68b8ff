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


def example(index: int = 0) -> str:
    found = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert len(found) > index, "no such python example in the README"
    return str(found[index])


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


def test_the_router_example_dispatches_by_topic() -> None:
    os.environ["WEBHOOK_SECRET"] = generate_secret()
    scope: Dict[str, Any] = {"__name__": "readme_router"}  # Flask(__name__) needs a module name it can find
    exec(compile(example(1), str(README), "exec"), scope)
    client = scope["app"].test_client()
    sender = Webhook(os.environ["WEBHOOK_SECRET"])
    for event in ({"id": "e1", "topic": "order.created", "data": {"id": "o", "purchaseOrderNumber": "PO-4"}},
                  {"id": "e2", "topic": "connection.created", "data": {"id": "c"}}):
        body = json.dumps(event)
        headers = sender.sign(f"msg_{event['id']}", int(time.time()), body)
        assert client.post("/webhooks", data=body, headers=headers).status_code == 204
    refused = client.post("/webhooks", data="{}", headers={})
    assert refused.status_code == 401
    assert scope["seen"] == ["order PO-4", "not handled here: connection.created"]


def test_the_router_example_passes_mypy_strict(tmp_path: Path) -> None:
    source = tmp_path / "readme_router.py"
    source.write_text(example(1), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", str(source)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
