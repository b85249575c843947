"""Issue 9's must-show on the bundled case: its events move every observed output, and its
typed likelihoods agree with what the model itself implies.

Each test runs the command line as a user would (``yubi evidence import``, ``yubi run --as-of``,
``yubi check``) on a store of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("bundled")

#: (output, month, reported) of the bundled events file's observations on cumulative counts.
CASUALTY_REPORTS = [("casualties", "2024-12", 1100.0), ("casualties", "2025-01", 3000.0),
                    ("casualties", "2025-04", 4700.0), ("killed", "2025-01", 300.0)]


def yubi(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "import sys; from yubi.cli import main; sys.exit(main())", *args], capture_output=True,
                          text=True, env=env, timeout=300, check=False)


@pytest.fixture(scope="module")
def store_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("bundled-evidence")
    env = {**os.environ, "YUBI_DATABASE_URL": f"sqlite:///{folder / 'store.db'}"}
    done = yubi("evidence", "import", "dprk-russia-2024-events.csv", env=env)
    assert done.returncode == 0, done.stderr
    return env


def month_stats(run: dict, output: str, month: str) -> dict:
    series = next(item for item in run["outputs"] if item["id"] == output)["series"]
    return next(point for point in series if point["month"] == month)


def test_run_as_of_today_moves_the_observed_outputs(store_env: dict[str, str]) -> None:
    prior = json.loads(yubi("run", "--json", env=store_env).stdout)
    done = yubi("run", "--as-of", "today", "--json", env=store_env)
    assert done.returncode == 0, done.stderr
    posterior = json.loads(done.stdout)
    assert posterior["effective_sample_size"] > 0.05 * posterior["samples"]
    assert any(item["kind"] == "observation" and item["counted"]
               for item in posterior["evidence_items"])
    for output, month, reported in CASUALTY_REPORTS:
        before, after = month_stats(prior, output, month), month_stats(posterior, output, month)
        assert (after["p05"], after["p50"], after["p95"]) != (before["p05"], before["p50"],
                                                               before["p95"])
        assert after["p05"] <= reported <= after["p95"], (output, month, after)


def test_check_finds_no_disagreement_in_the_bundled_case() -> None:
    done = yubi("check", "dprk-russia-2024", env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    assert "no disagreement" in done.stdout


def test_check_reports_the_old_typed_values_for_prisoners(bundled_path: Path,
                                                           tmp_path: Path) -> None:
    text = bundled_path.read_text(encoding="utf-8")
    today = "likelihood: {quick_kursk: 0.94, protracted: 0.98, russia_defeat: 0.98}"
    assert text.count(today) == 1
    copy = tmp_path / "old-likelihoods.yaml"
    copy.write_text(text.replace(
        today, "likelihood: {quick_kursk: 0.5, protracted: 0.75, russia_defeat: 0.8}"),
        encoding="utf-8")
    done = yubi("check", str(copy), env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    flagged = {line.split("│")[1].strip() for line in done.stdout.splitlines()
               if "disagrees" in line}
    assert flagged == {"pows_captured"}
