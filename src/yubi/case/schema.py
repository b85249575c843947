"""The case-file schema: what a case *is*, as pydantic models.

A case file is YAML; :mod:`yubi.case.loader` reads it with line numbers and validates it
against :class:`CaseFile`. ``yubi schema`` prints :func:`json_schema` so editors can complete
and check case files. This module checks the shape of each part; cross-references (names in
expressions, units, source ids, priors) are checked by :mod:`yubi.case.compiler` which compiles
the case.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

__all__ = [
    "RANGE_PATTERN",
    "Actor",
    "Analog",
    "Branch",
    "CaseFile",
    "Claim",
    "ContextItem",
    "Dimension",
    "Distribution",
    "Event",
    "Flow",
    "Horizon",
    "Impact",
    "Indicator",
    "LocalText",
    "Output",
    "Override",
    "Quantity",
    "Recommendation",
    "Scenario",
    "ScenarioDimensions",
    "Source",
    "Start",
    "Stock",
    "Threshold",
    "json_schema",
]

IDENTIFIER = r"^[A-Za-z][A-Za-z0-9_]*$"
CASE_ID = r"^[a-z0-9][a-z0-9_-]*$"
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
#: ``"10000 to 13000"``: an analyst's 90% interval.
RANGE_PATTERN = re.compile(
    r"^\s*(?P<low>[-+]?[\d_.,]+(?:[eE][-+]?\d+)?)\s+to\s+(?P<high>[-+]?[\d_.,]+(?:[eE][-+]?\d+)?)\s*$"
)

#: Dates before this are typing mistakes (``0001-01-01``), not analysis dates.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2999, 12, 31)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: Names that expressions read as functions (``exp``, ``log``…): a quantity so named would
#: shadow the function or be shadowed by it. (``scenario`` is refused by the compiler.)
RESERVED_NAMES = frozenset({
    "min", "max", "clip", "where", "abs", "floor", "ceil", "round", "exp", "log", "log10",
    "log1p", "expm1", "sqrt", "sin", "cos", "tanh", "logistic", "poisson", "binomial",
    "bernoulli",
})
ALLOWED_URL_SCHEMES = ("http://", "https://")

Identifier = Annotated[str, Field(pattern=IDENTIFIER, max_length=64)]
Probability = Annotated[float, Field(ge=0, le=1)]


def _not_reserved(name: str) -> str:
    if name in RESERVED_NAMES:
        raise ValueError(f'"{name}" is the name of a function of expressions; choose another')
    return name


#: A quantity, stock, flow or event name: an identifier that is not a function's name.
Name = Annotated[Identifier, AfterValidator(_not_reserved)]


def _strict_date(value: Any) -> Any:
    """A date written ``YYYY-MM-DD`` (YAML reads it as a date), within a sane range."""
    if isinstance(value, dt.datetime):
        raise ValueError(f"{value.isoformat()} is a date and time; write the date YYYY-MM-DD")
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError as error:
            raise ValueError(f"{value!r} is not a valid date ({error})") from None
    if not isinstance(value, dt.date):
        raise ValueError(f"expected a date YYYY-MM-DD, not {value!r}")
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"{value.isoformat()} is outside {EARLIEST_DATE} to {LATEST_DATE}")
    return value


#: A calendar date written ``YYYY-MM-DD``; numbers, week dates and times are refused.
CaseDate = Annotated[dt.date, BeforeValidator(_strict_date)]


def _web_url(value: str | None) -> str | None:
    if value is None:
        return None
    if not value.strip().lower().startswith(ALLOWED_URL_SCHEMES) or any(
        character.isspace() or ord(character) < 32 for character in value.strip()
    ):
        raise ValueError(f"a URL must start with http:// or https:// (no spaces), not {value!r}")
    return value.strip()


#: A link a reader may follow: http or https only (never ``javascript:`` or ``data:``).
WebUrl = Annotated[str, AfterValidator(_web_url)]


def said(text: LocalText | None) -> bool:
    """Whether an ``assumption:`` says something (not absent, not blank)."""
    return text is not None and bool(text.en.strip())


_SOURCE = "Id(s) of entries under sources: where the number comes from."
_ASSUMPTION = 'Why the analyst assumes this when no source gives it; text or {en: …, ko: …}.'
_NOTE = "A note for the reader; text or {en: …, ko: …}."


class _Strict(BaseModel):
    # No NaN or infinity anywhere: ``.nan`` and ``.inf`` are valid YAML floats but no valid
    # parameter, bound, prior or threshold.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class LocalText(_Strict):
    """Reader-facing text in several languages. ``en`` is required; ``ko`` is expected."""

    model_config = ConfigDict(extra="allow", frozen=True)

    en: str
    ko: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_plain_string(cls, data: Any) -> Any:
        return {"en": data} if isinstance(data, str) else data

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # A plain string is English: editors must accept both forms.
        return {"anyOf": [{"type": "string"}, handler(core_schema)],
                "description": "Text for the reader: a plain string (English) or "
                "{en: …, ko: …} per language."}

    def get(self, language: str) -> str:
        """The text in ``language``, falling back to English."""
        value = (self.model_extra or {}).get(language) if language not in ("en", "ko") else None
        if language == "ko":
            value = self.ko
        return str(value or self.en)

    @property
    def languages(self) -> set[str]:
        found = {"en"} | ({"ko"} if self.ko else set())
        return found | {k for k, v in (self.model_extra or {}).items() if v}


class Source(_Strict):
    """Where a number or claim comes from."""

    title: LocalText = Field(description="The document's title, as the brief cites it.")
    publisher: str | None = Field(default=None, description="Who published it.")
    date: CaseDate | None = Field(default=None, description="Publication date, YYYY-MM-DD.")
    url: WebUrl | None = Field(default=None, description="An http(s) link to the document.")
    citation: LocalText | None = Field(
        default=None, description="A full citation, if any; text or {en: …, ko: …}.")
    language: str | None = Field(default=None, description="The document's language code.")
    note: LocalText | None = Field(default=None, description="What to know about the source.")


class Audience(_Strict):
    """A reader a scenario speaks to (``yubi: 2``): the brief heads its paragraph ``label``."""

    label: LocalText = Field(description='Heading in the brief, e.g. "For the ports authority".')


class KoreanWords(_Strict):
    """A Korean unit: the counter after a number (``12척``) and the noun alone (``선박``)."""

    counter: str = Field(description="Counter written after the number: 명, 척, 개, 발, 건.")
    word: str | None = Field(default=None, description="The noun alone, for axis labels.")


class UnitWords(_Strict):
    """How the brief writes one unit (``yubi: 2``), per language.

    ``en`` is ``[singular, plural]`` (or one word, plural by English rules); ``ko`` gives a
    counter (명, 척, 개, 발) written after the number, and optionally a noun for axis labels.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    en: str | Annotated[list[str], Field(min_length=1, max_length=2)] | None = Field(
        default=None, description="[singular, plural], e.g. [vessel, vessels].")
    ko: KoreanWords | None = Field(default=None, description="Korean: {counter: 척}.")
    dimension: str | None = Field(
        default=None, description="What it measures, for the reader of the file (not checked).")

    def english(self, name: str) -> tuple[str, str]:
        """(singular, plural) in English; the unit's name and its regular plural by default."""
        if isinstance(self.en, str):
            return self.en, english_plural(self.en)
        if self.en:
            return self.en[0], self.en[-1] if len(self.en) == 2 else english_plural(self.en[0])
        return name, english_plural(name)


