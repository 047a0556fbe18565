"""`python -m compliance.validation --results RESULTS.json --out REPORT.docx [--strict]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from compliance.validation.report import build_docx, evaluate, load_results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m compliance.validation", description=__doc__)
    parser.add_argument("--results", required=True, help="JSON written by the pytest plugin")
    parser.add_argument("--out", required=True, help="where to write the .docx record")
    parser.add_argument("--lab-name", default="", help="printed under the title")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when a requirement is not met or the mapping names tests that did not run",
    )
    args = parser.parse_args(argv)
    try:
        results = load_results(args.results)
    except (OSError, ValueError) as error:
        print(f"cannot read {args.results}: {error}", file=sys.stderr)
        return 1
    validation = evaluate(results)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(build_docx(validation, lab_name=args.lab_name))
    met = sum(1 for e in validation.evidence if e.status.startswith("met"))
    print(f"validation record written to {out}: {met}/{len(validation.evidence)} requirements met")
    for line in validation.problems():
        print(f"  {line}", file=sys.stderr)
    return 1 if args.strict and not validation.ok else 0


if __name__ == "__main__":
    sys.exit(main())
