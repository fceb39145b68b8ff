#!/usr/bin/env python3
"""`make demo`: the whole system end to end, on embedded defaults.

1. Prepares (idempotently): the delivery service (release build), the packed npm tarballs of `dropship-webhooks`
   (native addon) and `dropship-webhooks-wasm`, and the Python wheel; installs each into its own app folder under
   `target/demo/` the way a user would (`npm install <tarball>`, `pip install <wheel>`).
2. Starts the delivery service on embedded SQLite with its clock 60x faster (so the retry schedule's minutes take
   seconds), and three receivers using the installed packages: Express (Node), FastAPI (Python) and a Cloudflare
   Worker on workerd (WebAssembly). The FastAPI receiver answers 503 for its first seconds, so retries with backoff
   show.
3. Registers the receivers as endpoints, emits the sample event of every topic, rotates each
   endpoint's secret mid-run (two active, then the old one expired), and sends each receiver one forged request.
4. Prints progress, then a table per receiver; exits 0 only when every receiver verified every event.
5. Prints a single-use link to the delivery service's console for the demo account; run in a terminal, it keeps the
   service up (until Ctrl-C, at most an hour) so the link can be opened.

`--check` runs the same flow quietly for tests and prints the final table as JSON on the last line.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "target" / "demo"
API_KEY = "demo-api-key-not-secret-0123456789abcdef"
DEMO_ACCOUNT = "demo-retailer"
TIME_SCALE = 60
FAIL_FOR_SECONDS = 4.0
DEADLINE_SECONDS = 120.0
TOPICS_FOLDER = ROOT / "core" / "samples"


def log(message: str) -> None:
    print(f"demo: {message}", flush=True)


def run(command: List[str], cwd: Path = ROOT, quiet: bool = True) -> str:
    """Runs a command; on failure shows its output and stops the demo."""
    result = subprocess.run(command, cwd=cwd, capture_output=quiet, text=True)
    if result.returncode != 0:
        if quiet:
            sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"demo: `{' '.join(command)}` failed with exit code {result.returncode}")
    return result.stdout if quiet else ""


def digest(*paths: Path) -> str:
    hasher = hashlib.sha256()
    for path in paths:
        hasher.update(path.read_bytes())
    return hasher.hexdigest()


def stamped(folder: Path, stamp: str) -> bool:
    marker = folder / ".demo-stamp"
    return marker.exists() and marker.read_text() == stamp


def stamp(folder: Path, value: str) -> None:
    (folder / ".demo-stamp").write_text(value)


def npm_pack(package: Path) -> Path:
    """Packs an npm package into target/demo/packages; returns the tarball."""
    out = WORK / "packages"
    out.mkdir(parents=True, exist_ok=True)
    name = run(["npm", "pack", "--silent", "--pack-destination", str(out)], cwd=package).strip().splitlines()[-1]
    return out / name


def install_node_app(folder: Path, dependencies: Dict[str, str]) -> None:
    """An app folder with exactly these dependencies, installed from the registry or tarballs."""
    tarballs = [Path(spec[5:]) for spec in dependencies.values() if spec.startswith("file:")]
    key = json.dumps(dependencies, sort_keys=True) + digest(*tarballs)
    if stamped(folder, key):
        return
    log(f"installing {', '.join(dependencies)} into {folder.relative_to(ROOT)}")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    package = {"name": folder.name, "private": True, "dependencies": dependencies}
    (folder / "package.json").write_text(json.dumps(package, indent=2))
    run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=folder)
    stamp(folder, key)


def prepare() -> Dict[str, Path]:
    """Builds and installs everything; fast when nothing changed."""
    log("building the delivery service, the Node addon, the wasm package and the Python wheel")
    run(["cargo", "build", "--release", "--quiet", "--locked", "-p", "dropship-delivery-service"])
    run(["make", "--no-print-directory", "build-node"])
    run(["make", "--no-print-directory", "build-wasm"])
    node_tarball = npm_pack(ROOT / "bindings-js")
    # The addon comes in its platform's package (the napi-rs layout), as `npm install` would fetch it.
    addon_tarball = npm_pack(ROOT / "bindings-js" / "npm" / "linux-x64-gnu")
    wasm_tarball = npm_pack(ROOT / "bindings-wasm")
    express_version = json.loads((ROOT / "bindings-js" / "package.json").read_text())["devDependencies"]["express"]
    install_node_app(WORK / "node-app", {"dropship-webhooks": f"file:{node_tarball}",
                                         "dropship-webhooks-linux-x64-gnu": f"file:{addon_tarball}",
                                         "express": express_version})
    install_node_app(WORK / "worker-app", {"dropship-webhooks-wasm": f"file:{wasm_tarball}"})
    shutil.copy(ROOT / "examples" / "demo" / "express-receiver.cjs", WORK / "node-app")
    shutil.copy(ROOT / "examples" / "demo" / "worker.mjs", WORK / "worker-app")
    shutil.copy(ROOT / "examples" / "demo" / "run-worker.mjs", WORK / "worker-app")

    wheels = WORK / "wheels"
    shutil.rmtree(wheels, ignore_errors=True)
    run([str(ROOT / ".venv" / "bin" / "maturin"), "build", "--release", "--quiet", "-o", str(wheels)],
        cwd=ROOT / "bindings-python")
    wheel = sorted(wheels.glob("*.whl"))[-1]
    venv = WORK / "venv"
    requirements = ROOT / "examples" / "demo" / "requirements.txt"
    key = digest(wheel, requirements)
    if not stamped(venv, key):
        log("installing the wheel, FastAPI and uvicorn into target/demo/venv")
        shutil.rmtree(venv, ignore_errors=True)
        run([sys.executable, "-m", "venv", str(venv)])
        pip = [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check"]
        run(pip + ["-r", str(requirements)])
        run(pip + ["--force-reinstall", "--no-deps", str(wheel)])
        stamp(venv, key)
    return {"python": venv / "bin" / "python"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def request(method: str, url: str, body: Optional[Any] = None, key: Optional[str] = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    headers = {"content-type": "application/json"}
    if key:
        headers["authorization"] = f"Bearer {key}"
    call = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(call, timeout=10) as response:
        text = response.read()
        return json.loads(text) if text else None


def wait_until_up(url: str, what: str, process: "subprocess.Popen[bytes]") -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"demo: {what} exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise SystemExit(f"demo: {what} did not start")


@dataclass
class Receiver:
    name: str
    runtime: str
    port: int
    fail_for: float = 0.0
    endpoint_id: str = ""
    secrets: List[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def configure(self, fail_for: float = 0.0) -> None:
        request("PUT", f"{self.url}/_demo/config", {"secrets": self.secrets, "failForSeconds": fail_for})

    def stats(self) -> Dict[str, Any]:
        answer: Dict[str, Any] = request("GET", f"{self.url}/_demo/stats")
        return answer


def sample_events() -> List[Dict[str, Any]]:
    events = []
    for path in sorted(TOPICS_FOLDER.glob("*.json")):
        sample = json.loads(path.read_text())
        events.append({"topic": sample["topic"], "data": sample["data"]})
    catalog = json.loads((TOPICS_FOLDER.parent / "schema" / "events.schema.json").read_text())["x-topics"]
    assert len(events) == len(catalog), f"expected {len(catalog)} sample events (one per topic), found {len(events)}"
    return events


def forged_request(receiver: Receiver) -> None:
    """A request signed with a secret the receiver does not hold: it must answer 401."""
    body = json.dumps({"id": "evt_forged", "topic": "order.created", "data": {"id": "ord_forged"}}).encode()
    headers = {
        "content-type": "application/json",
        "webhook-id": "evt_forged",
        "webhook-timestamp": str(int(time.time())),
        "webhook-signature": "v1,ZmFrZWZha2VmYWtlZmFrZWZha2VmYWtlZmFrZWZha2U=",
    }
    call = urllib.request.Request(f"{receiver.url}/webhooks", data=body, method="POST", headers=headers)
    try:
        urllib.request.urlopen(call, timeout=10)
        raise SystemExit(f"demo: {receiver.name} accepted a forged request")
    except urllib.error.HTTPError as refused:
        assert refused.code == 401, refused.code


def demo(check: bool) -> int:
    paths = prepare()
    data = WORK / "data"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    processes: List["subprocess.Popen[bytes]"] = []
    logs = open(WORK / "demo.log", "wb")

    def start(command: List[str], cwd: Path, env: Optional[Dict[str, str]] = None) -> "subprocess.Popen[bytes]":
        process = subprocess.Popen(command, cwd=cwd, stdout=logs, stderr=subprocess.STDOUT, start_new_session=True,
                                   env=None if env is None else {**os.environ, **env})
        processes.append(process)
        return process

    try:
        service_port = free_port()
        api = f"http://127.0.0.1:{service_port}"
        service = start([
            str(ROOT / "target" / "release" / "delivery-service"),
            "--database-url", f"sqlite://{data}/delivery.db", "--listen", f"127.0.0.1:{service_port}",
            "--allow-insecure-loopback", "--time-scale", str(TIME_SCALE), "--poll-ms", "50",
        ], ROOT, {"DELIVERY_API_KEY": API_KEY})  # from the environment: argv shows in the process list
        receivers = [
            Receiver("express", "Node (native addon)", free_port()),
            Receiver("fastapi", "Python (wheel)", free_port(), fail_for=FAIL_FOR_SECONDS),
            Receiver("worker", "workerd (wasm)", free_port()),
        ]
        express, fastapi, worker = receivers
        start(["node", "express-receiver.cjs", str(express.port)], WORK / "node-app")
        start([str(paths["python"]), str(ROOT / "examples" / "demo" / "fastapi_receiver.py"), str(fastapi.port)], ROOT)
        start(["node", "run-worker.mjs", str(ROOT / "bindings-wasm" / "node_modules" / "miniflare"), str(worker.port)],
              WORK / "worker-app")
        wait_until_up(f"{api}/healthz", "the delivery service", service)
        for receiver, process in zip(receivers, processes[1:]):
            wait_until_up(f"{receiver.url}/_demo/stats", f"the {receiver.name} receiver", process)
        # The packed package must load its native addon here, not fall back to WebAssembly.
        backend = express.stats().get("backend")
        if backend != "native":
            raise SystemExit(f"demo: the Node receiver loaded the {backend} backend, not the native addon")
        log(f"delivery service on {api} (SQLite, clock x{TIME_SCALE}); receivers: "
            + ", ".join(f"{r.name} on :{r.port}" for r in receivers))

        # The platform's customer: an account, and a key that reaches only it (the admin key made both).
        request("POST", f"{api}/v1/accounts", {"id": DEMO_ACCOUNT, "name": "Demo Retailer"}, API_KEY)
        account_key = request("POST", f"{api}/v1/accounts/{DEMO_ACCOUNT}/keys", None, API_KEY)["key"]
        account = f"{api}/v1/accounts/{DEMO_ACCOUNT}"
        log(f"account {DEMO_ACCOUNT} with its own API key ({account_key[:12]}…)")
        topics = [event["topic"] for event in sample_events()]
        for receiver in receivers:
            created = request("POST", f"{account}/endpoints",
                              {"url": f"{receiver.url}/webhooks", "topics": topics, "description": receiver.runtime},
                              account_key)
            receiver.endpoint_id = created["id"]
            receiver.secrets = [created["secret"]["value"]]
            receiver.configure()
            forged_request(receiver)
            receiver.configure(receiver.fail_for)
        log(f"registered 3 endpoints for all {len(topics)} topics; fastapi fails for its first {FAIL_FOR_SECONDS:.0f} s")

        events = sample_events()
        event_ids: List[str] = []

        def emit(batch: List[Dict[str, Any]]) -> None:
            for event in batch:
                answer = request("POST", f"{account}/events", event, account_key)
                assert answer["deliveries"] == 3, answer
                event_ids.append(answer["id"])

        emit(events[:12])
        log("emitted 12 events; rotating: each endpoint gets a second secret, receivers accept both")
        old_secret_ids: Dict[str, str] = {}
        service_now = 0
        for receiver in receivers:
            listed = request("GET", f"{account}/endpoints/{receiver.endpoint_id}/secrets", None, account_key)
            old_secret_ids[receiver.name] = listed["data"][0]["id"]
            added = request("POST", f"{account}/endpoints/{receiver.endpoint_id}/secrets", {"label": "rotated"},
                            account_key)
            receiver.secrets = [receiver.secrets[0], added["value"]]
            receiver.configure()
            service_now = max(service_now, int(added["createdAt"]) // 1000)
        emit(events[12:20])
        log("emitted 8 events signed with both secrets; expiring the old secrets")
        for receiver in receivers:
            # Expire on the service's (accelerated) clock, read off the new secret's creation time.
            request("PATCH", f"{account}/endpoints/{receiver.endpoint_id}/secrets/{old_secret_ids[receiver.name]}",
                    {"expiresAt": service_now}, account_key)
            receiver.secrets = receiver.secrets[1:]
            receiver.configure()
        emit(events[20:])
        log(f"emitted the last {len(events) - 20} events, signed with the new secrets only")

        wanted = set(event_ids)
        deadline = time.monotonic() + DEADLINE_SECONDS
        last_line = ""
        while True:
            stats = {receiver.name: receiver.stats() for receiver in receivers}
            done = {name: len(wanted & set(s["eventIds"])) for name, s in stats.items()}
            line = "  ".join(f"{name} {count}/{len(wanted)}" for name, count in done.items())
            if line != last_line and not check:
                log(f"verified: {line}")
                last_line = line
            if all(count == len(wanted) for count in done.values()) or time.monotonic() > deadline:
                break
            time.sleep(0.5)

        rows = []
        for receiver in receivers:
            s = stats[receiver.name]
            attempts = request("GET", f"{account}/endpoints/{receiver.endpoint_id}/attempts?outcome=failure&limit=500",
                               None, account_key)
            rows.append({
                "receiver": receiver.name, "runtime": receiver.runtime, "received": s["received"],
                "verified": len(wanted & set(s["eventIds"])), "rejected": s["rejected"],
                "retries": len(attempts["data"]), "events": len(wanted),
            })
        print()
        print("| receiver | runtime | requests received | events verified | rejected | retries |")
        print("|---|---|---:|---:|---:|---:|")
        for row in rows:
            print(f"| {row['receiver']} | {row['runtime']} | {row['received']} | {row['verified']}/{row['events']} "
                  f"| {row['rejected']} | {row['retries']} |")
        ok = all(row["verified"] == row["events"] and row["rejected"] >= 1 for row in rows)
        ok = ok and any(row["retries"] > 0 for row in rows)
        print()
        log("every event was verified by every receiver" if ok else "NOT every event was verified; see target/demo/demo.log")
        link = request("POST", f"{account}/console-links", {}, account_key)["url"]
        # Without --public-url the service answers the link's path, for the platform to put under its address.
        if link.startswith("/"):
            link = api + link
        if check:
            print(json.dumps(rows))
        elif sys.stdin.isatty():
            log(f"console: open {link} (single use, valid for 10 minutes; the admin key {API_KEY} signs in at "
                f"{api}/console/sign-in)")
            log("the service keeps running for the console; press Ctrl-C to stop")
            try:
                time.sleep(3600)
            except KeyboardInterrupt:
                print()
        else:
            log(f"console: {link} (run `make demo` in a terminal to keep the service up for it)")
        return 0 if ok else 1
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        logs.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="quiet progress; print the table as JSON at the end")
    started = time.monotonic()
    code = demo(parser.parse_args().check)
    log(f"finished in {time.monotonic() - started:.0f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())
