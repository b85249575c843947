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

from yubi.cli import main

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
