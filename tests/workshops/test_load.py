"""LOAD (issue 3): a real server on loopback — gunicorn, 3 worker processes × 4 threads — and 300
simulated phones, each with its own cookie jar, that join a workshop, post notes and spend dots
within a minute, with repeats: a re-sent note form, a re-sent dot form, and three dots tapped at
once when only two are left (one of them beyond the budget, refused with the number left: 0). Meanwhile the projector polls its JSON with If-None-Match.

Afterwards every note and dot is stored exactly once, no budget is exceeded, and no request failed
(no 5xx, every answer the one expected). Runs in `make test` on SQLite and, with
TEST_DATABASE_URL, on PostgreSQL; deselect with `-m "not load"`.

Only the standard library drives the phones (http.client and a thread pool).
"""

import html as html_lib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from consult.auth.services import create_user
from consult.extensions import db
from consult.participation.models import Comment
from consult.workshops import services as ws
from consult.workshops.models import DotVote, Workshop, WorkshopSeat

pytestmark = pytest.mark.load

PHONES = 300
CLIENT_THREADS = 16
WORKERS, THREADS = 3, 4
BUDGET = 3
# A guard against a stalled or deadlocked server, not a speed target (speed lives in bench/): on a
# quiet machine the phones finish in 25–45 s; CI machines are shared, so allow a wide margin.
TIME_LIMIT = 300.0


class Phone:
    """A browser as far as the server can tell: its own cookies, forms posted with their CSRF token."""

    def __init__(self, port: int, log: list):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.log = log

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        body = urlencode(form).encode() if form is not None else None
        head = {"Connection": "close", "Accept-Language": "ja", **(headers or {})}
        if body is not None:
            head["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        t0 = time.perf_counter()
        for attempt in range(3):
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                conn.request(method, path, body=body, headers=head)
                response = conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (ConnectionResetError, ConnectionRefusedError, http.client.RemoteDisconnected):
                # Never seen in practice; a refused connection is a failed request all the same.
                self.log.append((method, path, "connection-error"))
                if attempt == 2:
                    raise
                time.sleep(0.2)
            finally:
                conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        self.log.append((method, path.split("?")[0], response.status, time.perf_counter() - t0))
        return response.status, response.headers, text

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, form: dict):
        return self.request("POST", path, form)


