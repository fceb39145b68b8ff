"""The delivery service's `/metrics` (issue [operate]): the exposition parses with `prometheus_client`'s OpenMetrics
parser, names follow Prometheus' conventions, no label carries an account or endpoint, and the counters move as
deliveries are driven through the service binary (its own process, its own metrics listener).
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Dict, Iterator, Tuple

import pytest
from prometheus_client.metrics_core import Metric
from prometheus_client.openmetrics.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parent.parent.parent
BINARY = ROOT / "target" / "debug" / "delivery-service"
KEY = "metrics-test-admin-key-0123456789abcdef"
ACCOUNT = "metrics-acme"


class Receiver(http.server.BaseHTTPRequestHandler):
    """Answers 204 to `/ok` and 503 to anything else."""

    def do_POST(self) -> None:  # noqa: N802 (the handler's name is http.server's)
        self.rfile.read(int(self.headers.get("content-length", "0")))
        self.send_response(204 if self.path == "/ok" else 503)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture()
def service() -> Iterator[Tuple[str, str, str]]:
    """The service binary with a metrics listener, and a loopback receiver: (api, metrics URL, receiver base)."""
    assert BINARY.exists(), f"build the service first (cargo build -p dropship-delivery-service): {BINARY}"
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    folder = tempfile.mkdtemp(prefix="metrics-")
    env = dict(os.environ, DELIVERY_API_KEY=KEY, RUST_LOG="warn")
    child = subprocess.Popen(
        [str(BINARY), "--database-url", f"sqlite://{folder}/delivery.db", "--listen", "127.0.0.1:0",
         "--metrics-listen", "127.0.0.1:0", "--allow-insecure-loopback", "--poll-ms", "20"],
        stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout is not None
        metrics = child.stdout.readline().strip().removeprefix("metrics on ")
        api = child.stdout.readline().strip().removeprefix("listening on ")
        yield api, metrics, f"http://127.0.0.1:{receiver.server_address[1]}"
    finally:
        child.terminate()
        child.wait(timeout=30)
        receiver.shutdown()


def call(api: str, method: str, path: str, body: object | None = None) -> object:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{api}{path}", data=data, method=method,
                                     headers={"authorization": f"Bearer {KEY}", "content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read()
        return json.loads(text) if text else None


def scrape(url: str) -> Dict[str, Metric]:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.headers["content-type"].startswith("application/openmetrics-text")
        text = response.read().decode()
    families: Iterator[Metric] = text_string_to_metric_families(text)  # type: ignore[no-untyped-call]
    return {family.name: family for family in families}


def value(families: Dict[str, Metric], family: str, sample: str, **labels: str) -> float:
    return sum(s.value for s in families[family].samples
               if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items()))


def test_metrics_parse_follow_the_conventions_and_move_with_deliveries(service: Tuple[str, str, str]) -> None:
    api, metrics_url, receiver = service
    before = scrape(metrics_url)
    for name in ["webhook_attempts", "webhook_attempt_duration_seconds", "webhook_delivery_latency_seconds",
                   "webhook_queue_pending", "webhook_queue_due", "webhook_queue_oldest_due_seconds", "webhook_in_flight",
                   "webhook_claims", "webhook_lease_renewals", "webhook_completer_errors", "webhook_database_errors",
                   "webhook_operational_notices", "http_requests", "http_request_duration_seconds"]:
        assert name in before, f"{name} is not exposed: {sorted(before)}"
    assert before["webhook_attempts"].type == "counter" and before["webhook_attempt_duration_seconds"].type == "histogram"

    call(api, "POST", "/v1/accounts", {"id": ACCOUNT})
    ok = call(api, "POST", f"/v1/accounts/{ACCOUNT}/endpoints", {"url": f"{receiver}/ok", "topics": ["order.created"]})
    call(api, "POST", f"/v1/accounts/{ACCOUNT}/endpoints", {"url": f"{receiver}/down", "topics": ["order.created"]})
    assert isinstance(ok, dict)
    for n in range(3):
        call(api, "POST", f"/v1/accounts/{ACCOUNT}/events", {"topic": "order.created", "data": {"id": f"ord_{n}"}})
    deadline = time.monotonic() + 20
    while True:
        after = scrape(metrics_url)
        done = value(after, "webhook_attempts", "webhook_attempts_total", outcome="success")
        failed = value(after, "webhook_attempts", "webhook_attempts_total", outcome="failure", error_class="http")
        if done >= 3 and failed >= 3:
            break
        assert time.monotonic() < deadline, f"the counters did not move: {done} successes, {failed} failures"
        time.sleep(0.2)

    assert value(after, "webhook_claims", "webhook_claims_total") >= 6
    assert value(after, "webhook_attempt_duration_seconds", "webhook_attempt_duration_seconds_count") >= 6
    assert value(after, "webhook_delivery_latency_seconds", "webhook_delivery_latency_seconds_count") >= 3
    # The API's requests, by route template: never an account or endpoint id in a label.
    events = value(after, "http_requests", "http_requests_total", route="/v1/accounts/{account}/events",
                   method="POST", status="202")
    assert events == 3, events
    for family in after.values():
        for sample in family.samples:
            text = " ".join(sample.labels.values())
            assert ACCOUNT not in text and "ep_" not in text, f"a label names an account or endpoint: {sample}"
    # The failing endpoint's deliveries wait for their retry: pending, not due yet.
    deadline = time.monotonic() + 10
    while value(scrape(metrics_url), "webhook_queue_pending", "webhook_queue_pending") < 3:
        assert time.monotonic() < deadline, "the queue's depth was not sampled"
        time.sleep(0.5)
