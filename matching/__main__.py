"""Command line: ``python -m matching solve INSTANCE.json`` and ``python -m matching bench``."""

from __future__ import annotations

import argparse
import json
import sys


def main(argv=None):
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m matching", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("solve", help="proposals, shortlists and explanations as JSON")
    s.add_argument("instance", help="instance JSON file (see matching/README.md)")
    s.add_argument("--method", choices=("optimal", "stable"), default="optimal")
    s.add_argument("--top-k", type=int, default=5)
    s.add_argument("--summaries-only", action="store_true", help="no full explanation per entry")
    b = sub.add_parser("bench", help="timings as JSON lines")
    b.add_argument("--quick", action="store_true", help="small sizes only")
    b.add_argument("--only", help="comma-separated benchmark names")
    args = parser.parse_args(argv)
    if args.command == "solve":
        from .proposals import solve

        out = solve(args.instance, args.method, args.top_k, explain_all=not args.summaries_only)
        json.dump(out, sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
        return 0
    from .bench import run

    run(quick=args.quick, only=args.only.split(",") if args.only else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