def _csrf(text: str) -> str:
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', text).group(1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(app, database_url, tmp_path):
    """gunicorn serving the app on this test's database (migrated and seeded like every test's)."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "CONSULT_SECRET_KEY": "load-test-secret",
           # One hall, one address: lift the per-address ceiling (sized for a 40-phone hall) for 300 phones.
           "CONSULT_RATE_LIMIT_WRITES_PER_ADDRESS": "100000/minute"}
    env.pop("CONSULT_RATELIMIT_ENABLED", None)
    log = tmp_path / "gunicorn.log"
    db.session.remove()  # nothing of the test's own left open while the server writes
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "--threads", str(THREADS),
             "-b", f"127.0.0.1:{port}", "--graceful-timeout", "5", "consult:create_app()"],
            cwd=Path(__file__).resolve().parents[2], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/w")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            finally:
                conn.close()
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("gunicorn did not start:\n" + log.read_text(errors="replace")[-3000:])
            time.sleep(0.2)
        yield port, log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _phone_script(port: int, code: str, i: int, tables: list[int], topics: list[int], proposals: dict,
                  log: list, outcome: dict) -> None:
    """One person's phone: join; two notes, the first sent twice; dots: one sent twice, then three
    tapped at once from the same page when only two are left — one of them is refused."""
    phone = Phone(port, log)
    # Eight tables, every topic at every table: about 9 people write on one topic at one table.
    table, topic = tables[i % len(tables)], topics[(i // len(tables)) % len(topics)]
    status, _h, text = phone.get(f"/w/{code}?table={table}")
    assert status == 200, ("join form", status)
    status, _h, _t = phone.post(f"/w/{code}/join", {"csrf_token": _csrf(text), "table": str(table), "ward": "",
                                                    "relation": "resident" if i % 2 else "", "age_band": ""})
    assert status == 303, ("join", status)

    bodies = [f"端末{i:03d}：窓口についての付箋1", f"端末{i:03d}：まちづくりについての付箋2"]
    for n, body in enumerate(bodies):
        status, _h, text = phone.get(f"/w/{code}")  # as after the redirect: a fresh form
        assert status == 200, ("phone page", status)
        form = {"csrf_token": _csrf(text), "topic": str(topic), "body": body,
                "submission_key": re.search(r'name="submission_key" value="([^"]+)"', text).group(1)}
        for _repeat in range(2 if n == 0 else 1):  # the first note is sent twice (a double tap)
            status, _h, _t = phone.post(f"/w/{code}/notes", form)
            assert status == 303, ("note", status)

    status, _h, text = phone.get(f"/w/{code}/dots?topic={topic}&table={table}")
    assert status == 200, ("dots page", status)
    token = _csrf(text)
    ids = {html_lib.unescape(body): int(cid) for cid, body in
           re.findall(r'id="target-c(\d+)" class="ws-target">\s*<p class="ws-body" lang="ja">([^<]*)</p>', text)}
    slot = int(re.search(r'name="slot" value="(\d+)"', text).group(1))
    assert slot == 1, ("first free slot", slot)
    mine = [ids[b] for b in bodies]
    other = ids.get(f"端末{(i + 32) % PHONES:03d}：窓口についての付箋1", mine[1])  # a neighbour's note, if there yet

    def dot(target):
        return phone.post(f"/w/{code}/dots", {"csrf_token": token, "target": target, "slot": str(slot),
                                              "topic": str(topic), "table": str(table)})

    first = f"c{mine[0]}"
    assert dot(first)[0] == 303
    assert dot(first)[0] == 303  # the same form again: still one dot
    racers = [f"p{proposals[topic]}", f"c{mine[1]}", f"c{other}"]
    results = {}

    def race(n, target):
        results[n] = (target, dot(target))

    threads = [threading.Thread(target=race, args=(n, t)) for n, t in enumerate(racers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(r[1][0] for r in results.values())
    assert statuses == [303, 303, 422], ("race", statuses)
    refused = next(r[1][2] for r in results.values() if r[1][0] == 422)
    assert "ドットはもう残っていません（残り0個）" in refused
    winners = sorted(target for target, r in results.values() if r[0] == 303)
    outcome[i] = {"bodies": bodies, "first": first, "others": winners}


def _projector(port: int, workshop_id: int, email: str, password: str, stop: threading.Event, log: list,
               seen: Counter, last: dict) -> None:
    """The projector laptop: signed in as the facilitator, polling like workshops-projector.js."""
    staff = Phone(port, log)
    _s, _h, text = staff.get("/login")
    status, _h, _t = staff.post("/login", {"csrf_token": _csrf(text), "email": email, "password": password})
    assert status == 303, ("login", status)
    etag = None
    while True:
        status, headers, text = staff.request("GET", f"/staff/c/kumamoto-ward-offices-h26/workshops/{workshop_id}/projector.json",
                                              headers={"If-None-Match": etag} if etag else {})
        seen[status] += 1
        etag = headers.get("ETag") or etag
        if status == 200:
            last.update(json.loads(text))
        if stop.is_set() and status == 304:
            return
        time.sleep(1.0)


def _print_summary(log: list, duration: float, statuses: Counter, seen: Counter) -> None:
    """Figures for the record (shown with pytest -s): requests, statuses, latency per route."""
    latency: dict = {}
    for method, path, _status, *took in log:
        if took:
            route = re.sub(r"/\d+", "/<id>", re.sub(r"^/w/[A-Z0-9]+", "/w/<code>", path))
            latency.setdefault(f"{method} {route}", []).append(took[0])
    print(f"\nLOAD: {PHONES} phones, {len(log)} requests in {duration:.1f} s ({len(log) / duration:.0f}/s); "
          f"statuses {dict(sorted(statuses.items(), key=str))}; projector polls {dict(seen)}")
    for route, values in sorted(latency.items()):
        values.sort()
        print(f"  {route:44} {len(values):5}  median {values[len(values) // 2] * 1000:4.0f} ms"
              f"  p95 {values[int(len(values) * .95)] * 1000:4.0f} ms")


def test_three_hundred_phones(app, server):
    port, server_log = server
    w = db.session.scalar(select(Workshop).where(Workshop.key == "ws-chuo"))
    facilitator = create_user("load-facilitator@example.jp", "facilitator", "load test password!")
    w.facilitator_id = facilitator.id
    w.dots_per_participant = BUDGET
    db.session.commit()
    ws.open_workshop(w, facilitator)
    code, workshop_id = w.join_code, w.id
    tables = [t.id for t in w.tables]
    topics = [t.id for t in w.topics]
    proposals = {t.id: t.proposals[0].id for t in w.topics}
    db.session.remove()

    log: list = []
    outcome: dict = {}
    failures: list = []
    seen: Counter = Counter()
    last: dict = {}
    stop = threading.Event()
    projector = threading.Thread(target=_projector, args=(port, workshop_id, "load-facilitator@example.jp",
                                                          "load test password!", stop, log, seen, last))
    projector.start()

    def run(i):
        try:
            _phone_script(port, code, i, tables, topics, proposals, log, outcome)
        except Exception as exc:  # noqa: BLE001 — collected and reported below
            failures.append((i, repr(exc)))

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=CLIENT_THREADS) as pool:
        list(pool.map(run, range(PHONES)))
    duration = time.monotonic() - started
    stop.set()
    projector.join(timeout=30)

    statuses = Counter(entry[2] for entry in log)
    server_errors = [e for e in log if isinstance(e[2], int) and e[2] >= 500]
    _print_summary(log, duration, statuses, seen)
    errors_logged = server_log.read_text(errors="replace")
    assert server_errors == [] and "connection-error" not in statuses, (server_errors[:5], errors_logged[-5000:])
    assert failures == [], failures[:5]
    assert duration < TIME_LIMIT, f"{duration:.1f} s"
    assert seen[304] >= 1 and seen[200] >= 1  # the projector saw changes and then a cheap 304
    # The projector's last full answer, confirmed current by the 304 that followed it, has it all.
    assert (last["participants"], last["notes_total"], last["dots_total"]) == (PHONES, 2 * PHONES, BUDGET * PHONES)

    # Every note exactly once, attributed to its phone; every budget respected; every dot where it went.
    db.session.remove()
    notes = db.session.execute(select(Comment.body, Comment.participant_id, Comment.id, Comment.channel,
                                      Comment.ward_code, Comment.table_id)
                               .where(Comment.workshop_id == workshop_id)).all()
    expected_bodies = sorted(b for o in outcome.values() for b in o["bodies"])
    assert sorted(n.body for n in notes) == expected_bodies and len(notes) == 2 * PHONES
    assert {(n.channel, n.ward_code) for n in notes} == {("workshop", "chuo")}
    assert db.session.scalar(select(func.count(WorkshopSeat.id)).where(WorkshopSeat.workshop_id == workshop_id)) == PHONES
    owner = {n.body: n.participant_id for n in notes}
    dots = db.session.execute(select(DotVote.participant_id, DotVote.slot, DotVote.comment_id, DotVote.proposal_id)
                              .where(DotVote.workshop_id == workshop_id)).all()
    per_participant = Counter(d.participant_id for d in dots)
    assert max(per_participant.values()) == BUDGET and len(dots) == BUDGET * PHONES
    stored = {(d.participant_id, d.slot): (f"c{d.comment_id}" if d.comment_id else f"p{d.proposal_id}") for d in dots}
    for i, o in outcome.items():
        participant = owner[o["bodies"][0]]
        assert owner[o["bodies"][1]] == participant
        assert stored.get((participant, 1)) == o["first"], i
        assert sorted([stored.get((participant, 2)), stored.get((participant, 3))]) == o["others"], i
    assert "Traceback" not in errors_logged and "unhandled error" not in errors_logged, errors_logged[-3000:]