def english_plural(word: str) -> str:
    """The regular English plural of a unit word: vessel → vessels, convoy → convoys.

    Abbreviations and symbols (``kg``, ``KRW``, ``MW``) are left as they are.
    """
    if len(word) < 3 or not word.isalpha() or not word.islower():
        return word
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


#: ``yubi: 1``'s scenario fields: audience id → (old field, the label the brief gave it).
V1_AUDIENCES: dict[str, tuple[str, dict[str, str]]] = {
    "regime": ("for_regime", {"en": "For the regime", "ko": "정권에 주는 의미"}),
    "south_korea": ("for_south_korea", {"en": "For South Korea", "ko": "한국에 주는 의미"}),
}

#: Frame sections of the brief whose titles a case may set under ``sections:``.
SECTION_KEYS = ("drivers", "impacts", "outcome_drivers", "indicators", "analogy", "claims",
                "preparation")


class Sections(_Strict):
    """Titles of the brief's frame sections (``yubi: 2``); neutral defaults when absent."""

    drivers: LocalText | None = Field(
        default=None, description='Section 3 (context, actors, sourced numbers), e.g. '
        '"The deal and its drivers". Default "The situation and its drivers".')
    impacts: LocalText | None = Field(default=None, description='Section 4. Default "Impacts".')
    outcome_drivers: LocalText | None = Field(
        default=None, description='Section 5. Default "What drives the outcomes".')
    indicators: LocalText | None = Field(
        default=None, description='Section 6. Default "Indicators to watch".')
    analogy: LocalText | None = Field(
        default=None, description='Section 7. Default "Historical analogy".')
    claims: LocalText | None = Field(
        default=None, description='Section 8. Default "The sources\' claims, checked".')
    preparation: LocalText | None = Field(
        default=None, description='Section 9. Default "Preparation".')


class Horizon(_Strict):
    """The simulated months: ``start`` (``YYYY-MM``) and how many months."""

    start: Annotated[str, Field(pattern=MONTH)]
    months: Annotated[int, Field(ge=1, le=600, strict=True)]

    @field_validator("start")
    @classmethod
    def _sane_year(cls, start: str) -> str:
        if not EARLIEST_DATE.year <= int(start[:4]) <= LATEST_DATE.year:
            raise ValueError(f"{start} is outside {EARLIEST_DATE.year} to {LATEST_DATE.year}")
        return start


