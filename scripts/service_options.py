#!/usr/bin/env python3
"""The delivery service's options table in its README, from clap's own description of them.

``delivery-service --options-markdown | scripts/service_options.py [--check]`` puts the table it reads on stdin
between the README's ``<!-- options:begin -->`` and ``<!-- options:end -->`` markers (or checks that it is there),
so the README's flags, environment variables and defaults are always those `--help` shows (`make generate` /
`generate-check`).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from generated_files import write_or_check

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "examples" / "delivery-service" / "README.md"
BLOCK = re.compile(r"(<!-- options:begin[^>]*-->\n).*?(<!-- options:end -->)", re.DOTALL)


def main() -> int:
    table = sys.stdin.read()
    if not table.startswith("| option |"):
        raise SystemExit("expected `delivery-service --options-markdown` on stdin")
    text = README.read_text(encoding="utf-8")
    if len(BLOCK.findall(text)) != 1:
        raise SystemExit(f"{README.relative_to(ROOT)}: expected one <!-- options:begin --> … <!-- options:end --> block")
    updated = BLOCK.sub(lambda match: match.group(1) + table + match.group(2), text)
    return write_or_check({README: updated}, "make generate")


if __name__ == "__main__":
    sys.exit(main())
