"""Installs the package the three ways users get it, each into a fresh venv, and uses it there: from the source
tree (pip install ./bindings-python), from the sdist and from the wheel (both built by maturin)."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path
from typing import Dict

import pytest

PACKAGE = Path(__file__).resolve().parents[1]
ROOT = PACKAGE.parent
CHECK = """
import json, time
from dropship_webhooks import Webhook, WebhookVerificationError, generate_secret
webhook = Webhook(generate_secret())
body = json.dumps({"id": "evt_pkg", "topic": "order.canceled", "data": {"id": 7}})
headers = webhook.sign("msg_pkg", int(time.time()), body)
event = webhook.verify(body.encode(), headers)
try:
    webhook.verify(body + " ", headers)
except WebhookVerificationError as error:
    refused = error.code
print(json.dumps([event["topic"], event["data"]["id"], refused]))
"""
EXPECTED = '["order.cancelled", "7", "no_matching_signature"]'


def environment() -> Dict[str, str]:
    # Share the workspace's cargo target dir so each build reuses the compiled crates.
    return {**os.environ, "CARGO_TARGET_DIR": str(ROOT / "target"), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def fresh_python(where: Path) -> Path:
    venv.create(where, with_pip=True)
    return where / "bin" / "python"


def run(*command: object, cwd: Path = ROOT) -> str:
    done = subprocess.run([str(part) for part in command], cwd=cwd, env=environment(), capture_output=True, text=True)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def check(python: Path, tmp_path: Path) -> None:
    # Run from an empty folder so the source tree cannot shadow the installed package.
    assert run(python, "-c", CHECK, cwd=tmp_path).strip() == EXPECTED
    location = run(python, "-c", "import dropship_webhooks; print(dropship_webhooks.__file__)", cwd=tmp_path)
    assert "site-packages" in location


def test_pip_install_from_source(tmp_path: Path) -> None:
    python = fresh_python(tmp_path / "venv")
    run(python, "-m", "pip", "install", "--quiet", str(PACKAGE))
    check(python, tmp_path)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    maturin = Path(sys.executable).parent / "maturin"
    run(maturin, "sdist", "--manifest-path", PACKAGE / "Cargo.toml", "--out", out)
    run(maturin, "build", "--release", "--manifest-path", PACKAGE / "Cargo.toml", "--out", out)
    return out


def test_wheel(dist: Path, tmp_path: Path) -> None:
    wheels = list(dist.glob("*.whl"))
    assert len(wheels) == 1 and "abi3" in wheels[0].name, wheels
    python = fresh_python(tmp_path / "venv")
    run(python, "-m", "pip", "install", "--quiet", wheels[0])
    check(python, tmp_path)
    typed = run(python, "-c", "import dropship_webhooks, pathlib; "
                "print((pathlib.Path(dropship_webhooks.__file__).parent / 'py.typed').exists())", cwd=tmp_path)
    assert typed.strip() == "True"


def test_sdist(dist: Path, tmp_path: Path) -> None:
    sdists = list(dist.glob("*.tar.gz"))
    assert len(sdists) == 1, sdists
    python = fresh_python(tmp_path / "venv")
    run(python, "-m", "pip", "install", "--quiet", sdists[0])
    check(python, tmp_path)