# -- distributions -------------------------------------------------------------------------
class _Dist(_Strict):
    pass


class Normal(_Dist):
    type: Literal["normal"]
    mean: float
    sd: Annotated[float, Field(gt=0)]


class LogNormal(_Dist):
    """Lognormal by its median and the standard deviation of its logarithm."""

    type: Literal["lognormal"]
    median: Annotated[float, Field(gt=0)]
    sigma: Annotated[float, Field(gt=0)]


class Uniform(_Dist):
    type: Literal["uniform"]
    low: float
    high: float


class Triangular(_Dist):
    type: Literal["triangular"]
    low: float
    mode: float
    high: float


class Pert(_Dist):
    """Beta-PERT: ``low``, most likely ``mode``, ``high``; ``shape`` 4 is the classic."""

    type: Literal["pert"]
    low: float
    mode: float
    high: float
    shape: Annotated[float, Field(gt=0)] = 4.0


class Beta(_Dist):
    type: Literal["beta"]
    alpha: Annotated[float, Field(gt=0)]
    beta: Annotated[float, Field(gt=0)]
    low: float = 0.0
    high: float = 1.0


class Gamma(_Dist):
    type: Literal["gamma"]
    shape: Annotated[float, Field(gt=0)]
    scale: Annotated[float, Field(gt=0)]


class Poisson(_Dist):
    type: Literal["poisson"]
    lam: Annotated[float, Field(ge=0)]


class Bernoulli(_Dist):
    type: Literal["bernoulli"]
    p: Annotated[float, Field(ge=0, le=1)]


class Categorical(_Dist):
    type: Literal["categorical"]
    values: Annotated[list[float], Field(min_length=1)]
    weights: Annotated[list[float], Field(min_length=1)]


class Range(_Dist):
    """An analyst's interval: ``low`` to ``high`` holds ``confidence`` of the mass.

    Read as lognormal when both ends are positive, normal otherwise.
    """

    type: Literal["range"]
    low: float
    high: float
    confidence: Annotated[float, Field(gt=0, lt=1)] = 0.9


Distribution = Annotated[
    Normal | LogNormal | Uniform | Triangular | Pert | Beta | Gamma | Poisson | Bernoulli
    | Categorical | Range,
    Field(discriminator="type"),
]


# -- quantities ----------------------------------------------------------------------------
Confidence = Literal["low", "medium", "high"]


class _Definition(_Strict):
    """How a number is defined: exactly one of ``value``, ``distribution``, ``expr``."""

    value: float | str | None = Field(
        default=None, description='A constant, or an analyst range such as "10000 to 13000".'
    )
    distribution: Distribution | None = None
    expr: str | None = Field(default=None, description="A derived expression.")
    truncate: tuple[float | None, float | None] | None = Field(
        default=None, description="[low, high] bounds for a distribution; null for open."
    )

    @model_validator(mode="after")
    def _one_definition(self) -> _Definition:
        given = [k for k in ("value", "distribution", "expr") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of value, distribution or expr"
                + (f" (got {', '.join(given)})" if given else "")
            )
        if isinstance(self.value, str) and not RANGE_PATTERN.match(self.value):
            raise ValueError(
                f'value {self.value!r} is neither a number nor a range such as "10 to 20"'
            )
        if self.truncate is not None and self.expr is not None:
            raise ValueError("truncate applies to distributions, not to expressions")
        return self


class Quantity(_Definition):
    """An uncertain or derived input, with its unit and provenance."""

    label: LocalText
    unit: str = "1"
    source: str | list[str] | None = Field(
        default=None, description="Id(s) of entries under sources."
    )
    assumption: LocalText | None = Field(
        default=None, description="Why the analyst assumes this, when no source gives it."
    )
    note: LocalText | None = None
    analyst: str | None = None
    judged: CaseDate | None = None
    confidence: Confidence | None = None

    @model_validator(mode="after")
    def _has_provenance(self) -> Quantity:
        if not self.source and not said(self.assumption):
            raise ValueError('name a source, or say "assumption:" and why')
        return self


class Override(_Definition):
    """A scenario's replacement for a quantity's or flow's definition (same unit)."""

    source: str | list[str] | None = Field(default=None, description=_SOURCE)
    assumption: LocalText | None = Field(default=None, description=_ASSUMPTION)
    note: LocalText | None = Field(default=None, description=_NOTE)

    @model_validator(mode="after")
    def _has_provenance(self) -> Override:
        if not self.source and not said(self.assumption):
            raise ValueError('name a source, or say "assumption:" and why')
        return self


