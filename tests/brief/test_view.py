"""The reader view describes the case's inputs in the reader's words (brief and web share it)."""

from __future__ import annotations

from pathlib import Path

import yubi
from yubi.brief import Formatter, load_translations
from yubi.brief.view import CaseView

from .conftest import HERE


def _view(case_file: Path, language: str) -> CaseView:
    return CaseView(yubi.load_case(case_file), Formatter(language, load_translations(language)))


def test_a_distribution_is_described_in_words_with_its_truncation(tmp_path: Path) -> None:
    text = (HERE / "harbour.yaml").read_text(encoding="utf-8").replace(
        "distribution: {type: triangular, low: 20000, mode: 30000, high: 50000}",
        "distribution: {type: triangular, low: 20000, mode: 30000, high: 50000}\n"
        "    truncate: [null, 45000]")
    case_file = tmp_path / "harbour.yaml"
    case_file.write_text(text, encoding="utf-8")
    english = _view(case_file, "en").quantity_distribution("fee_per_ship")
    # The parameters as numbers (the table's unit column names the unit), the bound with it.
    assert english == ("triangular (low 20,000; most likely 30,000; high 50,000) "
                       "truncated to …$45,000 per ship")
    korean = _view(case_file, "ko").quantity_distribution("fee_per_ship")
    assert "최빈값" in korean and "절단" in korean and "most likely" not in korean


def test_every_text_falls_back_to_english_where_the_case_gives_no_other() -> None:
    view = _view(HERE / "harbour.yaml", "ko")
    labels = {q.name: q.label for q in view.quantities}
    assert labels["fee_per_ship"] == "선박당 수수료"
    assert all(s.label for s in view.scenarios)
