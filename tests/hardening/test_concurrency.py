"""Issue 11 §4: four processes writing the same case's forecasts or question at once.

Each repetition starts from a fresh store (an SQLite file, or a new PostgreSQL database, with
the current schema and no rows) that four forked processes open and write to together, released at one instant by a barrier:
before the fix, PostgreSQL failed 15 of 20 times on ``case_versions_sha256_key`` and 5 of 20
on ``uq_question_version``. The simulation is run once, before forking.
"""

from __future__ import annotations

import multiprocessing
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from yubi.store.database import open_engine
from yubi.store.models import CaseVersion, Prediction, Question

from .conftest import _store

PROCESSES = 4
REPETITIONS = 20
_context = multiprocessing.get_context("fork")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_stores(request: pytest.FixtureRequest, tmp_path: Path
                 ) -> Iterator[Callable[[int], str]]:
    """``fresh(k)``: the URL of a new store, schema migrated, for repetition ``k``.

    Copies of one migrated store (a file copy; ``CREATE DATABASE … TEMPLATE``): the race under
    test is the writes, not the migrations (which hold their own lock).
    """
    created: list[str] = []
    if request.param == "sqlite":
        template = tmp_path / "template.sqlite3"
        open_engine(f"sqlite:///{template}").dispose()
    else:
        admin = request.getfixturevalue("postgres_admin_url")
        base = admin.rsplit("/", 1)[0]
        template_name = f"yubi_tpl_{uuid.uuid4().hex[:10]}"
        _store._admin(admin, f'CREATE DATABASE "{template_name}"')
        created.append(template_name)
        open_engine(f"{base}/{template_name}").dispose()

    def fresh(k: int) -> str:
        if request.param == "sqlite":
            path = tmp_path / f"store-{k}.sqlite3"
            shutil.copyfile(template, path)
            return f"sqlite:///{path}"
        name = f"yubi_race_{uuid.uuid4().hex[:10]}"
        _store._admin(admin, f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
        created.insert(0, name)
        return f"{base}/{name}"

    yield fresh
    for name in created:
        _store._admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _race(url: str, work: Callable[[Any], None]) -> list[str]:
    """Run ``work(engine)`` in four processes released together; the errors they met."""
    barrier = _context.Barrier(PROCESSES)
    errors = _context.Queue()

    def child() -> None:
        try:
            engine = open_engine(url, migrate=False)  # migrated already: see fresh_stores
            barrier.wait(30)
            work(engine)
            engine.dispose()
        except BaseException as error:  # report everything, the parent asserts
            errors.put(f"{type(error).__name__}: {str(error)[:300]}")

    processes = [_context.Process(target=child) for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
    found = []
    while not errors.empty():
        found.append(errors.get())
    found += [f"exit code {p.exitcode}" for p in processes if p.exitcode not in (0, None)]
    return found


def _warm_up(fresh_stores: Callable[[int], str], work: Callable[[Any], None]) -> None:
    # Once in this process, so that the forked children inherit SQLAlchemy's compiled
    # statements and the imports: each repetition then costs little more than its writes.
    engine = open_engine(fresh_stores(-1), migrate=False)
    work(engine)
    engine.dispose()


@pytest.mark.slow
def test_four_processes_record_model_forecasts(fresh_stores: Callable[[int], str],
                                               mini_case) -> None:
    from yubi.engine import simulate
    from yubi.store.forecasts import model_questions, record_model_forecasts

    result = simulate(mini_case, 200, seed=0)
    questions = len(model_questions(mini_case))
    _warm_up(fresh_stores, lambda engine: record_model_forecasts(engine, mini_case, result))
    failures = []
    for k in range(REPETITIONS):
        url = fresh_stores(k)
        errors = _race(url, lambda engine: record_model_forecasts(engine, mini_case, result))
        engine = open_engine(url, migrate=False)
        with engine.connect() as connection:
            versions = connection.execute(select(func.count()).select_from(CaseVersion)).scalar()
            stored = connection.execute(select(func.count()).select_from(Question)).scalar()
            predictions = connection.execute(
                select(func.count()).select_from(Prediction)).scalar()
        engine.dispose()
        if errors or (versions, stored, predictions) != (1, questions, PROCESSES * questions):
            failures.append((k, errors, versions, stored, predictions))
    assert failures == [], f"{len(failures)} of {REPETITIONS} repetitions failed: {failures[:3]}"


@pytest.mark.slow
def test_four_processes_add_one_question(fresh_stores: Callable[[int], str]) -> None:
    import datetime as dt

    from yubi.store.forecasts import QuestionSpec, add_question, questions_as_of

    spec = QuestionSpec("pow-returned", "Are prisoners returned?", "Yes if any are.",
                        dt.date(2025, 12, 31))
    _warm_up(fresh_stores, lambda engine: add_question(engine, "mini-kursk", spec))
    failures = []
    for k in range(REPETITIONS):
        url = fresh_stores(k)
        errors = _race(url, lambda engine: add_question(engine, "mini-kursk", spec))
        engine = open_engine(url, migrate=False)
        with engine.connect() as connection:
            rows = connection.execute(select(func.count()).select_from(Question)).scalar()
        stored = questions_as_of(engine, "mini-kursk")
        engine.dispose()
        if errors or rows != 1 or stored != [spec]:
            failures.append((k, errors, rows))
    assert failures == [], f"{len(failures)} of {REPETITIONS} repetitions failed: {failures[:3]}"
