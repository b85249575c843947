"""Reliability: concurrent writers lose nothing; a killed import leaves all or nothing.

Both run against SQLite and against the test PostgreSQL server.
"""

from __future__ import annotations

import csv
import datetime as dt
import multiprocessing
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from yubi.case import load_case
from yubi.store import evidence as ev
from yubi.store.database import check_integrity, open_engine
from yubi.store.models import AuditEntry, EvidenceRow

#: The small case of tests/store/data (named here: conftest is not importable under
#: pytest's importlib import mode).
MINI_CASE = Path(__file__).parent / "data" / "mini-case.yaml"

WRITERS = 8
SHARED_ROWS = 200
OWN_ITEMS = 25
KILL_ROWS = 100_000


def write_events(path: Path, count: int, prefix: str) -> Path:
    """``count`` valid evidence rows for the mini case, with likelihoods."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "date", "text", "source", "reliability", "credibility",
                         "lik_quick_kursk", "lik_protracted", "lik_russia_defeat"])
        for k in range(count):
            day = dt.date(2024, 11, 1) + dt.timedelta(days=k % 200)
            writer.writerow([f"{prefix}-{k}", day.isoformat(), f"event {k}", "generator", "B",
                             2, 0.2 + (k % 7) / 10, 0.5, 0.9 - (k % 5) / 10])
    return path


def concurrent_writer(url: str, shared: str, worker: int, start: object) -> None:
    """One of the writers: the shared file (idempotent), then its own items one by one."""
    case = load_case(MINI_CASE)
    engine = open_engine(url)
    start.wait()  # type: ignore[attr-defined]
    ev.import_file(engine, Path(shared), case)
    for k in range(OWN_ITEMS):
        ev.add_item(engine, ev.EvidenceItem(
            item_id=f"w{worker}-{k}", case_id=case.id, observed_on=dt.date(2025, 1, 1 + k),
            text=f"writer {worker} item {k}", source="test", reliability="C", credibility=3,
            indicator="nk_in_combat"))
    engine.dispose()


@pytest.mark.slow
def test_eight_concurrent_writers_lose_nothing(store_url: str, tmp_path: Path) -> None:
    shared = write_events(tmp_path / "shared.csv", SHARED_ROWS, "shared")
    open_engine(store_url).dispose()  # migrate once, as `yubi db upgrade` would
    # fork: the children start with yubi already imported (spawning 8 fresh interpreters on
    # 2 cores costs more than the test); no engine or connection is open across the fork.
    context = multiprocessing.get_context("fork")
    start = context.Barrier(WRITERS)
    processes = [context.Process(target=concurrent_writer,
                                 args=(store_url, str(shared), worker, start))
                 for worker in range(WRITERS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=240)
    assert [p.exitcode for p in processes] == [0] * WRITERS
    engine = open_engine(store_url)
    with engine.connect() as connection:
        rows = connection.execute(select(func.count()).select_from(EvidenceRow)).scalar_one()
        ids = connection.execute(
            select(func.count(func.distinct(EvidenceRow.item_id)))).scalar_one()
        top_version = connection.execute(select(func.max(EvidenceRow.version))).scalar_one()
        audits = connection.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    expected = SHARED_ROWS + WRITERS * OWN_ITEMS
    assert rows == ids == expected and top_version == 1
    assert audits == 1 + WRITERS * OWN_ITEMS  # one import wrote the shared rows; one per add
    assert check_integrity(engine) == []


IMPORT = "import sys; from yubi.cli import main; sys.exit(main(sys.argv[1:]))"


@pytest.mark.slow
def test_sigkill_during_a_large_import_leaves_all_or_nothing(store_url: str,
                                                              tmp_path: Path) -> None:
    big = write_events(tmp_path / "big.csv", KILL_ROWS, "big")
    open_engine(store_url).dispose()
    child = subprocess.Popen(
        [sys.executable, "-c", IMPORT, "evidence", "import", str(MINI_CASE), str(big),
         "--db", store_url],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"},
    )
    assert child.stderr is not None
    seen = []
    for line in child.stderr:  # the first chunk is written, the transaction still open
        seen.append(line)
        if line.startswith("written"):
            break
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)
    child.stderr.close()
    assert any(line.startswith("written") for line in seen), "".join(seen)
    assert child.returncode == -signal.SIGKILL

    engine = open_engine(store_url)
    assert ev.count_rows(engine) in (0, KILL_ROWS)
    assert check_integrity(engine) == []
    # The store opens cleanly and takes new writes.
    small = write_events(tmp_path / "small.csv", 10, "after")
    assert len(ev.import_file(engine, small, load_case(MINI_CASE)).added) == 10
    engine.dispose()