class Stock(_Strict):
    """A state carried from month to month.

    ``initial`` is a number or an expression over quantities. Give ``update`` (the new value,
    reading last month's values; the stock's own name is its previous value) or ``flow``
    (the net change per month, added each month).
    """

    label: LocalText
    unit: str = "1"
    initial: float | str = 0.0
    update: str | None = None
    flow: str | None = None
    note: LocalText | None = None

    @model_validator(mode="after")
    def _one_rule(self) -> Stock:
        if (self.update is None) == (self.flow is None):
            raise ValueError("give exactly one of update or flow")
        return self


class Flow(_Strict):
    """A monthly variable computed from quantities, last month's stocks and events."""

    label: LocalText
    unit: str = "1"
    expr: str
    note: LocalText | None = None


class Event(_Strict):
    """A stochastic event: each month it has not yet happened, it happens with ``hazard``."""

    label: LocalText
    hazard: str = Field(description="Monthly probability (dimensionless expression).")
    source: str | list[str] | None = Field(default=None, description=_SOURCE)
    assumption: LocalText | None = Field(default=None, description=_ASSUMPTION)
    note: LocalText | None = Field(default=None, description=_NOTE)

    @model_validator(mode="after")
    def _has_provenance(self) -> Event:
        if not self.source and not said(self.assumption):
            raise ValueError('name a source, or say "assumption:" and why')
        return self


class Dynamics(_Strict):
    stocks: dict[Name, Stock] = Field(default_factory=dict)
    flows: dict[Name, Flow] = Field(default_factory=dict)
    events: dict[Name, Event] = Field(default_factory=dict)


class Start(_Strict):
    """When a scenario takes effect: at a (possibly uncertain) month index, or after an event."""

    month: float | str | Distribution | None = Field(
        default=None, description='Months after the horizon start, e.g. 6 or "6 to 18".'
    )
    event: Identifier | None = Field(default=None, description="Takes effect after this event.")
    source: str | list[str] | None = Field(default=None, description=_SOURCE)
    assumption: LocalText | None = Field(default=None, description=_ASSUMPTION)

    @model_validator(mode="after")
    def _one_trigger(self) -> Start:
        if (self.month is None) == (self.event is None):
            raise ValueError("give exactly one of month or event")
        if isinstance(self.month, float | int) and not (
            math.isfinite(self.month) and self.month >= 0
        ):
            raise ValueError(f"month must be a number of months, 0 or more, not {self.month}")
        if isinstance(self.month, str) and not RANGE_PATTERN.match(self.month):
            raise ValueError(f'month {self.month!r} is neither a number nor a range "6 to 18"')
        if (
            self.month is not None
            and not isinstance(self.month, float | int)
            and not self.source
            and not said(self.assumption)
        ):
            raise ValueError('an uncertain start needs a source or an "assumption:"')
        return self


class _ScenarioBody(_Strict):
    """What a scenario and a branch of a dimension share: everything but the prior."""

    id: Identifier
    label: LocalText
    prior_source: str | list[str] | None = Field(
        default=None, description="Id(s) of the sources the prior comes from.")
    prior_assumption: LocalText | None = Field(
        default=None, description="Why the analyst gives this prior, when no source does.")
    description: LocalText | None = Field(default=None, description="What happens in it.")
    starts: Start | None = Field(
        default=None, description="When it takes effect; from the first month when absent.")
    overrides: dict[Identifier, Override] = Field(
        default_factory=dict, description="Quantities and flows defined otherwise in it.")
    implications_for: dict[Identifier, LocalText] = Field(
        default_factory=dict, description="What it means for each audience (ids under "
        "audiences:), e.g. {ports: {en: …, ko: …}}.", examples=[{"ports": "Exports reroute."}])
    for_regime: LocalText | None = Field(
        default=None, description="yubi: 1 only; read as implications_for.regime.")
    for_south_korea: LocalText | None = Field(
        default=None, description="yubi: 1 only; read as implications_for.south_korea.")
    implications: list[LocalText] = Field(
        default_factory=list, description="Implications, one paragraph each.")
    prepare: list[LocalText] = Field(
        default_factory=list, description="What to prepare should it unfold.")

    @model_validator(mode="after")
    def _prior_has_basis(self) -> _ScenarioBody:
        if not self.prior_source and not said(self.prior_assumption):
            raise ValueError('a prior needs prior_source or prior_assumption (and why)')
        return self

    def audience_texts(self) -> dict[str, LocalText]:
        """``implications_for``, with ``yubi: 1``'s ``for_regime``/``for_south_korea`` first."""
        texts = {audience: getattr(self, field) for audience, (field, _) in V1_AUDIENCES.items()
                 if getattr(self, field) is not None}
        return {**texts, **self.implications_for}


class Scenario(_ScenarioBody):
    """One of the mutually exclusive scenarios, drawn per trajectory with ``prior``."""

    prior: Probability


