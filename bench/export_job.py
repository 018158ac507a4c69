"""The comment export without the CLI (for checkouts that lack `flask secretariat export`):
the same functions the CLI and the web view call, all statuses, progress to stderr.

    DATABASE_URL=sqlite:////abs/db.sqlite .venv/bin/python bench/export_job.py --format csv --output out.csv
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--format", choices=("csv", "xlsx"), required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--from", dest="date_from", default="")
    args = parser.parse_args(argv)
    from consult import create_app
    from consult.consultation.services import current_consultation
    from consult.secretariat import exports
    from consult.secretariat.filters import parse_filter

    app = create_app()

    def progress(n: int) -> None:
        print(f"export_job: {args.format} {n:,} rows", file=sys.stderr, flush=True)

    with app.test_request_context("/"):
        f = parse_filter({"status": "all", "from": args.date_from}, current_consultation().id, default_status="all")
        if args.format == "xlsx":
            exports.write_workbook(str(args.output), f, progress=progress)
        else:
            with args.output.open("wb") as fh:
                for chunk in exports.comments_csv(f, progress=progress):
                    fh.write(chunk)
    return 0


if __name__ == "__main__":
    sys.exit(main())
