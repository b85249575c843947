"""``yubi run --as-of`` under evidence, and ``yubi check``, end to end."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from yubi.cli import main

from .conftest import SYNTHETIC


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          capsys: pytest.CaptureFixture[str]) -> str:
    """A store holding one typed item about the synthetic case (favours "surge")."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    monkeypatch.setenv("YUBI_DATABASE_URL", url)
    code, _, err = cli(capsys, "evidence", "add", str(SYNTHETIC), "--date", "2025-03-01",
                       "--text", "a month of 120 arrivals", "--source", "registry",
                       "--reliability", "A", "--credibility", "1", "--indicator", "busy_month")
    assert code == 0, err
    return url


def test_run_as_of_reports_prior_posterior_and_ess(
    store: str, capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = cli(capsys, "run", str(SYNTHETIC), "-n", "3000", "--as-of", "today",
                       "--json")
    document = json.loads(out)
    assert code == 0
    assert document["as_of"] == "2025-01-01"  # the case's date: the prior's
    assert document["evidence_as_of"] == dt.datetime.now(dt.UTC).date().isoformat()
    assert [i["kind"] for i in document["evidence_items"]] == ["scenario"]
    scenarios = {s["id"]: s for s in document["scenarios"]}
    assert scenarios["surge"]["prior"] == 0.5
    # 0.5 · 0.7 / (0.5 · 0.7 + 0.5 · 0.2) = 0.78, up to the sample's scenario shares
    assert scenarios["surge"]["posterior"] == pytest.approx(0.78, abs=0.03)
    assert 2000 < document["effective_sample_size"] < 3000
    _, prior_out, _ = cli(capsys, "run", str(SYNTHETIC), "-n", "3000", "--json")
    prior = json.loads(prior_out)
    assert "posterior" not in prior["scenarios"][0] and "evidence_as_of" not in prior
    median = {d["id"]: d["series"][-1]["p50"] for d in document["outputs"]}
    prior_median = {d["id"]: d["series"][-1]["p50"] for d in prior["outputs"]}
    assert median["total"] > prior_median["total"]  # more weight on the faster scenario


def test_run_as_of_is_the_same_whatever_the_workers(
    store: str, capsys: pytest.CaptureFixture[str],
) -> None:
    runs = [cli(capsys, "run", str(SYNTHETIC), "-n", "2000", "--as-of", "today", "--json",
                "--workers", workers) for workers in ("1", "2")]
    assert runs[0][0] == runs[1][0] == 0
    assert runs[0][1] == runs[1][1]
    assert "threads in this process, not Dask workers" in runs[1][2]


def test_run_as_of_before_any_evidence_is_the_prior(
    store: str, capsys: pytest.CaptureFixture[str],
) -> None:
    # The store's clock: an item recorded today was not known on an earlier date.
    code, out, _ = cli(capsys, "run", str(SYNTHETIC), "-n", "500", "--as-of", "2025-12-31",
                       "--json")
    document = json.loads(out)
    assert code == 0 and document["evidence_items"] == []
    assert all(s["prior"] == s["posterior"] for s in document["scenarios"])
    assert document["effective_sample_size"] == 500


def test_run_as_of_text_says_which_is_which(
    store: str, capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = cli(capsys, "run", str(SYNTHETIC), "-n", "500", "--as-of", "today")
    assert code == 0
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert f"prior as of 2025-01-01, evidence to {today}" in out
    assert "steady 50% → " in out and "effective sample size" in out


def test_run_as_of_refuses_a_scheduler(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "run", str(SYNTHETIC), "-n", "500", "--as-of", "today",
                         "--scheduler", "tcp://127.0.0.1:1")
    assert code == 2 and out == ""
    assert "--scheduler" in err and "Traceback" not in err


def with_typed(tmp_path: Path, typed: str) -> Path:
    """A copy of the synthetic case whose condition indicator also types likelihoods."""
    text = SYNTHETIC.read_text(encoding="utf-8").replace(
        '    within: ["2025-01", "2025-03"]',
        f'    within: ["2025-01", "2025-03"]\n    likelihood: {typed}\n'
        '    assumption: "Synthetic: typed to compare with the model."')
    path = tmp_path / "typed.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_check_reports_a_typed_likelihood_the_model_contradicts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    from yubi.case import load_case
    from yubi.evidence.check import check_likelihoods

    model = {row.branch: row.model for row in check_likelihoods(load_case(SYNTHETIC), 4000)
             if row.indicator == "first_busy_quarter"}
    agreeing = with_typed(tmp_path, "{" + ", ".join(f"{b}: {max(p, 0.01):.3f}"
                                                    for b, p in model.items()) + "}")
    code, out, _ = cli(capsys, "check", str(agreeing), "-n", "4000")
    assert code == 0 and "no disagreement between typed likelihoods and the model" in out
    contradicted = with_typed(tmp_path, f"{{steady: 0.5, surge: {model['surge']:.3f}}}")
    code, out, _ = cli(capsys, "check", str(contradicted), "-n", "4000", "--json")
    document = json.loads(out)
    assert code == 0 and document["disagreements"] == 1
    wrong = [row for row in document["rows"] if row["disagrees"]]
    assert [(r["indicator"], r["branch"], r["typed"]) for r in wrong] == [
        ("first_busy_quarter", "steady", 0.5)]
    code, out, _ = cli(capsys, "validate", str(contradicted), "--deep")
    assert code == 0 and out.startswith("ok:") and "1 disagreements" in out
    assert "first_busy_quarter" in out


def test_check_without_typed_values_says_no_disagreement(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = cli(capsys, "check", str(SYNTHETIC), "-n", "1000")
    assert code == 0 and "first_busy_quarter" in out and "no disagreement" in out


def test_update_reports_the_effective_sample_size_after_each_item(
    store: str, capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = cli(capsys, "update", str(SYNTHETIC), "--json", "-n", "4000")
    document = json.loads(out)
    # Weights 0.2 (steady) and 0.7 (surge), half each: ESS = N · 0.45² / 0.265 ≈ 0.76 N.
    assert code == 0 and document["samples"] == 4000
    assert document["steps"][0]["effective_sample_size"] == pytest.approx(0.764 * 4000, rel=0.03)
    code, out, _ = cli(capsys, "update", str(SYNTHETIC), "-n", "4000")
    assert code == 0 and "ESS" in out and "4,000" in out
