"""gunicorn on loopback, with the same settings for consult and for the bare limit."""

import http.client
import os
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"

WORKERS = 2
THREADS = 4
# The same for both servers. gthread (as in docs/deploy.md) keeps connections alive, as a
# browser or a proxy would; 2 workers on 2 cores, 4 threads each.
SETTINGS = ["--workers", str(WORKERS), "--worker-class", "gthread", "--threads", str(THREADS),
            "--timeout", "300", "--graceful-timeout", "5", "--log-level", "warning"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command(app_spec: str, port: int) -> list[str]:
    return [str(GUNICORN), *SETTINGS, "--bind", f"127.0.0.1:{port}", app_spec]


def start(app_spec: str, env: dict, *, health: str = "/healthz", log: Path | None = None):
    port = free_port()
    out = open(log, "ab") if log else subprocess.DEVNULL
    process = subprocess.Popen(command(app_spec, port), cwd=ROOT, env={**os.environ, **env},
                               stdout=out, stderr=out, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn for {app_spec} exited with {process.returncode}"
                               + (f"; see {log}" if log else ""))
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", health)
            if conn.getresponse().status == 200:
                conn.close()
                return process, port
        except OSError:
            time.sleep(0.1)
    stop(process)
    raise RuntimeError(f"gunicorn for {app_spec} did not answer {health}")


def workers(process: subprocess.Popen) -> list[int]:
    """The worker processes' ids (children of the gunicorn arbiter)."""
    try:
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    except OSError:
        return []
    return [int(c) for c in children]


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


@contextmanager
def serve(app_spec: str, env: dict, **kwargs):
    process, port = start(app_spec, env, **kwargs)
    try:
        yield process, port
    finally:
        stop(process)
