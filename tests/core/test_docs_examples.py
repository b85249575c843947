"""Every bad case in docs/case-format.md gives exactly the message the docs show.

An example is a fenced ```` ```yaml bad-case ```` block followed by a ```` ```text message ````
block; the case is written to ``case.yaml`` and ``yubi validate case.yaml`` must print that
line on stderr and exit 2.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[2] / "docs" / "case-format.md"
EXAMPLE = re.compile(r"```yaml bad-case\n(?P<case>.*?)```\s*```text message\n(?P<message>.*?)\n```",
                     re.DOTALL)
EXAMPLES = [(match["case"], match["message"]) for match in EXAMPLE.finditer(DOCS.read_text())]


def test_the_docs_have_examples() -> None:
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize(("case", "message"), EXAMPLES,
                         ids=[f"example-{n}" for n in range(1, len(EXAMPLES) + 1)])
def test_each_bad_case_gives_the_message_the_docs_show(
    case: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "case.yaml").write_text(case, encoding="utf-8")
    result = cli("validate", "case.yaml")
    assert result.code == 2
    assert result.err.strip() == message
