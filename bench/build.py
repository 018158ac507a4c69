"""Build a benchmark consultation: a SQLite file of its own under bench/.data/<size>/.

    flask db upgrade → flask seed → flask demo-data (participants, comments, votes, supports)
    → bench/populate.py (workshops, notes, seats, dots, themes, opinion groups)
    → flask users create (the secretariat account the bench signs in with)

The result is kept as ``template.sqlite`` with a key made of the size and of every file that
shapes the data (migrations, models, seed, demo data, populate); a later run with the same key
reuses it (``--rebuild`` forces a new one). Each run works on a copy, ``run.sqlite``.
"""

import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
FLASK = ROOT / ".venv" / "bin" / "flask"
PYTHON = ROOT / ".venv" / "bin" / "python"
SECRETARIAT_EMAIL = "bench-secretariat@example.jp"


@dataclass(frozen=True)
class Size:
    name: str
    comments: int
    votes: int
    participants: int
    workshops: int = 50
    notes: int = 300
    seats: int = 40

    @property
    def label(self) -> str:
        return f"{self.comments:,} comments / {self.votes:,} votes"


FULL_SIZES = (Size("10k", 10_000, 100_000, 10_000), Size("100k", 100_000, 1_000_000, 100_000))
QUICK_SIZES = (Size("quick-1k", 1_000, 10_000, 1_000, workshops=6, notes=50, seats=20),
               Size("quick-5k", 5_000, 50_000, 5_000, workshops=6, notes=50, seats=20))

SHAPING_FILES = ("migrations/versions/*.py", "consult/**/models.py", "consult/seed/**/*", "consult/cli.py",
                 "bench/populate.py", "bench/build.py")


