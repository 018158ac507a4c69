"""A real server on loopback for load and crash tests: gunicorn with several workers.

`serve(database_url)` starts gunicorn in its own process group on a free port, waits for
/healthz, yields the base URL, and stops it. `Browser` is a tiny HTTP client with its own cookie
jar and a keep-alive connection, standing for one phone or browser.
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(database_url: str, *, workers: int = 4, threads: int = 4, port: int | None = None,
          env: dict | None = None) -> tuple[subprocess.Popen, int]:
    port = port or free_port()
    environment = {**os.environ, "DATABASE_URL": database_url, "CONSULT_SECRET_KEY": "served-test-secret",
                   "CONSULT_RATELIMIT_ENABLED": "false", **(env or {})}
    process = subprocess.Popen(
        [str(GUNICORN), "--workers", str(workers), "--threads", str(threads), "--bind", f"127.0.0.1:{port}",
         "--graceful-timeout", "5", "--log-level", "warning", "consult:create_app()"],
        cwd=ROOT, env=environment, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process, port
        except OSError:
            time.sleep(0.1)
    stop(process)
    raise RuntimeError("the server did not start")


def stop(process: subprocess.Popen, *, kill: bool = False) -> None:
    """Stop gunicorn and its workers; kill=True is kill -9 of the whole group (a crash)."""
    try:
        os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
    except ProcessLookupError:
        return
    process.wait(timeout=30)


@contextmanager
def serve(database_url: str, **kwargs):
    process, port = start(database_url, **kwargs)
    try:
        yield port
    finally:
        stop(process)


class Browser:
    """One client: a keep-alive connection and a cookie jar, like a phone's browser."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None,
                raw: bytes | None = None):
        headers = dict(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                payload = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()  # a worker recycled the keep-alive connection; open a new one
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, payload

    def json(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        status, payload = self.request(method, path, body, headers)
        try:
            return status, json.loads(payload)
        except ValueError:
            return status, None
