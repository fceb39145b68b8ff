"""The delivery service's OpenAPI document (issue [operate]) against the running binary.

- The committed `openapi.json` is a valid OpenAPI 3.1 document (`openapi-spec-validator`).
- Schemathesis fuzzes every operation it declares, with the admin key and with an account's key, and checks what
  the service answers: never a 5xx, only the statuses, content types, headers and bodies the document declares.
- The TypeScript client typed from it (`tests/types/delivery_client.ts`) is compiled and run against the service.

The service is its own process on SQLite in a temporary folder; schemathesis runs in a temporary folder too, so its
configuration (the path parameter `account` fixed to an account that exists) is its own.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import urllib.request
from pathlib import Path
from typing import Iterator, Tuple

import pytest
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parent.parent.parent
BINARY = ROOT / "target" / "debug" / "delivery-service"
DOCUMENT = ROOT / "examples" / "delivery-service" / "openapi.json"
SCHEMATHESIS = ROOT / ".venv" / "bin" / "schemathesis"
TSC = ROOT / "tools" / "typecheck" / "node_modules" / ".bin" / "tsc"
ADMIN_KEY = "openapi-test-admin-key-0123456789abcdef"
ACCOUNT = "typed-client"
# What schemathesis checks on every answer; `not_a_server_error` is the one that finds crashes.
CHECKS = ",".join(["not_a_server_error", "status_code_conformance", "content_type_conformance",
                   "response_schema_conformance", "response_headers_conformance"])


class Receiver(http.server.BaseHTTPRequestHandler):
    """Answers 204 to every delivery, so the fuzzed endpoints have somewhere to send."""

    def do_POST(self) -> None:  # noqa: N802 (the handler's name is http.server's)
        self.rfile.read(int(self.headers.get("content-length", "0")))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def service() -> Iterator[Tuple[str, str]]:
    """The service binary on SQLite and a receiver: (api, receiver URL)."""
    assert BINARY.exists(), f"build the service first (cargo build -p dropship-delivery-service): {BINARY}"
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    folder = tempfile.mkdtemp(prefix="openapi-")
    env = dict(os.environ, DELIVERY_API_KEY=ADMIN_KEY, RUST_LOG="error")
    child = subprocess.Popen(
        [str(BINARY), "--database-url", f"sqlite://{folder}/delivery.db", "--listen", "127.0.0.1:0",
         "--allow-insecure-loopback"],
        stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout is not None
        api = child.stdout.readline().strip().removeprefix("listening on ")
        yield api, f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    finally:
        child.terminate()
        child.wait(timeout=30)
        receiver.shutdown()
        shutil.rmtree(folder, ignore_errors=True)


def call(api: str, key: str, method: str, path: str, body: object | None = None) -> object:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{api}{path}", data=data, method=method,
                                     headers={"authorization": f"Bearer {key}", "content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read()
        return json.loads(text) if text else None


def account_with_key(api: str, account: str) -> str:
    """Makes an account and one of its keys; the fuzzing may delete it, so each test has its own."""
    call(api, ADMIN_KEY, "POST", "/v1/accounts", {"id": account})
    made = call(api, ADMIN_KEY, "POST", f"/v1/accounts/{account}/keys", {})
    assert isinstance(made, dict) and isinstance(made["key"], str)
    return made["key"]


def test_the_committed_document_is_valid_openapi_3_1() -> None:
    document = json.loads(DOCUMENT.read_text())
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_the_served_document_is_the_committed_one(service: Tuple[str, str]) -> None:
    api, _ = service
    with urllib.request.urlopen(f"{api}/openapi.json", timeout=10) as response:
        assert response.headers["content-type"].startswith("application/json")
        assert json.loads(response.read()) == json.loads(DOCUMENT.read_text())


@pytest.mark.parametrize("who", ["admin", "account"])
def test_schemathesis_finds_no_answer_outside_the_document(service: Tuple[str, str], who: str) -> None:
    api, _ = service
    account = f"fuzz-{who}"
    account_key = account_with_key(api, account)
    key = ADMIN_KEY if who == "admin" else account_key
    with tempfile.TemporaryDirectory(prefix="schemathesis-") as folder:
        # Path parameters the fuzzer would otherwise invent: the account is one that exists, so the answers past
        # the 404 are exercised.
        Path(folder, "schemathesis.toml").write_text(f'[parameters]\n"path.account" = "{account}"\n')
        run = subprocess.run(
            [str(SCHEMATHESIS), "run", f"{api}/openapi.json", "-H", f"Authorization: Bearer {key}",
             "--max-examples", "25", "--checks", CHECKS, "--phases", "coverage,fuzzing", "--seed", "1",
             # The live stream answers forever by design (its frames and limits are tested in tests/console.rs and
             # tests/trust.rs); every other operation is fuzzed.
             "--exclude-operation-id", "stream", "--no-color"],
            cwd=folder, capture_output=True, text=True, timeout=900, env=dict(os.environ, HOME=folder))
    assert run.returncode == 0, f"schemathesis found answers outside the document:\n{run.stdout[-8000:]}\n{run.stderr}"
    # It ran the operations, not none of them.
    tested = [line.split(":")[1].strip() for line in run.stdout.splitlines() if line.strip().startswith("Tested:")]
    assert tested and int(tested[0]) >= 40, run.stdout[-3000:]


def test_the_typed_client_talks_to_the_service(service: Tuple[str, str]) -> None:
    api, receiver = service
    account_key = account_with_key(api, ACCOUNT)
    with tempfile.TemporaryDirectory(prefix="typed-client-") as folder:
        subprocess.run(
            [str(TSC), "--strict", "--target", "es2020", "--module", "nodenext", "--moduleResolution", "nodenext",
             "--outDir", folder, str(ROOT / "tests" / "types" / "delivery_client.ts")],
            check=True, timeout=300)
        script = ("require(process.argv[1]).subscribeAndPost(process.argv[2], process.argv[3], process.argv[4], "
                  "process.argv[5]).then((line) => console.log(line), (error) => { console.error(error); "
                  "process.exit(1) })")
        run = subprocess.run(["node", "-e", script, str(Path(folder, "delivery_client.js")), api, account_key, ACCOUNT,
                              receiver], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    endpoint, health, secret_length, event, queued, duplicate = run.stdout.split()
    assert endpoint.startswith("ep_") and health == "HEALTHY"
    assert int(secret_length) > 20 and event == "evt_typed_1" and queued == "1" and duplicate == "false"
