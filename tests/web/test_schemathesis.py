"""Schemathesis against the OpenAPI document, authenticated as an analyst: no 5xx, ever.

Bounded to a few examples per operation so the module runs in well under a minute. Briefs are
made by a stand-in (the real maker is tested in test_api.py): dozens of real briefs would take
minutes of CPU and say nothing more about the request handling being tested here.
"""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from tests.web.conftest import make_site

from yubi.web.jobs import BriefJobs


def fake_brief(case: str, changes: dict[str, Any], language: str, pdf: bool,
               brief_settings: dict[str, Any], folder: str) -> dict[str, str | None]:
    html = Path(folder) / "brief.html"
    html.write_text("<html></html>", encoding="utf-8")
    return {"html": str(html), "pdf": None}


def _site() -> Any:
    from argon2 import PasswordHasher

    from yubi.store import accounts

    # Made at import time (schemathesis reads the schema while pytest collects), before the
    # conftest fixtures run: cheap hashing here too.
    original = accounts._hasher
    accounts._hasher = lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    try:
        built = make_site(Path(tempfile.mkdtemp(prefix="yubi-st-")), max_samples=2000)
    finally:
        accounts._hasher = original
    built.app.state.briefs = BriefJobs(maker=fake_brief,
                                       executor=lambda: ThreadPoolExecutor(max_workers=1))
    return built


SITE = _site()
AUTH = SITE.bearer("ana")
# The coverage phase is not bounded by max_examples (hundreds of boundary cases per operation);
# the examples and fuzzing phases are.
CONFIG = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", SITE.app, headers=AUTH,
                                        config=CONFIG)


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=AUTH, checks=[not_a_server_error])
