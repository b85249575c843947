"""Briefs made in the background: a job per request, its status polled, its files downloaded.

A brief takes seconds to minutes (simulation, sensitivity analyses, charts, PDF), so
``POST /cases/{case}/briefs`` answers at once with a job id. Jobs run one at a time in a
*spawned* worker process: the brief forks a process of its own to draw charts, which is safe
from a single-threaded process but not from the server's threads. The worker reports the step
it is in through a file in the job's folder. Jobs and their files live as long as the server
(in a temporary folder); the newest :data:`KEPT_JOBS` are kept.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import shutil
import tempfile
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["BriefJob", "BriefJobs", "TooManyJobsError"]

KEPT_JOBS = 50
PENDING_LIMIT = 4
STEP_FILE = "step.txt"
log = logging.getLogger("yubi.web")
#: make_brief's signature: case, changes, language, pdf, settings, folder -> file paths.
Maker = Callable[[str, dict[str, Any], str, bool, dict[str, Any], str], dict[str, str | None]]


class TooManyJobsError(Exception):
    """Too many briefs are waiting: the client should try later."""


@dataclass
class BriefJob:
    """One brief being made: what was asked, and where it stands."""

    id: str
    case: str
    language: str
    pdf: bool
    requested_by: str
    folder: Path
    created_at: dt.datetime
    future: Future[dict[str, str | None]] | None = field(default=None, repr=False)
    error: str | None = None

    @property
    def status(self) -> str:
        """``queued``, ``running``, ``done`` or ``failed``."""
        if self.future is None or not self.future.done():
            return "running" if (self.folder / STEP_FILE).exists() else "queued"
        return "failed" if self.error is not None or self.future.exception() else "done"

    def step(self) -> str | None:
        """The step the worker is in (e.g. ``simulate``), while it runs."""
        try:
            return (self.folder / STEP_FILE).read_text(encoding="utf-8") or None
        except OSError:
            return None

    def file(self, kind: str) -> Path | None:
        """The finished ``html`` or ``pdf`` file, if any."""
        if self.status != "done" or self.future is None:
            return None
        path = self.future.result().get(kind)
        return Path(path) if path else None


class BriefJobs:
    """The server's brief jobs (in memory) and the worker process that makes them."""

    def __init__(self, maker: Maker | None = None,
                 executor: Callable[[], Executor] | None = None) -> None:
        self._maker = maker or make_brief
        self._new_executor = executor or _spawned_worker
        self._root: Path | None = None
        self._jobs: OrderedDict[str, BriefJob] = OrderedDict()
        self._lock = threading.Lock()
        self._executor: Executor | None = None

    def submit(self, case: str, changes: Mapping[str, Any], language: str, pdf: bool,
               settings: Mapping[str, Any], requested_by: str) -> BriefJob:
        """Queue a brief; :class:`TooManyJobsError` when :data:`PENDING_LIMIT` are waiting."""
        with self._lock:
            pending = sum(1 for job in self._jobs.values() if job.status in ("queued", "running"))
            if pending >= PENDING_LIMIT:
                raise TooManyJobsError
            if self._root is None:  # made on first use, and again after a shutdown
                self._root = Path(tempfile.mkdtemp(prefix="yubi-briefs-"))
                self._executor = self._new_executor()
            assert self._executor is not None
            job_id = uuid.uuid4().hex
            folder = self._root / job_id
            folder.mkdir()
            job = BriefJob(job_id, case, language, pdf, requested_by, folder,
                           dt.datetime.now(dt.UTC))
            job.future = self._executor.submit(self._maker, case, dict(changes), language, pdf,
                                               dict(settings), str(folder))
            job.future.add_done_callback(lambda done: self._finished(job, done))
            self._jobs[job_id] = job
            while len(self._jobs) > KEPT_JOBS:
                _, old = self._jobs.popitem(last=False)
                shutil.rmtree(old.folder, ignore_errors=True)
        return job

    def get(self, job_id: str) -> BriefJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def shutdown(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
            if self._root is not None:
                shutil.rmtree(self._root, ignore_errors=True)
            self._executor = self._root = None
            self._jobs.clear()

    def _finished(self, job: BriefJob, done: Future[dict[str, str | None]]) -> None:
        if done.cancelled():
            job.error = "cancelled (the server is shutting down)"
            return
        error = done.exception()
        if error is None:
            return
        from yubi.errors import YubiInputError

        if isinstance(error, YubiInputError):
            job.error = str(error)
        else:
            incident = uuid.uuid4().hex[:12]
            log.error("brief job %s failed (incident %s)", job.id, incident, exc_info=error)
            job.error = f"internal error (incident {incident}); the server log has the details"


def _spawned_worker() -> Executor:
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))


def make_brief(case: str, changes: dict[str, Any], language: str, pdf: bool,
               settings: dict[str, Any], folder: str) -> dict[str, str | None]:
    """In the worker process: write the brief of ``case`` with ``changes`` to ``folder``."""
    from yubi import app
    from yubi.app.settings import Settings
    from yubi.brief import prepare, write_brief
    from yubi.brief.analyses import Timings

    class Steps(Timings):
        """Timings that also say, in the job's step file, which step is running."""

        @contextmanager
        def step(self, name: str) -> Iterator[None]:
            (Path(folder) / STEP_FILE).write_text(name, encoding="utf-8")
            with super().step(name):
                yield

    steps = Steps()
    with steps.step("load case"):
        compiled = app.open_case(case)
        if changes:
            compiled = app.apply_changes(compiled, changes)
    analyses = prepare(compiled, Settings(**settings), [language], steps)
    files = write_brief(compiled, Path(folder) / "out", language=language, pdf=pdf,
                        analyses=analyses)
    return {"html": str(files.html), "pdf": str(files.pdf) if files.pdf else None}
