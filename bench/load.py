"""The load generator: wrk (Debian's package) with a Lua script made for each endpoint.

Each script sends its list of requests round-robin (a fresh unique key replaces ``@KEY@`` in a
body, for the submission keys of the forms), counts the responses by status in every thread, and
prints one ``BENCHJSON {...}`` line at the end with the throughput, the latency percentiles (wrk
records every request's latency) and the status counts.

Beside wrk's figures, the CPU time the server's processes spent during the run (from
/proc/<pid>/stat) gives the CPU cost of one request: a figure that holds better than throughput
when other work shares the machine.
"""

import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Req:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""


@dataclass
class Result:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    statuses: dict[str, int]
    errors: dict[str, int]
    connections: int
    cpu_ms_per_request: float | None = None
    loadavg: float | None = None
    tool: str = "wrk"

    def as_dict(self) -> dict:
        return asdict(self)

    def count(self, *codes: int) -> int:
        return sum(self.statuses.get(str(c), 0) for c in codes)


def wrk_path() -> str | None:
    return shutil.which("wrk")


def _lua_string(text: str) -> str:
    out = []
    for byte in text.encode("utf-8"):
        ch = chr(byte)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 32 <= byte < 127:
            out.append(ch)
        else:
            out.append(f"\\{byte}")
    return '"' + "".join(out) + '"'


def lua_script(requests: list[Req]) -> str:
    items = []
    for r in requests:
        headers = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in r.headers.items())
        items.append(f"  {{ {_lua_string(r.method)}, {_lua_string(r.path)}, {{ {headers} }}, "
                     f"{_lua_string(r.body) if r.body else 'nil'} }},")
    return LUA_TEMPLATE.replace("--ITEMS--", "\n".join(items))


LUA_TEMPLATE = r"""
-- made by bench/load.py
local items = {
--ITEMS--
}
local threads = {}
local counter = 0
tid = 0
statuses = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  math.randomseed(os.time() + tid * 7919)
  counter = tid * 100003
end

function request()
  counter = counter + 1
  local item = items[(counter % #items) + 1]
  local body = item[4]
  if body ~= nil and string.find(body, "@KEY@", 1, true) then
    local key = string.format("b%d-%d-%d-%d", tid, counter, os.time(), math.random(1, 1000000000))
    body = string.gsub(body, "@KEY@", key)
  end
  return wrk.format(item[1], item[2], item[3], body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local all = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do all[code] = (all[code] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(all) do table.insert(parts, string.format('"%d": %d', code, n)) end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "mean_us": %f, "max_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d}, "statuses": {%s}}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean, latency.max, e.connect, e.read, e.write, e.status, e.timeout,
    table.concat(parts, ", ")))
end
"""


def process_cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / CLK_TCK


def run_wrk(base_url: str, requests: list[Req], *, seconds: float, connections: int, threads: int = 1,
            timeout_s: int = 120, server_pids: list[int] | None = None) -> Result:
    """One wrk run; raises when wrk fails or prints no result."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False, encoding="ascii") as fh:
        fh.write(lua_script(requests))
        script = fh.name
    cpu0 = process_cpu_seconds(server_pids or [])
    try:
        proc = subprocess.run([wrk_path() or "wrk", "-t", str(min(threads, connections)), "-c", str(connections),
                               "-d", f"{max(1, round(seconds))}s", "--timeout", f"{timeout_s}s", "-s", script,
                               base_url], capture_output=True, text=True, timeout=seconds + timeout_s + 60)
    finally:
        os.unlink(script)
    loadavg = os.getloadavg()[0]
    cpu = process_cpu_seconds(server_pids or []) - cpu0
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result (exit {proc.returncode}): {proc.stdout[-500:]} {proc.stderr[-500:]}")
    data = json.loads(line[len("BENCHJSON "):])
    secs = data["duration_us"] / 1e6
    n = data["requests"]
    return Result(requests=n, seconds=secs, rps=n / secs if secs else 0.0, p50_ms=data["p50_us"] / 1000,
                  p90_ms=data["p90_us"] / 1000, p99_ms=data["p99_us"] / 1000, mean_ms=data["mean_us"] / 1000,
                  max_ms=data["max_us"] / 1000, statuses={str(k): v for k, v in data["statuses"].items()},
                  errors=data["errors"], connections=connections,
                  cpu_ms_per_request=(1000 * cpu / n) if (server_pids and n) else None, loadavg=loadavg)


def run_sequential(port: int, request: Req, *, count: int, cookie: str = "",
                   server_pids: list[int] | None = None) -> Result:
    """``count`` requests one after another from Python: for endpoints too slow for a timed wrk run."""
    from .client import Browser

    browser = Browser(port)
    headers = dict(request.headers)
    if cookie:
        headers["Cookie"] = cookie
    times, statuses = [], {}
    cpu0 = process_cpu_seconds(server_pids or [])
    started = time.perf_counter()
    for _ in range(count):
        t0 = time.perf_counter()
        status, _h, _body = browser.request(request.method, request.path, headers=headers)
        times.append(time.perf_counter() - t0)
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    elapsed = time.perf_counter() - started
    cpu = process_cpu_seconds(server_pids or []) - cpu0
    browser.close()
    times.sort()

    def pct(p: float) -> float:
        return 1000 * times[min(len(times) - 1, int(round(p / 100 * (len(times) - 1))))]

    return Result(requests=count, seconds=elapsed, rps=count / elapsed, p50_ms=pct(50), p90_ms=pct(90),
                  p99_ms=pct(99), mean_ms=1000 * sum(times) / count, max_ms=1000 * times[-1], statuses=statuses,
                  errors={}, connections=1, cpu_ms_per_request=(1000 * cpu / count) if server_pids else None,
                  loadavg=os.getloadavg()[0], tool="python (sequential)")