class Branch(_ScenarioBody):
    """A branch of a scenario dimension: a scenario whose prior may depend on another
    dimension's branch (``prior: {quick: 0.7, slow: 0.2}`` in a dimension with ``given:``)."""

    prior: Probability | dict[Identifier, Probability] = Field(
        description="Probability of the branch before evidence, 0 to 1; or, in a dimension "
        "with given:, one per branch of that dimension, e.g. {quick: 0.7, slow: 0.2}.",
        examples=[0.3, {"quick_kursk": 0.7, "protracted": 0.2}])

    def as_scenario(self, prior: float) -> Scenario:
        """This branch as a :class:`Scenario` with probability ``prior``."""
        fields = {name: getattr(self, name) for name in _ScenarioBody.model_fields}
        return Scenario(**fields, prior=prior)


class Dimension(_Strict):
    """One question the scenarios answer: exclusive branches whose priors sum to 1."""

    label: LocalText = Field(description='What the dimension asks, e.g. "How the fighting '
                             'ends".')
    given: Identifier | None = Field(
        default=None, description="An earlier dimension whose branch the priors depend on: "
        "each branch's prior is then a mapping from that dimension's branches.")
    branches: Annotated[list[Branch], Field(min_length=1)] = Field(
        description="The dimension's exclusive branches (scenarios: id, label, prior, "
        "overrides, …).")


class ScenarioDimensions(_Strict):
    """Scenarios that cross: a trajectory draws one branch of every dimension."""

    dimensions: Annotated[dict[Identifier, Dimension], Field(min_length=1)] = Field(
        description="The dimensions, in order: combinations are named first+second+…, "
        "the first dimension varying slowest.")

    def marginal_priors(self) -> dict[str, float]:
        """Each branch's probability, its conditional priors weighted by the given dimension's
        (best effort: what is inconsistent counts 0 here and is an error of the compiler)."""
        marginal: dict[str, float] = {}
        for dimension in self.dimensions.values():
            for branch in dimension.branches:
                prior = branch.prior
                if isinstance(prior, dict):
                    value = math.fsum(marginal.get(g, 0.0) * p for g, p in prior.items())
                else:
                    value = prior if dimension.given is None else 0.0
                marginal[branch.id] = min(max(value, 0.0), 1.0)
        return marginal


class Threshold(_Strict):
    id: Identifier
    label: LocalText
    above: float | None = None
    below: float | None = None

    @model_validator(mode="after")
    def _one_side(self) -> Threshold:
        if (self.above is None) == (self.below is None):
            raise ValueError("give exactly one of above or below")
        return self


class Output(_Strict):
    """A series to report: an expression over stocks, flows and quantities (in ``unit``).

    ``kind: event`` declares a 0/1 series (whether something has happened by that month):
    it is reported as a probability per month instead of quantiles.
    """

    label: LocalText
    unit: str = "1"
    expr: str | None = Field(default=None, description="Defaults to the output's own id.")
    kind: Literal["quantity", "event"] = Field(
        default="quantity", description='"event" for a 0/1 series (yes/no each month), '
        'reported as a probability; "quantity" (the default) for a number reported by '
        "quantiles.")
    thresholds: list[Threshold] = Field(default_factory=list)
    note: LocalText | None = None

    @model_validator(mode="after")
    def _event_is_yes_or_no(self) -> Output:
        if self.kind == "event" and self.thresholds:
            raise ValueError("an event output is reported as a probability; thresholds apply "
                             "only to quantities")
        if self.kind == "event" and self.unit.strip() not in ("", "1"):
            raise ValueError(f'an event output is 0 or 1 each month: its unit is "1", not '
                             f"{self.unit!r}")
        return self


# -- qualitative content -------------------------------------------------------------------
class ContextItem(_Strict):
    id: Identifier
    label: LocalText
    text: LocalText
    source: str | list[str] | None = None


class Actor(_Strict):
    id: Identifier
    label: LocalText
    interests: list[LocalText] = Field(default_factory=list)


class Impact(_Strict):
    id: Identifier
    label: LocalText
    direction: Literal["positive", "negative"]
    for_whom: str = Field(description="Actor id the impact is positive or negative for.")
    text: LocalText
    outputs: list[str] = Field(default_factory=list, description="Output ids that measure it.")
    source: str | list[str] | None = None


