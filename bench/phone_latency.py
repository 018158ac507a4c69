"""The 300-phone workshop load test (tests/workshops/test_load.py) with its request latencies:
a pytest plugin that reads the time each phone request took from the test's own log and prints
p50/p95/p99 per kind of request at the end.

    PYTHONPATH=. .venv/bin/pytest -p bench.phone_latency -m load -q tests/workshops/test_load.py -k three_hundred

Also the server's CPU time per request (gunicorn's master and workers, from the rusage of the
test's child processes), since the latencies on a shared machine move with its load.
"""

import resource
import statistics
from collections import defaultdict

_times: dict[str, list[float]] = defaultdict(list)


def _kind(method: str, path: str) -> str:
    tail = path.rstrip("/").rsplit("/", 1)[-1]
    return f"{method} …/{tail}" if tail in ("join", "notes", "dots", "projector.json", "login") else f"{method} phone page"


def pytest_configure(config):
    from tests.workshops import test_load

    original = test_load.Phone.request

    def timed(self, method, path, *args, **kwargs):
        result = original(self, method, path, *args, **kwargs)
        entry = self.log[-1]
        if len(entry) == 4:  # (method, path, status, seconds)
            _times[_kind(method, path)].append(entry[3])
            _times["all"].append(entry[3])
        return result

    test_load.Phone.request = timed


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000 if len(values) > 1 else values[0] * 1000


def pytest_terminal_summary(terminalreporter):
    if not _times:
        return
    # gunicorn (master and workers) is the test's only child process, waited for when the test ends.
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = children.ru_utime + children.ru_stime
    if server_cpu < 1:  # gunicorn was killed, not stopped: its workers' time is not ours to read
        terminalreporter.write_line("server CPU: not known (gunicorn did not stop in time)")
    else:
        terminalreporter.write_line(f"server CPU (gunicorn, start-up included): {server_cpu:.1f} s, "
                                    f"{1000 * server_cpu / len(_times['all']):.2f} ms per request")
    terminalreporter.write_line("phone requests: kind, n, p50 ms, p95 ms, p99 ms, max ms")
    for kind, values in sorted(_times.items()):
        terminalreporter.write_line(f"  {kind:<24} {len(values):>6} {_pct(values, 50):>8.1f} {_pct(values, 95):>8.1f} "
                                    f"{_pct(values, 99):>8.1f} {max(values) * 1000:>8.1f}")
