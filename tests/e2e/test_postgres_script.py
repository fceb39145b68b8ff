"""`scripts/postgres.sh` from a checkout in a private directory (issue [fresh-clone]).

A `git clone` into a `mktemp -d` directory (mode 700, as root's home is) must still get a working throwaway cluster:
PostgreSQL runs as its own user, who cannot enter such a directory, so the cluster may not live in the checkout.
Each checkout gets its own data directory and port, and `stop` removes the data directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
SCRIPT = ROOT / "scripts" / "postgres.sh"


def run(script: Path, command: str) -> str:
    result = subprocess.run(["bash", str(script), command], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"postgres.sh {command} failed:\n{result.stdout}{result.stderr}"
    return result.stdout.strip()


@pytest.fixture()
def private_clone() -> Iterator[Path]:
    parent = Path(tempfile.mkdtemp(prefix="dropship-fresh-clone-"))
    try:
        assert parent.stat().st_mode & 0o777 == 0o700, "mkdtemp makes a directory only its owner can enter"
        clone = parent / "repo"
        subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)], check=True, timeout=120)
        # The script under test is this checkout's, committed or not.
        shutil.copy2(SCRIPT, clone / "scripts" / "postgres.sh")
        yield clone
    finally:
        script = parent / "repo" / "scripts" / "postgres.sh"
        if script.exists():
            subprocess.run(["bash", str(script), "stop"], capture_output=True, timeout=120)
        shutil.rmtree(parent, ignore_errors=True)


def test_a_clone_in_a_private_directory_gets_its_own_cluster(private_clone: Path) -> None:
    script = private_clone / "scripts" / "postgres.sh"
    data = Path(run(script, "dir"))
    assert not data.is_relative_to(private_clone.parent), "the cluster must live outside the private checkout"
    assert data != Path(run(SCRIPT, "dir")), "two checkouts must not share a data directory"
    if "PGPORT" not in os.environ:
        assert run(script, "url") != run(SCRIPT, "url"), "two checkouts must not share a port"

    url = run(script, "start")
    assert url == run(script, "url")
    assert (data / "PG_VERSION").is_file()
    answer = subprocess.run(["psql", url, "-tAc", "select 40 + 2"], capture_output=True, text=True, timeout=60)
    assert answer.stdout.strip() == "42", answer.stderr
    assert run(script, "start") == url, "start is idempotent"

    run(script, "stop")
    assert not data.exists(), "stop removes the data directory"
    refused = subprocess.run(["psql", url, "-tAc", "select 1"], capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0, "the server is gone after stop"
