"""The benchmark's assembled peers (``bench/peers.py``) are honest: built from the project's schema, they accept
the canonical bodies this package is timed on, decode them to what this package returns, and refuse the platform
spelling and a body that breaks the schema. A peer that accepted anything would time less work than ours."""

from __future__ import annotations

import functools
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Dict, List

import pytest

import dropship_webhooks as dw

ROOT = Path(__file__).resolve().parents[2]


def load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


peers = load(ROOT / "bindings-python" / "bench" / "peers.py", "bench_peers")
bench_bodies = load(ROOT / "scripts" / "bench_bodies.py", "bench_bodies")
# The benchmark's bodies up to 16 KiB (the 256 KiB ones take seconds to size and add nothing here).
SIZES: List[str] = ["256", "1024", "16384"]
BODIES: Dict[str, Dict[str, str]] = {
    family.__name__: {size: bench_bodies.sized(family, int(size)) for size in SIZES}
    for family in (bench_bodies.canonical, bench_bodies.platform)
}


@functools.lru_cache(maxsize=1)
def decoders() -> Dict[str, Callable[[bytes], Any]]:
    structs, adapter = peers.order_decoders()
    return {"msgspec Struct": structs.decode, "pydantic TypedDict": adapter.validate_json}


@pytest.mark.parametrize("size", SIZES)
def test_the_peers_read_the_canonical_bodies_as_this_package_does(size: str) -> None:
    body = BODIES["canonical"][size].encode()
    expected: Any = dw.parse_event(body)
    for name, decode in decoders().items():
        decoded = decode(body)
        as_json = json.loads(json.dumps(decoded, default=lambda value: {
            field: getattr(value, field) for field in value.__struct_fields__ if getattr(value, field) is not None}))
        assert as_json["id"] == expected["id"] and as_json["topic"] == expected["topic"], name
        assert as_json["data"]["lines"] == expected["data"]["lines"], name


@pytest.mark.parametrize("size", SIZES)
def test_the_peers_refuse_the_platform_spelling(size: str) -> None:
    body = BODIES["platform"][size].encode()
    dw.parse_event(body)  # this package reads it
    for name, decode in decoders().items():
        with pytest.raises(Exception):
            decode(body)
            pytest.fail(f"{name} accepted the platform spelling")


def test_the_peers_check_the_schema_not_only_the_json() -> None:
    event = json.loads(BODIES["canonical"]["1024"])
    event["data"]["lines"][0]["quantity"] = "two"
    body = json.dumps(event).encode()
    for name, decode in decoders().items():
        with pytest.raises(Exception):
            decode(body)
            pytest.fail(f"{name} accepted a line quantity that is text")
