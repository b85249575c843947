"""Load test of ``yubi serve``: concurrent clients on ``POST /api/v1/cases/{case}/runs``.

    python benchmarks/bench_web.py                 # 20 clients, 10,000 samples, 60 s
    python benchmarks/bench_web.py --duration 10   # a quick look

Starts ``yubi serve`` on a free loopback port (127.0.0.1 only) over a fresh SQLite store, with
one analyst and an API token; then ``--clients`` asyncio clients (httpx) each post runs one
after another for ``--duration`` seconds, alternating the plain case and a what-if change
(``troops_cap = 20000 to 60000``), each run with its own seed. Prints throughput, latency
percentiles and the errors (any answer but 200, or a failed request). The server runs at most
one simulation per core at once; the other requests wait in its line, so latency grows with
the number of clients while throughput stays that of the cores. Run by ``benchmarks/run.py``
through :data:`BENCHMARKS`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from common import ROOT, Figure

CASE = "dprk-russia-2024"
BENCHMARKS = ["load_test"]
CHANGES = ({}, {"troops_cap": "20000 to 60000"})


@dataclass
class Tally:
    """What the clients saw: one latency (s) per successful request, and the errors."""

    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def load_test(quick: bool = False, *, duration: float | None = None, clients: int = 20,
              samples: int = 10_000) -> list[Figure]:
    """Serve, load, stop; the figures for benchmarks/RESULTS.md (``quick``: 10 s of load)."""
    duration = duration if duration is not None else (10.0 if quick else 60.0)
    with tempfile.TemporaryDirectory(prefix="yubi-bench-web-") as folder:
        url = f"sqlite:///{Path(folder) / 'store.sqlite3'}"
        token = _account(url)
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-c", "from yubi.cli import run; run()", "serve", "--host",
             "127.0.0.1", "--port", str(port), "--db", url],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_for(base)
            server_cpu, client_cpu = _cpu_seconds(server.pid), time.process_time()
            tally, elapsed = asyncio.run(_load(base, token, duration, clients, samples))
            server_cpu = _cpu_seconds(server.pid) - server_cpu
            client_cpu = time.process_time() - client_cpu
        finally:
            server.terminate()
            server.wait(timeout=30)
    done = len(tally.latencies)
    errors = sum(tally.errors.values())
    name = f"web: {clients} clients POST /runs, {samples:,} samples, {duration:.0f} s"
    if not done:
        return [Figure(name, "no request succeeded", "no errors", "FAILED", str(tally.errors))]
    measured = (f"{done / elapsed:.2f} runs/s; p50 {tally.percentile(50) * 1000:.0f} ms, "
                f"p95 {tally.percentile(95) * 1000:.0f} ms, "
                f"p99 {tally.percentile(99) * 1000:.0f} ms; {errors} errors")
    note = (f"{done} runs; {os.cpu_count()} cores, one simulation per core at once, the rest "
            f"wait in line; loopback; mean {statistics.fmean(tally.latencies) * 1000:.0f} ms; "
            f"CPU used: server {server_cpu:.0f} s, load client {client_cpu:.1f} s, of "
            f"{elapsed * (os.cpu_count() or 1):.0f} core-seconds")
    if tally.errors:
        note += f"; errors: {tally.errors}"
    return [Figure(name, measured, "no errors", "ok" if not errors else "errors", note)]


async def _load(base: str, token: str, duration: float, clients: int,
                samples: int) -> tuple[Tally, float]:
    import httpx

    tally = Tally()
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    started = time.perf_counter()
    deadline = started + duration

    async def client(number: int, http: httpx.AsyncClient) -> None:
        k = 0
        while time.perf_counter() < deadline:
            body = {"samples": samples, "seed": number * 1_000_000 + k,
                    "changes": CHANGES[k % len(CHANGES)]}
            k += 1
            sent = time.perf_counter()
            try:
                answer = await http.post(f"{base}/api/v1/cases/{CASE}/runs", json=body)
            except httpx.HTTPError as error:
                tally.error(type(error).__name__)
                continue
            if answer.status_code == 200 and answer.content.startswith(b"{"):
                tally.latencies.append(time.perf_counter() - sent)
            else:
                tally.error(f"HTTP {answer.status_code}")

    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=120) as http:
        await asyncio.gather(*(client(n, http) for n in range(clients)))
    return tally, time.perf_counter() - started


def _account(url: str) -> str:
    from yubi.store import accounts
    from yubi.store.database import open_engine

    engine = open_engine(url)
    accounts.add_user(engine, "bench", "analyst", "bench-password")
    token = accounts.create_token(engine, "bench", "load test")[1]
    engine.dispose()
    return token


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(base: str, timeout: float = 60.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"yubi serve did not answer on {base} within {timeout:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients")
    parser.add_argument("--samples", type=int, default=10_000, help="trajectories per run")
    arguments = parser.parse_args()
    for figure in load_test(duration=arguments.duration, clients=arguments.clients,
                            samples=arguments.samples):
        print(figure.row())


if __name__ == "__main__":
    main()
