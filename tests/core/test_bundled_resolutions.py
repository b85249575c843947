"""The bundled case ships resolutions of its forecasting questions, so a hindcast scores at once.

``dprk-russia-2024-resolutions.csv`` (columns ``question,answer,date,source[,note]``) answers
the model questions (``<output>.<threshold>@<YYYY-MM>``) that the bundled events settle. A row
naming a question the case does not ask would never be scored; a row dated before the case's
own date would be a fact the case could have used.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from yubi.store.forecasts import model_questions

pytestmark = pytest.mark.xdist_group("bundled")


@pytest.fixture(scope="module")
def rows(bundled_path: Path) -> list[dict[str, str]]:
    path = bundled_path.with_name(bundled_path.stem + "-resolutions.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames is not None
        assert reader.fieldnames[:4] == ["question", "answer", "date", "source"]
        return list(reader)


def test_every_resolution_answers_a_question_of_the_case(rows, load_bundled) -> None:
    case = load_bundled("dprk-russia-2024")
    asked = {spec.question_id for spec in model_questions(case)}
    assert rows, "no resolutions: hindcast would score nothing"
    unknown = [row["question"] for row in rows if row["question"] not in asked]
    assert not unknown, f"not questions of the case: {unknown}"
    assert len({row["question"] for row in rows}) == len(rows), "a question resolved twice"


def test_resolutions_are_later_facts_with_a_source(rows, load_bundled) -> None:
    case = load_bundled("dprk-russia-2024")
    for row in rows:
        assert row["answer"] in ("yes", "no"), row
        assert dt.date.fromisoformat(row["date"]) > case.as_of, row
        assert len(row["source"].split()) >= 3, row

