"""The brief's "To reproduce" line, run as printed beside the case file, writes the same brief."""

from __future__ import annotations

import html
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from yubi.app.settings import Settings
from yubi.cli import load_command, main
from yubi.cli.brief import brief_settings

HARBOUR = Path(__file__).parents[1] / "brief" / "harbour.yaml"
SMALL = ["--samples", "3000", "--sobol-samples", "64", "--tornado-samples", "100"]


def _reproduce_line(page: str) -> str:
    found = re.search(r'<pre class="command">([^<]*)</pre>', page)
    assert found is not None
    return html.unescape(found.group(1))


def _fact(page: str, name: str) -> str:
    found = re.search(rf"<dt>{re.escape(name)}</dt><dd>([^<]*)</dd>", page)
    assert found is not None, name
    return found.group(1)


def test_the_printed_line_reproduces_the_brief(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = tmp_path / "harbour.yaml"
    shutil.copy(HARBOUR, case)
    first = tmp_path / "first"
    assert main(["brief", str(case), "--out", str(first), "--seed", "5", "--sampler", "lhs",
                 "--outputs", "income_krw", *SMALL]) == 0
    capsys.readouterr()
    page = (first / "harbour-test-brief.en.html").read_text(encoding="utf-8")
    line = _reproduce_line(page)
    words = shlex.split(line)
    assert words[:3] == ["yubi", "brief", "harbour.yaml"]  # the file, not the case's id
    for setting in ("--samples 3000", "--seed 5", "--sampler lhs", "--sobol-samples 64",
                    "--tornado-samples 100", "--month 2026-06", "--outputs income_krw",
                    "--lang en"):
        assert setting in line
    # Pasted into a shell in the case file's folder: the brief goes to ./out.
    done = subprocess.run([sys.executable, "-c", "from yubi.cli import run; run()", *words[1:]],
                          cwd=tmp_path, capture_output=True, text=True, check=False,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    again = (tmp_path / "out" / "harbour-test-brief.en.html").read_text(encoding="utf-8")
    for fact in ("Case file SHA-256", "Seed", "Trajectories", "Sampler"):
        assert _fact(again, fact) == _fact(page, fact)
    assert _reproduce_line(again) == line


# The bundled test functions have one month: matplotlib warns about the fan chart's x axis.
@pytest.mark.filterwarnings("ignore:Attempting to set identical low and high xlims")
def test_a_bundled_case_is_named_by_its_bundled_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The installed file's path is not portable; the bundled name works anywhere.
    assert main(["brief", "linear", "--out", str(tmp_path), "--samples", "2000",
                 "--sobol-samples", "0", "--tornado-samples", "0"]) == 0
    capsys.readouterr()
    page = next(tmp_path.glob("*.en.html")).read_text(encoding="utf-8")
    assert shlex.split(_reproduce_line(page))[:3] == ["yubi", "brief", "linear"]


def _parsed(line: str) -> Settings:
    """The settings ``yubi brief`` builds from ``line``'s options."""
    words = shlex.split(line)
    assert words[:2] == ["yubi", "brief"]
    context = load_command("brief").make_context("brief", words[2:])
    return brief_settings(**context.params)


def test_every_setting_that_is_not_the_default_is_in_the_line() -> None:
    given = Settings(samples=3000, seed=5, sampler="sobol", month="2026-06",
                     key_outputs=("income_krw", "strike"), sobol_samples=0, tornado_samples=7,
                     languages=("en", "ko"), as_of="2025-01-31",
                     store="sqlite:////tmp/evidence.sqlite3")
    defaults = Settings()
    line = given.command(str(HARBOUR))
    for name in Settings.model_fields:
        assert getattr(given, name) != getattr(defaults, name), name  # each one is changed
    assert _parsed(line) == given


def test_the_line_hides_a_password_and_keeps_the_defaults() -> None:
    given = Settings(as_of="2025-01-31", store="postgresql://analyst:secret@db.example/yubi")
    line = given.command(str(HARBOUR), language="ko")
    assert "secret" not in line
    assert "--db 'postgresql://analyst:***@db.example/yubi'" in line
    for setting in ("--lang ko", "--samples 100000", "--seed 0", "--sampler mc",
                    "--sobol-samples 1024", "--tornado-samples 2000", "--as-of 2025-01-31"):
        assert setting in line
