"""The delivery service's container image (issue [operate]), built by `make image` and run with podman.

- What is in it: the binary, the libraries it links, passwd/group/nsswitch, /tmp and /data — no shell, nothing else
  — and how it runs (an unprivileged user, the /data volume, SQLite there by default).
- The README's "Run it in production" steps on SQLite: it starts with an admin key, delivers a signed event to a
  receiver on the host, stops on SIGTERM, and starts again from its volume without being given the key again, with
  the stored signing secret still readable.
- compose.yaml's topology on Postgres: its `api` service and two `worker` replicas, from the file's own commands and
  environment, share a database; the API takes events, only the workers deliver them.

This machine's podman needs the runc runtime, explicit ulimits and host networking (TOOLCHAIN.md, "Containers"), so
the containers listen on loopback ports of their own instead of published ones, and compose.yaml's services are run
by podman one by one (no compose tool, and no registry for its Postgres image: the throwaway Postgres of
`scripts/postgres.sh` stands in). A normal Docker or Podman host needs none of this.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import tarfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
import yaml
from prometheus_client.openmetrics.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parent.parent.parent
COMPOSE = ROOT / "examples" / "delivery-service" / "compose.yaml"
IMAGE = os.environ.get("DELIVERY_TEST_IMAGE", "localhost/dropship-delivery-service:test")
POSTGRES_URL = os.environ.get("DELIVERY_TEST_POSTGRES_URL")
# What this machine's podman needs to run a container at all (TOOLCHAIN.md).
PODMAN_RUN = ["podman", "run", "--runtime", "runc", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
              "--network=host"]
ADMIN_KEY = "image-test-admin-key-" + secrets.token_hex(16)


class Receiver(http.server.BaseHTTPRequestHandler):
    """Keeps every delivery (headers and body) and answers 204."""

    received: List[Tuple[Dict[str, str], bytes]] = []
    lock = threading.Lock()

    def do_POST(self) -> None:  # noqa: N802 (the handler's name is http.server's)
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        with Receiver.lock:
            Receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture()
def receiver() -> Iterator[str]:
    Receiver.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()


class Containers:
    """The containers and volumes a test made, removed whatever happens."""

    def __init__(self) -> None:
        self.names: List[str] = []
        self.volumes: List[str] = []
        self.suffix = secrets.token_hex(4)

    def run(self, name: str, env: Dict[str, str], args: List[str], volume: Optional[str] = None) -> str:
        full = f"delivery-test-{name}-{self.suffix}"
        mount = ["-v", f"{volume}:/data"] if volume else []
        environment = [item for key, value in env.items() for item in ("-e", f"{key}={value}")]
        subprocess.run([*PODMAN_RUN, "-d", "--name", full, *mount, *environment, IMAGE, *args],
                       check=True, capture_output=True, text=True, timeout=60)
        self.names.append(full)
        return full

    def volume(self, name: str) -> str:
        full = f"delivery-test-{name}-{self.suffix}"
        subprocess.run(["podman", "volume", "create", full], check=True, capture_output=True, timeout=30)
        self.volumes.append(full)
        return full

    def cleanup(self) -> None:
        for name in self.names:
            # -v: the anonymous /data volume of a container run without one given goes too.
            subprocess.run(["podman", "rm", "-f", "-v", "-t", "0", name], capture_output=True, timeout=60)
        for volume in self.volumes:
            subprocess.run(["podman", "volume", "rm", "-f", volume], capture_output=True, timeout=60)


@pytest.fixture()
def containers() -> Iterator[Containers]:
    made = Containers()
    try:
        yield made
    finally:
        made.cleanup()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def logs(name: str, stream: str = "both") -> str:
    """A container's output: its stdout (the addresses it listens on), its stderr (the log), or both."""
    done = subprocess.run(["podman", "logs", name], capture_output=True, text=True, timeout=30)
    return {"stdout": done.stdout, "stderr": done.stderr}.get(stream, done.stdout + done.stderr)


