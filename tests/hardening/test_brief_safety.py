"""Issue 11 §1: the brief of a case with hostile text and links has no script and no bad link.

``yubi.html_safety.html_problems`` is the check (the workbench's page tests use it too); here
it is tested on known-bad snippets, then applied to a brief built from a case whose sources,
title and labels carry markup, scripts and event handlers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from yubi.html_safety import html_problems, safe_url

from .conftest import Cli, assert_input_error

HARBOUR = Path(__file__).parent.parent / "brief" / "harbour.yaml"
SCRIPT = '<script>alert(document.domain)</script>'
HANDLER = '" onmouseover="alert(1)" x="'


@pytest.mark.parametrize(("html", "problem"), [
    ("<p>ok</p>" + SCRIPT, "<script> element"),
    ('<svg><script href="x"></script></svg>', "<script> element"),
    ('<img src="x.png" onerror="alert(1)">', "event-handler attribute onerror"),
    ('<a href="javascript:alert(1)">x</a>', "is not an http(s) link"),
    ('<a href="java&#x09;script:alert(1)">x</a>', "is not an http(s) link"),
    ('<a href=" JAVASCRIPT:alert(1)">x</a>', "is not an http(s) link"),
    ('<a href="data:text/html,<b>x</b>">x</a>', "is not an http(s) link"),
    ('<img src="data:text/html;base64,PHNjcmlwdD4=">', "is not an http(s) link"),
    ('<iframe src="https://example.org"></iframe>', "<iframe> element"),
    ('<meta http-equiv="refresh" content="0;url=https://evil.example">', "http-equiv=refresh"),
    ('<div style="background: url(javascript:alert(1))">x</div>', "script in the style"),
    ("<style>@import url(https://evil.example/x.css);</style>", "script in a <style>"),
    ('<form action="https://evil.example"><input></form>', "<form> element"),
])
def test_the_check_finds(html: str, problem: str) -> None:
    problems = html_problems(html)
    assert any(problem in found for found in problems), problems


def test_the_check_passes_safe_html() -> None:
    html = ('<a href="#src-1">1</a> <a class="url" href="https://example.org/a?b=1">x</a> '
            '<img src="data:image/png;base64,iVBORw0KGgo=" alt="chart"> <a href="/cases/x">c</a>'
            '<p style="width: 40%">&lt;script&gt;alert(1)&lt;/script&gt;</p>')
    assert html_problems(html) == []


@pytest.mark.parametrize(("url", "kept"), [
    ("https://example.org/x", True), ("http://example.org", True),
    ("javascript:alert(1)", False), ("JavaScript:alert(1)", False), ("java\tscript:x", False),
    ("data:text/html,x", False), ("//evil.example", False), ("https:", False),
    ("ftp://example.org", False), (None, False), ("", False),
])
def test_safe_url(url: str | None, kept: bool) -> None:
    assert (safe_url(url) is not None) is kept


def _hostile_harbour() -> str:
    text = HARBOUR.read_text(encoding="utf-8")
    text = text.replace('title: "An illustrative port report"',
                        f"title: '{SCRIPT} [bold]x[/bold]'")
    text = text.replace('publisher: "Test publisher"', f"publisher: '{HANDLER}'")
    text = text.replace('url: "https://example.org/port"',
                        "url: 'https://example.org/\"><script>alert(1)</script>'")
    return text.replace('title: {en: "Harbour closure (test case)"',
                        f"title: {{en: '<img src=x onerror=alert(1)> {SCRIPT}'")


def test_brief_of_a_hostile_case_has_no_script(tmp_path: Path, cli: Cli) -> None:
    case = tmp_path / "hostile.yaml"
    case.write_text(_hostile_harbour(), encoding="utf-8")
    result = cli("brief", case, "--out", tmp_path / "out", "-n", "2000",
                 "--sobol-samples", "0", "--tornado-samples", "0")
    assert result.code == 0, result.err
    (html_path,) = (tmp_path / "out").glob("*.html")
    html = html_path.read_text(encoding="utf-8")
    assert html_problems(html) == []
    assert "&lt;script&gt;alert(document.domain)&lt;/script&gt;" in html  # shown, not run


def test_a_javascript_source_url_is_refused(tmp_path: Path, cli: Cli) -> None:
    case = tmp_path / "js.yaml"
    case.write_text(HARBOUR.read_text(encoding="utf-8").replace(
        '"https://example.org/port"', '"javascript:alert(document.domain)"'), encoding="utf-8")
    result = cli("brief", case, "--out", tmp_path / "out")
    assert_input_error(result, "sources.port_report.url: a URL must start with http://")
