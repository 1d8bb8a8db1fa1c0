"""Run every benchmark and print JSON lines: ``python bench/run.py [--quick]``."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import compare_matching_pkg  # noqa: E402

from matching.bench import run  # noqa: E402

if __name__ == "__main__":
    run(quick="--quick" in sys.argv)
    compare_matching_pkg.main()