class Indicator(_Strict):
    """An observable signpost: a condition on the simulation (``when``), or typed likelihoods.

    ``when`` is a condition over outputs, observed in a trajectory if it holds in at least one
    month of its window: ``by`` (from the first month to that month) or ``within`` (two months,
    inclusive). P(observed | scenario) then comes from the trajectories. ``likelihood`` gives
    P(observed | scenario) per scenario id by hand, for what the model cannot express (say why
    under ``assumption:``).
    """

    id: Identifier
    label: LocalText
    description: LocalText | None = None
    when: str | None = Field(
        default=None, description='A condition on the simulation, e.g. "captured >= 1": the '
        "indicator is observed in a trajectory if it holds in at least one month of the "
        "window (by or within). It reads outputs (by id).",
        examples=["captured >= 1"])
    by: Annotated[str, Field(pattern=MONTH)] | None = Field(
        default=None, description="With when: the window runs from the first month to this "
        "month, YYYY-MM.", examples=["2025-01"])
    within: tuple[Annotated[str, Field(pattern=MONTH)],
                  Annotated[str, Field(pattern=MONTH)]] | None = Field(
        default=None, description="With when: the window, [first, last] months YYYY-MM, "
        "inclusive.", examples=[["2025-01", "2025-06"]])
    likelihood: dict[str, Annotated[float, Field(gt=0, le=1)]] | None = Field(
        default=None, description="P(observed | scenario) typed by hand, for every scenario "
        "id (or every branch of a dimension); for what the model cannot express.")
    source: str | list[str] | None = Field(default=None, description=_SOURCE)
    assumption: LocalText | None = Field(
        default=None, description="Why the analyst gives these likelihoods; for a typed "
        "likelihood without when, why the model cannot express the indicator.")

    @model_validator(mode="after")
    def _condition_or_likelihood(self) -> Indicator:
        windows = [key for key in ("by", "within") if getattr(self, key) is not None]
        if self.when is None and windows:
            raise ValueError(f"{windows[0]}: is the window of a when: condition; give when: too")
        if self.when is None and self.likelihood is None:
            raise ValueError('give when: (a condition on the simulation, e.g. "captured >= 1" '
                             "with by:) or likelihood: (P(observed | scenario) per scenario)")
        if self.when is not None and len(windows) != 1:
            raise ValueError("with when:, give exactly one of by: (a month YYYY-MM) or within: "
                             '(["YYYY-MM", "YYYY-MM"])' + (" (got both)" if windows else ""))
        if self.within is not None and self.within[0] > self.within[1]:
            raise ValueError(f"within: {self.within[0]} is after {self.within[1]}; give "
                             "[first, last]")
        if self.likelihood is not None and not self.source and not said(self.assumption):
            raise ValueError('name a source, or say "assumption:" and why')
        return self


class Claim(_Strict):
    """A number a source asserts, with how far it holds up."""

    id: Identifier
    text: LocalText
    value: float | str | None = None
    unit: str | None = None
    source: str | list[str]
    status: Literal["verified", "plausible", "unverified", "disputed", "false"]
    note: LocalText | None = None


class AnalogRow(_Strict):
    dimension: LocalText
    analog: LocalText
    current: LocalText
    source: str | list[str] | None = None


class Analog(_Strict):
    id: Identifier
    label: LocalText
    analog_label: LocalText
    current_label: LocalText
    rows: list[AnalogRow]


class Recommendation(_Strict):
    id: Identifier
    text: LocalText
    scenarios: list[str] = Field(default_factory=list, description="Empty means all scenarios.")
    source: str | list[str] | None = None


