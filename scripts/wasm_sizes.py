#!/usr/bin/env python3
"""Where the WebAssembly module's bytes go: each function's code size, from the module's own name section.

Usage: ``scripts/wasm_sizes.py [MODULE] [--top N]`` (default: the Node build in ``bindings-wasm/dist``, which keeps its
names). Prints two Markdown tables: the bytes of code per crate (the first path segment of each Rust symbol), and
the N largest functions. ``make wasm-sizes`` builds the module first.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODULE = ROOT / "bindings-wasm" / "dist" / "node" / "dropship_webhooks_bg.wasm"


class Reader:
    """A cursor over WebAssembly's binary encoding (LEB128 integers, length-prefixed names)."""

    def __init__(self, data: bytes, at: int = 0) -> None:
        self.data, self.at = data, at

    def byte(self) -> int:
        value = self.data[self.at]
        self.at += 1
        return value

    def uleb(self) -> int:
        result, shift = 0, 0
        while True:
            byte = self.byte()
            result |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return result

    def name(self) -> str:
        length = self.uleb()
        text = self.data[self.at:self.at + length].decode("utf-8", errors="replace")
        self.at += length
        return text


def sections(data: bytes) -> List[Tuple[int, int, int]]:
    """Each section's id, start and end (after its header)."""
    if data[:4] != b"\0asm":
        raise SystemExit("not a WebAssembly module")
    reader, found = Reader(data, 8), []
    while reader.at < len(data):
        section_id = reader.byte()
        size = reader.uleb()
        found.append((section_id, reader.at, reader.at + size))
        reader.at += size
    return found


def imported_functions(data: bytes, start: int) -> int:
    """How many functions the import section brings in (they come first in the function index space)."""
    reader, count = Reader(data, start), 0
    for _ in range(reader.uleb()):
        reader.name(), reader.name()
        kind = reader.byte()
        if kind == 0:  # function: a type index
            reader.uleb()
            count += 1
        elif kind == 1:  # table: element type, limits
            reader.byte()
            flags = reader.uleb()
            reader.uleb()
            if flags & 1:
                reader.uleb()
        elif kind == 2:  # memory: limits
            flags = reader.uleb()
            reader.uleb()
            if flags & 1:
                reader.uleb()
        elif kind == 3:  # global: value type, mutability
            reader.byte(), reader.byte()
        else:
            raise SystemExit(f"unknown import kind {kind}")
    return count


def function_names(data: bytes, start: int, end: int) -> Dict[int, str]:
    """The name section's function names, by function index (empty when the module has no name section)."""
    reader = Reader(data, start)
    if reader.name() != "name":
        return {}
    names: Dict[int, str] = {}
    while reader.at < end:
        subsection = reader.byte()
        size = reader.uleb()
        after = reader.at + size
        if subsection == 1:
            for _ in range(reader.uleb()):
                index = reader.uleb()
                names[index] = reader.name()
        reader.at = after
    return names


def crate_of(symbol: str) -> str:
    """The crate a function belongs to: the first path segment of its (demangled, as wasm-bindgen writes the name
    section) Rust path; wasm-bindgen's export shims are their own group."""
    if symbol.endswith(" shim"):
        return "(wasm-bindgen glue: an export and what it inlined)"
    plain = re.match(r"<?([A-Za-z_][A-Za-z0-9_]*)(?:\[[0-9a-f]+\])?::", symbol)
    return plain.group(1) if plain else "(other)"


def readable(symbol: str) -> str:
    """A function's path without the crates' disambiguating hashes (`core[14d4…]::` → `core::`)."""
    return re.sub(r"\[[0-9a-f]{8,}\]", "", symbol)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("module", nargs="?", type=Path, default=DEFAULT_MODULE)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    data = args.module.read_bytes()
    found = sections(data)
    imports = next((imported_functions(data, start) for kind, start, _ in found if kind == 2), 0)
    names: Dict[int, str] = {}
    for kind, start, end in found:
        if kind == 0:
            names.update(function_names(data, start, end))
    code = next(((start, end) for kind, start, end in found if kind == 10), None)
    if code is None:
        raise SystemExit("the module has no code section")
    reader = Reader(data, code[0])
    sizes: List[Tuple[int, str]] = []
    for offset in range(reader.uleb()):
        size = reader.uleb()
        index = imports + offset
        sizes.append((size, names.get(index, f"function[{index}]")))
        reader.at += size
    total = sum(size for size, _ in sizes)
    by_crate: Dict[str, int] = defaultdict(int)
    for size, name in sizes:
        by_crate[crate_of(name)] += size
    print(f"{args.module.name}: {len(data):,} bytes, of which code {total:,} in {len(sizes):,} functions"
          f"{'' if names else ' (no name section: run on a build that keeps names)'}\n")
    print("| crate | code bytes | share |")
    print("|---|---:|---:|")
    for crate, size in sorted(by_crate.items(), key=lambda item: -item[1]):
        print(f"| {crate} | {size:,} | {size / total:.1%} |")
    print(f"\n| the {args.top} largest functions | code bytes | share |")
    print("|---|---:|---:|")
    for size, name in sorted(sizes, reverse=True)[:args.top]:
        print(f"| `{readable(name)[:110]}` | {size:,} | {size / total:.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
