"""Fixtures of the application-layer tests: the bundled case, opened once per session."""

from __future__ import annotations

import pytest

from yubi import app
from yubi.case.model import Case


@pytest.fixture(scope="session")
def bundled() -> Case:
    return app.open_case()