def call(api: str, method: str, path: str, body: object | None = None, key: str = ADMIN_KEY) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{api}{path}", data=data, method=method,
                                     headers={"authorization": f"Bearer {key}", "content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read()
        return json.loads(text) if text else None


def volume_folder(volume: str) -> Path:
    """Where podman keeps a named volume's files on this host (the test runs as root, as podman does here)."""
    done = subprocess.run(["podman", "volume", "inspect", "-f", "{{.Mountpoint}}", volume], check=True,
                          capture_output=True, text=True, timeout=30)
    return Path(done.stdout.strip())


def wait_ready(api: str, container: str) -> None:
    """Polls /readyz for up to 60 s (the first start creates the schema)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{api}/readyz", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        assert time.monotonic() < deadline, f"{container} never became ready:\n{logs(container)}"
        time.sleep(0.3)


def wait_received(count: int, what: str) -> None:
    deadline = time.monotonic() + 60
    while len(Receiver.received) < count:
        assert time.monotonic() < deadline, f"{what}: {len(Receiver.received)} of {count} deliveries arrived"
        time.sleep(0.2)


def verify(headers: Dict[str, str], body: bytes, secret: str) -> bool:
    """Standard Webhooks v1 (DESIGN.md 3.1), written out here so the test does not lean on the service's own code."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    content = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    return any(entry == f"v1,{expected}" for entry in headers["webhook-signature"].split())


def test_the_image_holds_the_binary_and_its_libraries_and_nothing_else(containers: Containers) -> None:
    inspected = json.loads(subprocess.run(["podman", "image", "inspect", IMAGE], check=True, capture_output=True,
                                          text=True, timeout=30).stdout)[0]
    config = inspected["Config"]
    assert config["User"] == "65532:65532"
    assert config["Entrypoint"] == ["/usr/local/bin/delivery-service"]
    assert "DATABASE_URL=sqlite:///data/delivery.db" in config["Env"]
    assert "DELIVERY_LISTEN=0.0.0.0:8080" in config["Env"]
    assert "/data" in config["Volumes"] and "8080/tcp" in config["ExposedPorts"]

    created = subprocess.run(["podman", "create", IMAGE], check=True, capture_output=True, text=True, timeout=30)
    container = created.stdout.strip()
    containers.names.append(container)
    exported = subprocess.run(["podman", "export", container], check=True, capture_output=True, timeout=120)
    archive = Path(f"/tmp/delivery-image-{containers.suffix}.tar")
    try:
        archive.write_bytes(exported.stdout)
        with tarfile.open(archive) as tar:
            members = {member.name.strip("/").removeprefix("./"): member for member in tar.getmembers()}
    finally:
        archive.unlink(missing_ok=True)
    files = sorted(name for name, member in members.items() if member.isfile())
    libraries = [name for name in files if name.startswith(("lib/", "lib64/", "usr/lib/"))]
    others = [name for name in files if name not in libraries]
    # The runtime adds its mount points (/etc/hosts, /etc/resolv.conf, /run, ...) to a container; the image's own
    # files are these.
    expected = ["etc/group", "etc/nsswitch.conf", "etc/passwd", "usr/local/bin/delivery-service"]
    runtime_added = {"etc/hostname", "etc/hosts", "etc/resolv.conf", "run/.containerenv"}
    assert [name for name in others if name not in runtime_added] == expected, others
    assert any("libc.so" in name for name in libraries) and any("ld-linux" in name for name in libraries), libraries
    assert not any(name.endswith(("bin/sh", "bin/bash", "bin/busybox")) for name in members), "a shell in the image"
    assert members["data"].isdir() and members["data"].uid == 65532, "/data is not the service user's"
    assert members["tmp"].isdir() and members["tmp"].mode & 0o1777 == 0o1777


def test_the_readme_run_on_sqlite_delivers_and_keeps_its_state_across_restarts(
        containers: Containers, receiver: str) -> None:
    port = free_port()
    api = f"http://127.0.0.1:{port}"
    volume = containers.volume("data")
    env = {"DELIVERY_API_KEY": ADMIN_KEY, "DELIVERY_LISTEN": f"127.0.0.1:{port}",
           # The receiver is this test, on the host's loopback.
           "DELIVERY_ALLOW_INSECURE_LOOPBACK": "true", "DELIVERY_POLL_MS": "50"}
    first = containers.run("sqlite", env, [], volume=volume)
    wait_ready(api, first)
    call(api, "POST", "/v1/accounts", {"id": "acme"})
    endpoint = call(api, "POST", "/v1/accounts/acme/endpoints", {"url": receiver, "topics": ["order.created"]})
    secret = endpoint["secret"]["value"]
    call(api, "POST", "/v1/accounts/acme/events", {"topic": "order.created", "data": {"id": "ord_1"}, "id": "evt_1"})
    wait_received(1, "the first container")
    headers, body = Receiver.received[0]
    assert headers["webhook-id"] == "evt_1" and verify(headers, body, secret), (headers, body)

    # SIGTERM (podman stop) ends it cleanly, well before podman's 10 s would turn to SIGKILL.
    started = time.monotonic()
    subprocess.run(["podman", "stop", "-t", "10", first], check=True, capture_output=True, timeout=60)
    assert time.monotonic() - started < 8, "the service did not stop on SIGTERM"
    state = subprocess.run(["podman", "inspect", "-f", "{{.State.ExitCode}}", first], check=True,
                           capture_output=True, text=True, timeout=30)
    assert state.stdout.strip() == "0", logs(first)
    text = logs(first)
    assert "\x1b[" not in text, "colour codes in a container's log"
    assert "made a new secrets key file" in text and "/data/delivery.secrets-key" in text

    # A new container on the same volume: no key given, the account, key and encrypted secret are still there.
    env.pop("DELIVERY_API_KEY")
    second = containers.run("sqlite-again", env, [], volume=volume)
    wait_ready(api, second)
    assert [account["id"] for account in call(api, "GET", "/v1/accounts")["data"]] == ["acme"]
    call(api, "POST", "/v1/accounts/acme/events", {"topic": "order.created", "data": {"id": "ord_2"}, "id": "evt_2"})
    wait_received(2, "the second container")
    headers, body = Receiver.received[1]
    assert headers["webhook-id"] == "evt_2" and verify(headers, body, secret), (headers, body)

    # The README's backup, taken while the service runs (SQLite's online backup, as `sqlite3 .backup` does), with
    # the secrets key beside it; restored into a new volume, it serves the same account and signs with the secret.
    live = volume_folder(volume)
    restored = containers.volume("restored")
    target = volume_folder(restored)
    with sqlite3.connect(live / "delivery.db") as source, sqlite3.connect(target / "delivery.db") as copy:
        source.backup(copy)
    shutil.copy2(live / "delivery.secrets-key", target / "delivery.secrets-key")
    for path in [target, *target.iterdir()]:
        os.chown(path, 65532, 65532)
    subprocess.run(["podman", "stop", "-t", "10", second], check=True, capture_output=True, timeout=60)
    third = containers.run("sqlite-restored", env, [], volume=restored)
    wait_ready(api, third)
    assert [account["id"] for account in call(api, "GET", "/v1/accounts")["data"]] == ["acme"]
    call(api, "POST", "/v1/accounts/acme/events", {"topic": "order.created", "data": {"id": "ord_3"}, "id": "evt_3"})
    wait_received(3, "the restored container")
    headers, body = Receiver.received[2]
    assert headers["webhook-id"] == "evt_3" and verify(headers, body, secret), (headers, body)


def compose_services() -> Dict[str, Any]:
    compose = yaml.safe_load(COMPOSE.read_text())
    services: Dict[str, Any] = compose["services"]
    return services


def test_compose_api_and_two_workers_share_postgres(containers: Containers, receiver: str) -> None:
    if not POSTGRES_URL:
        # `make test-image` always starts Postgres and requires it: there a missing URL is a failure, not a skip.
        if os.environ.get("DELIVERY_TEST_REQUIRE_POSTGRES") == "1":
            pytest.fail("DELIVERY_TEST_POSTGRES_URL is not set but DELIVERY_TEST_REQUIRE_POSTGRES=1")
        pytest.skip("DELIVERY_TEST_POSTGRES_URL is not set (make test-image starts the throwaway Postgres)")
    services = compose_services()
    assert set(services) == {"postgres", "api", "worker"}
    api_service, worker_service = services["api"], services["worker"]
    assert api_service["command"] == ["--api-only"] and worker_service["command"] == ["--worker-only"]
    replicas = worker_service["deploy"]["replicas"]
    assert replicas == 2
    assert api_service["depends_on"]["postgres"]["condition"] == "service_healthy"

    database = f"image_{containers.suffix}"
    admin = POSTGRES_URL
    subprocess.run(["psql", admin, "-q", "-c", f"CREATE DATABASE {database}"], check=True, capture_output=True,
                   timeout=30)
    try:
        # The compose file's environment, with what compose would interpolate from .env, and what this machine
        # needs instead of compose's network: loopback ports of their own.
        given = {"DATABASE_URL": admin.rsplit("/", 1)[0] + f"/{database}",
                 "DELIVERY_SECRETS_KEY": secrets.token_hex(32), "DELIVERY_API_KEY": ADMIN_KEY}
        port = free_port()
        api = f"http://127.0.0.1:{port}"
        metrics: Dict[str, str] = {}

        def environment(service: Dict[str, Any], name: str, without: Tuple[str, ...] = ()) -> Dict[str, str]:
            env = {key: given.get(key, str(value)) for key, value in service["environment"].items()
                   if key not in without}
            leftover = [key for key, value in env.items() if "${" in value]
            assert not leftover, f"{name}: compose variables not known to the test: {leftover}"
            metrics_port = free_port()
            metrics[name] = f"http://127.0.0.1:{metrics_port}/metrics"
            env.update(DELIVERY_METRICS_LISTEN=f"127.0.0.1:{metrics_port}", DELIVERY_ALLOW_INSECURE_LOOPBACK="true",
                       DELIVERY_POLL_MS="50")
            if "DELIVERY_LISTEN" in env:
                env["DELIVERY_LISTEN"] = f"127.0.0.1:{port}"
            return env

        api_env = environment(api_service, "api")
        assert api_env["DELIVERY_LOG_FORMAT"] == "json"
        api_container = containers.run("api", api_env, api_service["command"])
        wait_ready(api, api_container)
        workers = [containers.run(f"worker-{n}", environment(worker_service, f"worker-{n}"), worker_service["command"])
                   for n in range(1, replicas + 1)]

        call(api, "POST", "/v1/accounts", {"id": "acme"})
        endpoint = call(api, "POST", "/v1/accounts/acme/endpoints", {"url": receiver, "topics": ["order.created"]})
        events = 20
        for n in range(events):
            call(api, "POST", "/v1/accounts/acme/events",
                 {"topic": "order.created", "data": {"id": f"ord_{n}"}, "id": f"evt_{n}"})
        wait_received(events, "compose's workers")
        assert sorted(headers["webhook-id"] for headers, _ in Receiver.received) == sorted(
            f"evt_{n}" for n in range(events))
        assert all(verify(headers, body, endpoint["secret"]["value"]) for headers, body in Receiver.received)

        def attempts(name: str) -> float:
            with urllib.request.urlopen(metrics[name], timeout=10) as response:
                families = text_string_to_metric_families(response.read().decode())  # type: ignore[no-untyped-call]
                return float(sum(sample.value for family in families for sample in family.samples
                                 if sample.name == "webhook_attempts_total"))

        # The API process delivered nothing: the workers did all of it.
        assert attempts("api") == 0
        assert sum(attempts(f"worker-{n}") for n in range(1, replicas + 1)) == events
        for worker in workers:
            lines = [line for line in logs(worker, "stderr").splitlines() if line.strip()]
            assert lines and all(json.loads(line)["level"] for line in lines), f"{worker}: not JSON lines"

        # The README's backup: pg_dump of the live database, restored into another; an API and a worker on the
        # copy (with the same secrets key, and no admin key given: it is in the copy) serve the account and sign
        # with its secret.
        for container in [api_container, *workers]:
            subprocess.run(["podman", "stop", "-t", "10", container], check=True, capture_output=True, timeout=60)
        dump = Path(f"/tmp/delivery-{containers.suffix}.dump")
        try:
            subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", given["DATABASE_URL"]], check=True,
                           capture_output=True, timeout=120)
            subprocess.run(["psql", admin, "-q", "-c", f"CREATE DATABASE {database}_restored"], check=True,
                           capture_output=True, timeout=30)
            subprocess.run(["pg_restore", "--no-owner", f"--dbname={given['DATABASE_URL']}_restored", str(dump)],
                           check=True, capture_output=True, timeout=120)
        finally:
            dump.unlink(missing_ok=True)
        given["DATABASE_URL"] += "_restored"
        restored_api = containers.run(
            "api-restored", environment(api_service, "api-restored", without=("DELIVERY_API_KEY",)), ["--api-only"])
        wait_ready(api, restored_api)
        containers.run("worker-restored", environment(worker_service, "worker-restored"), ["--worker-only"])
        assert [account["id"] for account in call(api, "GET", "/v1/accounts")["data"]] == ["acme"]
        history = call(api, "GET", "/v1/accounts/acme/events?limit=100")["data"]
        assert len(history) == events, history
        call(api, "POST", "/v1/accounts/acme/events",
             {"topic": "order.created", "data": {"id": "ord_restored"}, "id": "evt_restored"})
        wait_received(events + 1, "the restored database's worker")
        headers, body = Receiver.received[events]
        assert headers["webhook-id"] == "evt_restored" and verify(headers, body, endpoint["secret"]["value"])
    finally:
        containers.cleanup()
        containers.names.clear()
        containers.volumes.clear()
        for name in [database, f"{database}_restored"]:
            subprocess.run(["psql", admin, "-q", "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                           capture_output=True, timeout=30)