def data_key(size: Size) -> str:
    digest = hashlib.sha256(json.dumps(asdict(size), sort_keys=True).encode())
    for pattern in SHAPING_FILES:
        for path in sorted(ROOT.glob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def env_for(db: Path) -> dict:
    return {"DATABASE_URL": f"sqlite:///{db}", "CONSULT_SECRET_KEY": "bench-secret-key-not-for-production",
            "CONSULT_RATELIMIT_ENABLED": "false"}


def _step(cmd: list[str], env: dict, log: Path, what: str, echo) -> float:
    echo(f"{what} …")
    started = time.monotonic()
    with open(log, "ab") as out:
        out.write(("\n$ " + " ".join(cmd) + "\n").encode())
        out.flush()
        proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        last = 0.0
        for raw in proc.stdout:
            out.write(raw)
            line = raw.decode("utf-8", "replace").rstrip()
            # Pass the tools' own progress on, at most every few seconds.
            if time.monotonic() - last > 5 or "added" in line:
                echo("  " + line)
                last = time.monotonic()
        proc.wait()
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed ({proc.returncode}); see {log}")
    seconds = time.monotonic() - started
    echo(f"{what}: {seconds:.1f}s")
    return seconds


def build(size: Size, *, rebuild: bool = False, echo=print) -> dict:
    """Make (or reuse) the size's template database; return its meta data."""
    folder = DATA / size.name
    folder.mkdir(parents=True, exist_ok=True)
    template = folder / "template.sqlite"
    meta_path = folder / "template.json"
    key = data_key(size)
    if not rebuild and template.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("key") == key:
            echo(f"[{size.name}] reusing {template.relative_to(ROOT)} (built {meta['built_at']}, key {key})")
            meta["reused"] = True
            return meta
    for stale in folder.glob("template.sqlite*"):
        stale.unlink()
    log = folder / "build.log"
    log.write_text("")
    building = folder / "building.sqlite"
    for stale in folder.glob("building.sqlite*"):
        stale.unlink()
    env = env_for(building)
    flask = [str(FLASK), "--app", "consult"]
    password = secrets.token_urlsafe(18)
    steps = {}
    started = time.monotonic()
    steps["migrations"] = _step(flask + ["db", "upgrade"], env, log, f"[{size.name}] flask db upgrade", echo)
    steps["seed"] = _step(flask + ["seed"], env, log, f"[{size.name}] flask seed", echo)
    steps["demo-data"] = _step(
        flask + ["demo-data", "--participants", str(size.participants), "--comments", str(size.comments),
                 "--votes", str(size.votes), "--no-staff"], env, log,
        f"[{size.name}] flask demo-data ({size.participants:,} participants, {size.comments:,} comments, "
        f"{size.votes:,} votes)", echo)
    steps["populate"] = _step(
        [str(PYTHON), str(ROOT / "bench" / "populate.py"), "--workshops", str(size.workshops), "--notes",
         str(size.notes), "--seats", str(size.seats)], env, log,
        f"[{size.name}] bench/populate.py ({size.workshops} workshops × {size.notes} notes)", echo)
    steps["users"] = _step(flask + ["users", "create", SECRETARIAT_EMAIL, "--role", "secretariat", "--name",
                                    "ベンチマーク事務局", "--password", password], env, log,
                           f"[{size.name}] flask users create {SECRETARIAT_EMAIL}", echo)
    conn = sqlite3.connect(building)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        src = Path(str(building) + suffix)
        if src.exists():
            src.rename(Path(str(template) + suffix))
    meta = {"key": key, "size": asdict(size), "built_at": time.strftime("%Y-%m-%d %H:%M:%S"),
            "build_seconds": round(time.monotonic() - started, 1), "steps": {k: round(v, 1) for k, v in steps.items()},
            "secretariat": {"email": SECRETARIAT_EMAIL, "password": password},
            "commands": [" ".join(flask + ["db", "upgrade"]), " ".join(flask + ["seed"]),
                         " ".join(flask + ["demo-data", "--participants", str(size.participants), "--comments",
                                           str(size.comments), "--votes", str(size.votes), "--no-staff"]),
                         f".venv/bin/python bench/populate.py --workshops {size.workshops} --notes {size.notes} "
                         f"--seats {size.seats}",
                         " ".join(flask + ["users", "create", SECRETARIAT_EMAIL, "--role", "secretariat",
                                           "--password", "…"])]}
    meta_path.write_text(json.dumps(meta, indent=1, ensure_ascii=False))
    meta["reused"] = False
    return meta


def working_copy(size: Size) -> Path:
    """A fresh copy of the template for one run (the run's POSTs write into it)."""
    folder = DATA / size.name
    run = folder / "run.sqlite"
    for stale in folder.glob("run.sqlite*"):
        stale.unlink()
    shutil.copyfile(folder / "template.sqlite", run)
    return run


def counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        q = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "comments": q("SELECT count(*) FROM comment"),
            "web_comments": q("SELECT count(*) FROM comment WHERE workshop_id IS NULL"),
            "published": q("SELECT count(*) FROM comment WHERE status = 'published'"),
            "notes": q("SELECT count(*) FROM comment WHERE workshop_id IS NOT NULL"),
            "votes": q("SELECT count(*) FROM vote"),
            "participants": q("SELECT count(*) FROM participant"),
            "supports": q("SELECT count(*) FROM support"),
            "workshops": q("SELECT count(*) FROM workshop"),
            "seats": q("SELECT count(*) FROM workshop_seat"),
            "dots": q("SELECT count(*) FROM dot_vote"),
            "opinion_groups": q("SELECT count(*) FROM opinion_group"),
            "grouped_comments": q("SELECT count(*) FROM comment WHERE opinion_group_id IS NOT NULL"),
            "db_mb": round(db.stat().st_size / 1e6),
        }
    finally:
        conn.close()


if __name__ == "__main__":
    names = sys.argv[1:] or [s.name for s in FULL_SIZES]
    for s in FULL_SIZES + QUICK_SIZES:
        if s.name in names:
            print(json.dumps(build(s, echo=lambda m: print(m, file=sys.stderr)), indent=1))
