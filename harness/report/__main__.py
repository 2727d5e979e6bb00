"""`python -m harness.report merge DIR... -o report/`: one report from CI matrix shards.

Each DIR is a shard's report directory (its `parts/` holds the records and findings of its
processes). Exit 0 when the merged run found nothing, 1 on findings or failed checks, 2 on
a usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.errors import HarnessError
from harness.report.files import report_from_parts, write_report
from harness.report.model import Verdict


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness.report",
        description="Merge the report directories of several shards into one report.",
    )
    parser.add_argument("command", choices=["merge"])
    parser.add_argument("dirs", nargs="+", type=Path, help="shard report directories")
    parser.add_argument("-o", "--output", type=Path, required=True, help="merged report dir")
    parser.add_argument(
        "--spec", type=Path, default=Path("spec/openapi.yaml"), help="spec coverage is measured on"
    )
    args = parser.parse_args(argv)
    missing = [str(d) for d in args.dirs if not (d / "parts").is_dir()]
    if missing:
        print(
            f"{', '.join(missing)}: no parts/ directory; pass report directories written "
            "by `pytest --report DIR` (or `parity run`)",
            file=sys.stderr,
        )
        return 2
    try:
        report = report_from_parts([d / "parts" for d in args.dirs], args.spec)
        write_report(report, args.output)
    except HarnessError as exc:
        print(f"python -m harness.report merge: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(
            f"python -m harness.report merge: {exc.filename}: {exc.strerror}. Pass -o a "
            "writable directory and shard directories you can read.",
            file=sys.stderr,
        )
        return 2
    print(
        f"{report.verdict.value.upper()}: {report.finding_count} findings from "
        f"{len(args.dirs)} shards; report: {args.output / 'index.html'}"
    )
    return 0 if report.verdict is Verdict.PASS else 1


if __name__ == "__main__":
    raise SystemExit(main())
