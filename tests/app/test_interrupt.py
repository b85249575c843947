"""Ctrl-C, or a Jupyter kernel interrupt, stops a multi-process run's workers at once.

A kernel interrupt sends SIGINT to the kernel process alone, so this sends it to the parent
only (not the process group) and checks that the parent returns and its forked workers are
gone within seconds, long before the run would have finished: once with forked workers
forced, once the way the engine chooses to run (threads or processes).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = """
import sys, yubi
import yubi.engine.run as engine
if sys.argv[1] == "processes":  # force forked workers, whatever the engine would choose
    engine._forking_pays = lambda *arguments: True
case = yubi.open_case()
yubi.run(case, samples=10_000, seed=1)          # warm: tables are built before forking
print("ready", flush=True)
try:
    yubi.run(case, samples=4_000_000, seed=1)   # long enough to be interrupted
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(130)
"""


def _children(pid: int) -> set[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(part) for part in path.read_text().split()} if path.exists() else set()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists() or (os.cpu_count() or 1) < 2,
                    reason="needs Linux /proc and two cores (runs fork only then)")
@pytest.mark.parametrize("mode", ["processes", "default"])
def test_sigint_stops_the_run_and_its_workers_at_once(mode: str) -> None:
    with subprocess.Popen([sys.executable, "-c", SCRIPT, mode], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as process:
        _interrupt_and_check(process, mode)


def _interrupt_and_check(process: subprocess.Popen[str], mode: str) -> None:
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + (60 if mode == "processes" else 1.5)
        while not (workers := _children(process.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        if mode == "processes":
            assert workers, "the run did not fork worker processes"
        time.sleep(0.5)
        interrupted = time.monotonic()
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
        stopped = time.monotonic() - interrupted
        out = process.stdout.read()
        assert code == 130 and "interrupted" in out, process.stderr.read() if process.stderr else ""
        assert stopped < 5.0, f"the run took {stopped:.1f} s to stop"
        deadline = time.monotonic() + 5
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(pid) for pid in workers), "worker processes outlived the run"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
