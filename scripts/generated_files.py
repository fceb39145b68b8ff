"""Write generated files, or with ``--check`` report the ones whose committed text differs (used by every generator)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write_or_check(outputs: dict[Path, str], regenerate_with: str) -> int:
    """Writes every output, or (when ``--check`` is on the command line) lists the stale ones and returns 1."""
    if "--check" not in sys.argv[1:]:
        for path, text in outputs.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return 0
    stale = [str(path.relative_to(ROOT)) for path, text in outputs.items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    if stale:
        print(f"stale generated files (run {regenerate_with}): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0