class CaseFile(_Strict):
    """A whole case file."""

    yubi: Literal[1, 2] = Field(
        1, description="Case-format version: 2 (current) or 1 (read as before; "
        "`yubi upgrade` rewrites it).", examples=[2])
    id: Annotated[str, Field(pattern=CASE_ID, max_length=64)] = Field(
        description="Short name: lower-case letters, digits, - and _.",
        examples=["harbour-2025"])
    title: LocalText = Field(description="The case's title; text or {en: …, ko: …}.")
    summary: LocalText | None = Field(default=None, description="A paragraph on the question.")
    as_of: CaseDate = Field(description="Date of the information, YYYY-MM-DD.")
    horizon: Horizon = Field(description="The simulated months.",
                             examples=[{"start": "2025-01", "months": 24}])
    analyst: str | None = Field(default=None, description="Who wrote the case.")
    languages: list[str] = Field(default_factory=lambda: ["en", "ko"],
                                 description="Languages the case's texts are written in.")
    audiences: dict[Identifier, Audience] = Field(
        default_factory=dict, description="Readers the scenarios speak to (yubi: 2); each "
        "scenario's implications_for gives a paragraph per audience.",
        examples=[{"ports": {"label": {"en": "For the ports authority", "ko": "항만청"}}}])
    sections: Sections = Field(
        default_factory=Sections, description="Titles of the brief's frame sections "
        "(yubi: 2); neutral defaults when absent.")
    units: dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z_0-9]*$")], UnitWords] | None = \
        Field(default=None, description="Each unit the case uses beyond the built-ins "
              "(person, KRW, USD, month, year, week, day, event) and its words per language. "
              "With this section an undeclared unit is an error.",
              examples=[{"vessel": {"en": ["vessel", "vessels"], "ko": {"counter": "척"}}}])
    sources: dict[Identifier, Source] = Field(description="Every document the case cites.")
    quantities: dict[Name, Quantity] = Field(description="Uncertain and derived inputs.")
    dynamics: Dynamics = Field(default_factory=Dynamics,
                               description="Stocks, flows and events, month by month.")
    dimensions: ScenarioDimensions | None = Field(
        default=None, description="Read from scenarios: {dimensions: …}; not a key of its own.")
    scenarios: list[Scenario] = Field(
        default_factory=list, description="Mutually exclusive scenarios with priors summing "
        "to 1; or {dimensions: {…}}: scenarios that cross, one branch per dimension.")
    outputs: Annotated[dict[Identifier, Output], Field(min_length=1)] = Field(
        description="The series the run and the brief report.")
    correlations: list[Correlation] = Field(
        default_factory=list, description="Rank correlations between uncertain quantities.")
    context: list[ContextItem] = Field(default_factory=list, description="Background.")
    actors: list[Actor] = Field(default_factory=list, description="Who acts, and why.")
    impacts: list[Impact] = Field(default_factory=list, description="Effects on actors.")
    indicators: list[Indicator] = Field(
        default_factory=list, description="Signposts: conditions on the simulation (when: "
        "with by: or within:), or typed P(observed | scenario).")
    claims: list[Claim] = Field(default_factory=list, description="Sources' claims, checked.")
    analogs: list[Analog] = Field(default_factory=list, description="Historical analogies.")
    recommendations: list[Recommendation] = Field(
        default_factory=list, description="What to do, overall or per scenario.")

    @model_validator(mode="before")
    @classmethod
    def _dimensions_apart(cls, data: Any) -> Any:
        """``scenarios: {dimensions: …}`` is read into :attr:`dimensions`; the branches then
        become :attr:`scenarios` (with their marginal priors) after validation."""
        if not isinstance(data, dict):
            return data
        if "dimensions" in data:
            raise ValueError('unknown key "dimensions"; scenario dimensions go under '
                             "scenarios: {dimensions: …}")
        scenarios = data.get("scenarios")
        if isinstance(scenarios, dict):
            return {**data, "dimensions": scenarios, "scenarios": []}
        if scenarios is None or scenarios == []:
            raise ValueError('missing required key "scenarios" (a list of scenarios, or '
                             "{dimensions: …})")
        return data

    @model_validator(mode="after")
    def _branches_as_scenarios(self) -> CaseFile:
        if self.dimensions is None:
            return self
        marginal = self.dimensions.marginal_priors()
        branches = [branch.as_scenario(marginal[branch.id])
                    for dimension in self.dimensions.dimensions.values()
                    for branch in dimension.branches]
        object.__setattr__(self, "scenarios", branches)  # frozen: set once, while validating
        return self

    @field_validator("scenarios")
    @classmethod
    def _unique_scenarios(cls, scenarios: list[Scenario]) -> list[Scenario]:
        seen: set[str] = set()
        for scenario in scenarios:
            if scenario.id in seen:
                raise ValueError(f'scenario id "{scenario.id}" is used twice')
            seen.add(scenario.id)
        return scenarios

    @property
    def crossed(self) -> bool:
        """Whether the scenarios are given as dimensions (even a single one)."""
        return self.dimensions is not None

    def scenario_path(self, index: int) -> list[str | int]:
        """Key path of scenario (or branch) ``index`` of :attr:`scenarios`, for messages."""
        if self.dimensions is None:
            return ["scenarios", index]
        for dimension_id, dimension in self.dimensions.dimensions.items():
            if index < len(dimension.branches):
                return ["scenarios", "dimensions", dimension_id, "branches", index]
            index -= len(dimension.branches)
        raise IndexError(index)

    @field_validator("correlations")
    @classmethod
    def _one_correlation_per_pair(cls, correlations: list[Correlation]) -> list[Correlation]:
        seen: dict[frozenset[str], float] = {}
        for correlation in correlations:
            pair = frozenset(correlation.between)
            if pair in seen:
                a, b = correlation.between
                raise ValueError(f"the correlation of {a} and {b} is given twice "
                                 f"({seen[pair]:+g} and {correlation.rank:+g}); give it once")
            seen[pair] = correlation.rank
        return correlations


class Correlation(_Strict):
    """Spearman rank correlation between two uncertain quantities (Gaussian copula)."""

    between: tuple[Identifier, Identifier]
    rank: Annotated[float, Field(gt=-1, lt=1)]
    source: str | list[str] | None = Field(default=None, description=_SOURCE)
    assumption: LocalText | None = Field(default=None, description=_ASSUMPTION)


CaseFile.model_rebuild()


#: Where editors find the schema (``yubi schema > case-2.json`` writes the same text).
SCHEMA_ID = "https://yubi.example.org/schema/case-2.json"

