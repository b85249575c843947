"""What a sensitivity analysis returns: one :class:`InputEffect` per input, in a result."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from yubi.case.schema import LocalText, Source

__all__ = ["InputEffect", "Method", "SensitivityResult"]

Method = Literal["sobol", "morris", "tornado"]
Interval = tuple[float, float]


@dataclass(frozen=True)
class InputEffect:
    """How much one input of a case moves the analysed statistic.

    The identity fields are filled for every method; the others only by the method named in
    their description (``None`` otherwise). Confidence intervals are ``(low, high)`` at 95%.

    Attributes
    ----------
    name
        The design column's name: a quantity id, ``"scenario"``, or ``"start:<scenario id>"``.
    label
        Reader-facing name, in every language the case gives.
    kind
        ``"quantity"``, ``"scenario"`` (which scenario unfolds) or ``"start"`` (when an
        uncertain scenario takes effect).
    sources
        Ids into the case's ``sources`` behind the input (for the scenario input: behind the
        priors). Empty when the input is an analyst assumption.
    assumption
        The analyst's stated reason when no source gives the number, else ``None``.
    importance
        The number the ranking uses (see :attr:`SensitivityResult.ranked_by`): the total
        Sobol' index (``full_first`` when chance is a sizeable share of the variance),
        Morris ``mu_star`` or the absolute tornado swing.
    first, first_ci
        Sobol' first-order index (share of the variance, 0–1) and its interval.
    total, total_ci
        Sobol' total index (share of the variance, 0–1) and its interval.
    mu_star, mu_star_ci
        Morris: mean absolute change of the statistic (its unit) when the input moves by 40%
        of its probability range (from its 20th to its 60th or its 40th to its 80th
        percentile).
    mu, sigma
        Morris: the signed mean and the standard deviation of those changes (a large
        ``sigma`` means interactions or non-linearity).
    low_value, high_value
        Tornado: the input at its 10th and 90th percentile (the quantity's declared unit; for
        a start, months after the horizon start; NaN for the scenario input).
    low_text, high_text
        Tornado: the same ends as text for readers (the scenario's label for the scenario
        input).
    low_output, high_output
        Tornado: the statistic with the input at ``low_value`` and at ``high_value``.
    swing, swing_ci
        Tornado: ``high_output - low_output`` (the statistic's unit) and, when
        month-by-month chance makes outputs noisy, a 95% interval from the paired replicates.
    by_scenario
        Tornado, scenario input only: the statistic with each scenario forced, by scenario id.
    full_first, full_first_ci
        Sobol', when the case is noisy or correlated: this input's own first-order index
        ``Var(E[Y | X_i]) / Var(Y)`` estimated from the base samples as given data (SALib
        RBD-FAST). Valid under dependence (for a correlated input it includes its partners'
        share: what learning this input alone would remove) and barely blurred by
        month-by-month chance, which makes it the ranking measure of noisy outputs.
    group
        Only when the case correlates this input with others: the names of its correlated
        group, itself included. Sobol' and Morris cannot separate correlated inputs, so the
        group is analysed as one input (drawn jointly, with its correlations): ``first``,
        ``total`` and ``mu_star`` are the group's.
    rank_correlation
        Sobol': Spearman's rank correlation between the input and the statistic over the
        case's joint uncertainty (sign = direction).
    note
        Anything a reader should know about this input's row (e.g. "within scenario X").
    """

    name: str
    label: LocalText
    kind: Literal["scenario", "quantity", "start"]
    sources: tuple[str, ...]
    assumption: str | None
    importance: float = math.nan
    first: float | None = None
    first_ci: Interval | None = None
    total: float | None = None
    total_ci: Interval | None = None
    mu_star: float | None = None
    mu_star_ci: Interval | None = None
    mu: float | None = None
    sigma: float | None = None
    low_value: float | None = None
    high_value: float | None = None
    low_text: str | None = None
    high_text: str | None = None
    low_output: float | None = None
    high_output: float | None = None
    swing: float | None = None
    swing_ci: Interval | None = None
    by_scenario: dict[str, float] | None = None
    full_first: float | None = None
    full_first_ci: Interval | None = None
    group: tuple[str, ...] | None = None
    rank_correlation: float | None = None
    note: str | None = None

    def with_values(self, **values: Any) -> InputEffect:
        """A copy with some fields replaced."""
        return replace(self, **values)

    def to_dict(self, sources: dict[str, Source] | None = None) -> dict[str, Any]:
        """A JSON-ready mapping; fields that do not apply are left out, NaN becomes ``None``.

        ``sources`` (the case's) expands each source id into its title, publisher, date and
        address.
        """
        document: dict[str, Any] = {
            "name": self.name,
            "label": _text(self.label),
            "kind": self.kind,
            "sources": [_source(i, (sources or {}).get(i)) for i in self.sources],
            "assumption": self.assumption,
            "importance": _number(self.importance),
        }
        for name in (
            "first", "first_ci", "total", "total_ci", "mu_star", "mu_star_ci", "mu", "sigma",
            "low_value", "high_value", "low_text", "high_text", "low_output", "high_output",
            "swing", "swing_ci", "by_scenario", "full_first", "full_first_ci", "group",
            "rank_correlation", "note",
        ):
            value = getattr(self, name)
            if value is not None:
                document[name] = _json(value)
        return document


@dataclass(frozen=True)
class SensitivityResult:
    """The sensitivity of one statistic of one output at one month.

    Attributes
    ----------
    method
        ``"sobol"``, ``"morris"`` or ``"tornado"``.
    output
        The output id.
    month
        ``YYYY-MM``.
    statistic
        ``"value"`` (the output itself) or a threshold id of the output: then the analysed
        statistic is the indicator of crossing it, whose mean is P(crossing).
    effects
        One entry per input, most important first.
    notes
        Caveats for readers: correlated inputs, unexplained (month-by-month) variance,
        inputs left out, a statistic that does not vary...
    case_id, output_label, unit
        The case, and the output's label and declared unit.
    statistic_label
        The threshold's label, or ``None`` for ``"value"``.
    samples
        Sobol': base samples N; Morris: trajectories; tornado: replicates per setting.
    evaluations
        Model evaluations (trajectories simulated), all blocks included.
    seed
        The seed; same case, arguments and seed → same numbers.
    elapsed
        Wall-clock seconds of the analysis (shared evaluations counted once, by the first).
    ranked_by
        Which field :attr:`InputEffect.importance` copies: ``"total"``, ``"full_first"``,
        ``"mu_star"`` or ``"swing"`` (absolute).
    mean, variance
        Of the statistic over the case's uncertainty (for a threshold: P(crossing) and
        P(1-P)), from the Sobol' base samples (blocks A and B, drawn from the case's joint
        law); NaN for Morris and the tornado.
    noise_share
        Share of the variance due to month-by-month chance (events, ``poisson()``...), which
        no input explains; ``None`` when the case has none or the method does not estimate it.
    baseline
        Tornado: the statistic with every input at its median (for a threshold: P(crossing)
        with the inputs drawn from their distributions).
    sources
        The case's sources cited by the effects, by id (for titles in tables and JSON).
    """

    method: Method
    output: str
    month: str
    statistic: str
    effects: list[InputEffect]
    notes: list[str]
    case_id: str
    output_label: LocalText
    unit: str
    statistic_label: LocalText | None
    samples: int
    evaluations: int
    seed: int
    elapsed: float
    ranked_by: str
    mean: float = math.nan
    variance: float = math.nan
    noise_share: float | None = None
    baseline: float | None = None
    sources: dict[str, Source] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """Input names, most important first."""
        return [effect.name for effect in self.effects]

    def effect(self, name: str) -> InputEffect:
        """The effect of the input ``name``."""
        for effect in self.effects:
            if effect.name == name:
                return effect
        raise KeyError(name)

    def source_titles(self, effect: InputEffect) -> list[str]:
        """Titles of the sources behind ``effect`` (ids when a title is missing)."""
        return [self.sources[i].title.en if i in self.sources else i for i in effect.sources]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready document (no NaN: missing numbers are ``None``)."""
        return {
            "case": self.case_id,
            "output": {"id": self.output, "label": _text(self.output_label), "unit": self.unit},
            "month": self.month,
            "statistic": {
                "id": self.statistic,
                "label": None if self.statistic_label is None else _text(self.statistic_label),
            },
            "method": self.method,
            "ranked_by": self.ranked_by,
            "samples": self.samples,
            "evaluations": self.evaluations,
            "seed": self.seed,
            "elapsed_seconds": round(self.elapsed, 3),
            "mean": _number(self.mean),
            "variance": _number(self.variance),
            "noise_share": _number(self.noise_share),
            "baseline": _number(self.baseline),
            "notes": list(self.notes),
            "effects": [effect.to_dict(self.sources) for effect in self.effects],
        }


def _text(text: LocalText) -> dict[str, str]:
    return {language: text.get(language) for language in sorted(text.languages)}


def _source(source_id: str, source: Source | None) -> dict[str, Any]:
    if source is None:
        return {"id": source_id}
    entry: dict[str, Any] = {"id": source_id, "title": source.title.en}
    for name in ("publisher", "date", "url"):
        value = getattr(source, name)
        if value is not None:
            entry[name] = str(value)
    return entry


def _number(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def _json(value: Any) -> Any:
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, tuple):
        return [_json(item) for item in value]
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    return value
