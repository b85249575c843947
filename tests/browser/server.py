"""A workbench server for the browser tests: uvicorn in a thread on 127.0.0.1, on a fresh
SQLite store holding two users, the bundled case's evidence and some resolved forecasts.

Run by hand to look at the pages: ``python tests/browser/server.py`` (prints the address and
the users; Ctrl-C stops it).
"""

from __future__ import annotations

import datetime as dt
import socket
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

USERS = {"ana": ("analyst", "ana-workbench-pw"), "vic": ("viewer", "vic-workbench-pw")}
CASE = "dprk-russia-2024"


@dataclass
class Running:
    """A server that is up: its address and how to stop it."""

    url: str
    database_url: str
    server: object
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True  # type: ignore[attr-defined]
        self.thread.join(timeout=10)


def seed(database_url: str) -> None:
    """Users; the bundled case's events; the model's forecasts, two of them resolved."""
    from yubi import load_case, simulate
    from yubi.store import accounts, forecasts
    from yubi.store import evidence as evidence_store
    from yubi.store.database import open_engine

    engine = open_engine(database_url)
    try:
        for name, (role, password) in USERS.items():
            accounts.add_user(engine, name, role, password)
        case = load_case(CASE)
        events = Path(str(resources.files("yubi.cases").joinpath(f"{CASE}-events.csv")))
        evidence_store.import_file(engine, events, case)
        result = simulate(case, 2000, seed=1)
        forecasts.record_model_forecasts(engine, case, result, ["2024-12", "2025-03"],
                                         made_on=case.as_of)
        questions = forecasts.questions_as_of(engine, case.id)
        for k, question in enumerate(questions[:12]):
            forecasts.resolve(engine, case, question.question_id, "yes" if k % 3 else "no",
                              dt.date(2025, 4, 1), "browser test fixture")
    finally:
        engine.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(folder: Path) -> Running:
    """Seed a store in ``folder`` and serve it; returns once the server answers."""
    import uvicorn

    from yubi.web import create_app
    from yubi.web.settings import WebSettings

    database_url = f"sqlite:///{folder / 'store.db'}"
    seed(database_url)
    # A smaller brief than the server's default, so the download test takes seconds.
    app = create_app(WebSettings(database_url=database_url, run_workers=2, brief_samples=4000,
                                 brief_sobol_samples=64, brief_tornado_samples=200))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, name="yubi-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    return Running(f"http://127.0.0.1:{port}", database_url, server, thread)


if __name__ == "__main__":
    running = start(Path(tempfile.mkdtemp(prefix="yubi-serve-")))
    print(running.url, "users:", ", ".join(f"{n}/{p}" for n, (_, p) in USERS.items()))
    sys.stdout.flush()
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        running.stop()
