"""``yubi brief``: writes the files and says where; bad input is one line and exit code 2."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from yubi.cli import main

SMALL = ["--samples", "4000", "--sobol-samples", "64", "--tornado-samples", "100"]
HARBOUR = str(Path(__file__).parent / "harbour.yaml")


def test_brief_writes_html_and_pdf_and_prints_where(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["brief", HARBOUR, "--lang", "ko", "--pdf", "--out", str(tmp_path),
                 "--timings", *SMALL])
    out, err = capsys.readouterr()
    assert code == 0, err
    html = tmp_path / "harbour-test-brief.ko.html"
    pdf = tmp_path / "harbour-test-brief.ko.pdf"
    assert html.exists() and pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    assert out.splitlines()[-2:] == [f"  {html}", f"  {pdf}"]
    for step in ("load case", "simulate", "sensitivity", "charts", "PDF (ko)", "total"):
        assert step in err


def test_brief_without_pdf_writes_only_html(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["brief", HARBOUR, "--out", str(tmp_path / "new"), "--outputs",
                 "income_krw", "--month", "2025-09", *SMALL])
    err = capsys.readouterr().err
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == ["harbour-test-brief.en.html"]
    html = (tmp_path / "new" / "harbour-test-brief.en.html").read_text(encoding="utf-8")
    assert "Key figures by September 2025" in html
    assert "--month 2025-09 --outputs income_krw" in html


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--lang", "xx"], "no translation for language 'xx'; available: en, ko"),
        (["--month", "2031-01"], "month 2031-01 is outside the horizon"),
        (["--outputs", "nope"], 'no output "nope"'),
        (["--samples", "0"], "--samples must be at least 1, not 0"),
        (["--sampler", "foo"], "--sampler must be mc, lhs or sobol, not 'foo'"),
        (["--sobol-samples", "-1"], "--sobol-samples must be at least 0 (0 skips the analysis)"),
        (["--as-of", "someday"], "--as-of must be a date YYYY-MM-DD (or 'today')"),
        (["--db", "sqlite:///x.db"], "--db names the evidence store, read only with --as-of"),
    ],
    ids=["language", "month", "output", "samples", "sampler", "sobol", "as-of", "db"],
)
def test_bad_input_is_one_line_and_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str,
) -> None:
    code = main(["brief", HARBOUR, "--out", str(tmp_path), *SMALL, *arguments])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert message in err
    assert not list(tmp_path.iterdir())


def test_out_must_be_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x")
    code = main(["brief", HARBOUR, "--out", str(target), *SMALL])
    assert code == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_two_languages_from_one_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["brief", HARBOUR, "--lang", "en,ko", "--pdf", "--out", str(tmp_path),
                 "--timings", *SMALL])
    out, err = capsys.readouterr()
    assert code == 0, err
    names = [f"harbour-test-brief.{lang}.{kind}" for lang in ("en", "ko") for kind in ("html", "pdf")]
    assert out.splitlines()[-4:] == [f"  {tmp_path / name}" for name in names]
    for name in names:
        assert (tmp_path / name).stat().st_size > 1000
    assert err.count("simulate ") == 1 and "PDF (en, ko)" in err  # one run, both PDFs


def test_warns_once_when_harfbuzz_subsetting_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("yubi.brief.pdf.harfbuzz_subset_missing", lambda: True)
    code = main(["brief", HARBOUR, "--out", str(tmp_path), "--pdf", *SMALL])
    err = capsys.readouterr().err
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "libharfbuzz-subset0" in warnings[0]


def test_a_progress_bar_on_a_terminal_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    arguments = ["brief", HARBOUR, "--out", str(tmp_path), *SMALL]
    assert main(arguments) == 0
    assert "/7 steps" not in capsys.readouterr().err  # not a terminal: no bar
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(arguments) == 0
    err = capsys.readouterr().err
    for step in ("load case", "simulate", "sensitivity: Sobol'", "HTML (en)"):
        assert step in err
    assert "/7 steps" in err