#: Descriptions of properties that carry none in their model, by property name; a
#: ``Model.name`` key is specific to one model.
_HELP: dict[str, str] = {
    "id": "Identifier: a letter, then letters, digits or _.",
    "label": "Name shown to readers; text or {en: …, ko: …}.",
    "text": "Text for the reader; text or {en: …, ko: …}.",
    "note": "A note for the reader; text or {en: …, ko: …}.",
    "description": "A longer description for the reader.",
    "unit": 'Unit, e.g. "vessel", "KRW/soldier/year", "event per 1000 vessel"; "1" when '
            "dimensionless.",
    "source": "Id(s) of entries under sources.",
    "type": "The distribution's name.",
    "low": "Lower end (in the quantity's unit).",
    "high": "Upper end (in the quantity's unit).",
    "mode": "Most likely value (in the quantity's unit).",
    "mean": "Mean (in the quantity's unit).",
    "sd": "Standard deviation (in the quantity's unit), > 0.",
    "median": "Median (in the quantity's unit), > 0.",
    "sigma": "Standard deviation of the logarithm, > 0.",
    "alpha": "Beta shape α, > 0.", "beta": "Beta shape β, > 0.",
    "shape": "Shape parameter, > 0 (PERT: 4 is the classic).",
    "scale": "Gamma scale (in the quantity's unit), > 0.",
    "lam": "Poisson mean, ≥ 0.", "p": "Probability, 0 to 1.",
    "values": "The possible values.", "weights": "Their weights (any positive scale).",
    "confidence": "Share of the mass inside [low, high], e.g. 0.9.",
    "Quantity.confidence": "The analyst's confidence: low, medium or high.",
    "distribution": "A distribution, e.g. {type: pert, low: 1, mode: 2, high: 4}.",
    "analyst": "Who judged it.", "judged": "When it was judged, YYYY-MM-DD.",
    "start": "First simulated month, YYYY-MM.", "months": "Number of months, 1 to 600.",
    "stocks": "States carried from month to month.",
    "flows": "Variables computed every month.",
    "events": "Events that happen at most once, with a monthly hazard.",
    "initial": "Starting value: a number or an expression over quantities.",
    "update": "Next month's value, an expression (the stock's name is last month's value).",
    "flow": "Net change per month, an expression in the stock's unit per month.",
    "expr": "Expression over quantities, stocks, flows and events.",
    "prior": "Probability of the scenario before evidence, 0 to 1.",
    "thresholds": "Levels whose crossing the brief reports as a probability.",
    "above": "Crossed when the output is above this.",
    "below": "Crossed when the output is below this.",
    "between": "The two uncertain quantities.", "rank": "Spearman's rank correlation.",
    "interests": "What the actor wants.",
    "direction": "positive or negative, for the actor in for_whom.",
    "status": 'verified, plausible, unverified, disputed or "false" (quoted).',
    "value": "The claimed number, or a range such as \"10 to 20\".",
    "rows": "Dimension by dimension: the analog and now.",
    "analog_label": "Column heading of the analog.",
    "current_label": "Column heading of the present case.",
    "dimension": "What is compared.", "analog": "The analog, on this dimension.",
    "current": "The present case, on this dimension.",
}
_EXAMPLES: dict[str, list[Any]] = {
    "Quantity": [{"label": {"en": "Calls a month", "ko": "월간 입항"}, "unit": "vessel/month",
                  "value": "800 to 1200", "source": "board"}],
    "Scenario": [{"id": "tight", "label": "Tight blockade", "prior": 0.3,
                  "prior_assumption": "Both sides have the ships.",
                  "implications_for": {"shippers": "Only escorted groups sail."}}],
    "Source": [{"title": "Harbour board annual figures", "publisher": "Harbour Board",
                "date": "2025-04-01", "url": "https://example.org/board"}],
}


def json_schema() -> dict[str, Any]:
    """The JSON Schema of case files, for editors: every property described, with examples."""
    schema = CaseFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = "yubi case file"
    # CaseFile.dimensions is read from scenarios: {dimensions: …}: say so to editors.
    properties = schema["properties"]
    del properties["dimensions"]
    scenarios = properties["scenarios"]
    properties["scenarios"] = {
        "description": scenarios["description"],
        "anyOf": [{"type": "array", "items": scenarios["items"], "minItems": 1},
                  {"$ref": "#/$defs/ScenarioDimensions"}]}
    for name, definition in [*schema.get("$defs", {}).items(), ("CaseFile", schema)]:
        for key, prop in definition.get("properties", {}).items():
            help_text = _HELP.get(f"{name}.{key}") or _HELP.get(key)
            if "description" not in prop and help_text:
                prop["description"] = help_text
        if name in _EXAMPLES:
            definition["examples"] = _EXAMPLES[name]
    return schema
