"""Store benchmarks: a 100,000-row evidence import and ``yubi update`` over 10,000 items.

    python benchmarks/bench_store.py      # prints Markdown table rows

Targets from the store issue: 100,000 evidence rows import in under 10 s on SQLite; the update
over 10,000 items in under 1 s. ``$YUBI_BENCH_POSTGRES_URL`` (an empty database) adds the import
on PostgreSQL. Run by ``benchmarks/run.py`` through :data:`BENCHMARKS`.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, Figure, median_time

MINI_CASE = ROOT / "tests" / "store" / "data" / "mini-case.yaml"
IMPORT_ROWS = 100_000
UPDATE_ITEMS = 10_000
BENCHMARKS = ["import_sqlite", "import_postgres", "update_items"]


def _events(path: Path, count: int, prefix: str) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "date", "text", "source", "url", "reliability", "credibility",
                         "group", "lik_quick_kursk", "lik_protracted", "lik_russia_defeat"])
        for k in range(count):
            day = dt.date(2024, 11, 1) + dt.timedelta(days=k % 230)
            writer.writerow([f"{prefix}-{k}", day.isoformat(), f"synthetic event number {k}",
                             "benchmark generator", "https://example.org/e", "ABCDEF"[k % 6],
                             1 + k % 6, f"g{k % 500}" if k % 3 == 0 else "",
                             0.2 + (k % 7) / 10, 0.5, 0.9 - (k % 5) / 10])
    return path


def _time_import(url: str, label: str) -> Figure:
    from yubi.case import load_case
    from yubi.store.database import open_engine
    from yubi.store.evidence import count_rows, import_file

    case = load_case(MINI_CASE)
    with tempfile.TemporaryDirectory() as folder:
        path = _events(Path(folder) / "events.csv", IMPORT_ROWS, f"bench{time.time_ns()}")
        engine = open_engine(url.format(folder=folder))
        started = time.perf_counter()
        report = import_file(engine, path, case)
        elapsed = time.perf_counter() - started
        assert len(report.added) == IMPORT_ROWS and count_rows(engine) >= IMPORT_ROWS
        again = time.perf_counter()
        import_file(engine, path, case)  # idempotent re-import: checks, writes nothing
        reimport = time.perf_counter() - again
        engine.dispose()
    return Figure(f"evidence import, {IMPORT_ROWS:,} CSV rows, {label}", f"{elapsed:.2f} s",
                  "< 10 s (SQLite)", "ok" if elapsed < 10 else "slower",
                  f"validate + one transaction; re-import of the same file {reimport:.2f} s")


def import_sqlite() -> Figure:
    return _time_import("sqlite:///{folder}/bench.sqlite3", "SQLite (WAL)")


def import_postgres() -> list[Figure]:
    url = os.environ.get("YUBI_BENCH_POSTGRES_URL")
    return [_time_import(url, "PostgreSQL")] if url else []


def update_items() -> list[Figure]:
    from yubi.case import load_case
    from yubi.evidence.updating import update_case
    from yubi.store.database import open_engine
    from yubi.store.evidence import import_file, items_as_of

    case = load_case(MINI_CASE)
    with tempfile.TemporaryDirectory() as folder:
        engine = open_engine(f"sqlite:///{folder}/bench.sqlite3")
        import_file(engine, _events(Path(folder) / "e.csv", UPDATE_ITEMS, "u"), case)
        items = items_as_of(engine, case.id)
        compute = median_time(lambda: update_case(case, items))
        whole = median_time(lambda: json.dumps(
            update_case(case, items_as_of(engine, case.id)).to_dict()))
        engine.dispose()
    return [
        Figure(f"update over {UPDATE_ITEMS:,} items (sequential Bayes, groups)",
               f"{compute * 1000:.0f} ms", "< 1 s", "ok" if compute < 1 else "slower",
               "likelihoods → posteriors after every item"),
        Figure(f"`yubi update --json` work over {UPDATE_ITEMS:,} items",
               f"{whole * 1000:.0f} ms", "< 1 s", "ok" if whole < 1 else "slower",
               "read from SQLite + update + JSON document (no process start)"),
    ]


def main() -> None:
    for name in BENCHMARKS:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        result = globals()[name]()
        for figure in result if isinstance(result, list) else [result]:
            print(figure.row())


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
