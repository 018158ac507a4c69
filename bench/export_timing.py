"""Time and peak memory of the comment exports, each in a process of its own.

The export runs as consult's CLI (`flask --app consult secretariat export comments --format csv|xlsx
--status all`) when this checkout has it, else as bench/export_job.py, which calls the same
functions (``exports.comments_csv`` / ``exports.write_workbook``) the CLI and the web view call.
Peak memory is the process's peak resident set size (``ru_maxrss`` from ``wait4``, exact, no
polling); its *growth* is that minus the peak of the same command exporting no rows (a date filter
in the future), so that Python, Flask and the app's imports are not counted.
"""

import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLASK = ROOT / ".venv" / "bin" / "flask"
PYTHON = ROOT / ".venv" / "bin" / "python"
EMPTY_FILTER = ["--from", "2099-01-01"]


@dataclass
class ExportRun:
    format: str
    rows: int
    seconds: float
    peak_rss_mb: float
    baseline_seconds: float
    baseline_rss_mb: float
    output_mb: float
    tool: str
    cpu_seconds: float = 0.0  # user + system CPU time of the export's process
    baseline_cpu_seconds: float = 0.0

    @property
    def growth_mb(self) -> float:
        return self.peak_rss_mb - self.baseline_rss_mb

    @property
    def net_seconds(self) -> float:
        return self.seconds - self.baseline_seconds

    def as_dict(self) -> dict:
        return asdict(self) | {"growth_mb": self.growth_mb, "net_seconds": self.net_seconds}


def cli_available(env: dict) -> bool:
    proc = subprocess.run([str(FLASK), "--app", "consult", "secretariat", "export", "comments", "--help"],
                          cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True)
    return proc.returncode == 0 and "--format" in proc.stdout


def _command(tool: str, fmt: str, output: Path, extra: list[str]) -> list[str]:
    if tool == "cli":
        return [str(FLASK), "--app", "consult", "secretariat", "export", "comments", "--format", fmt,
                "--status", "all", "--output", str(output), *extra]
    return [str(PYTHON), str(ROOT / "bench" / "export_job.py"), "--format", fmt, "--output", str(output), *extra]


def _run(cmd: list[str], env: dict, log: Path) -> tuple[float, float, float]:
    """(wall seconds, peak RSS in MB, CPU seconds) of one command."""
    with open(log, "ab") as out:
        out.write(("$ " + " ".join(cmd) + "\n").encode())
        out.flush()
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=out)
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"export failed ({proc.returncode}): {' '.join(cmd)}; see {log}")
    return seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime  # ru_maxrss: KiB on Linux


def measure(fmt: str, *, env: dict, workdir: Path, log: Path, rows: int, tool: str) -> ExportRun:
    output = workdir / f"comments.{fmt}"
    empty = workdir / f"empty.{fmt}"
    base_s, base_mb, base_cpu = _run(_command(tool, fmt, empty, EMPTY_FILTER), env, log)
    seconds, peak, cpu = _run(_command(tool, fmt, output, []), env, log)
    size = output.stat().st_size / 1e6
    output.unlink()
    empty.unlink(missing_ok=True)
    return ExportRun(fmt, rows, seconds, peak, base_s, base_mb, size, tool, cpu, base_cpu)


def main(argv=None) -> int:
    """The exports alone, on a size's cached database (built by bench/build.py), a few times each:
    ``.venv/bin/python bench/export_timing.py --size 100k --format xlsx --repeat 3``."""
    import argparse
    import json

    sys.path.insert(0, str(ROOT))
    from bench import build

    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="100k", choices=[s.name for s in build.FULL_SIZES + build.QUICK_SIZES])
    parser.add_argument("--format", dest="formats", action="append", choices=("csv", "xlsx"))
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    size = next(s for s in build.FULL_SIZES + build.QUICK_SIZES if s.name == args.size)
    build.build(size, echo=lambda m: print(m, file=sys.stderr))
    db = build.working_copy(size)
    env = build.env_for(db)
    tool = "cli" if cli_available(env) else "job"
    rows = build.counts(db)["comments"]
    workdir = db.parent
    for fmt in args.formats or ["csv", "xlsx"]:
        for _ in range(args.repeat):
            run = measure(fmt, env=env, workdir=workdir, log=workdir / "exports.log", rows=rows, tool=tool)
            print(json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in run.as_dict().items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
