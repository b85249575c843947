"""Evidence items as data: what an item holds, and an item as the store recorded it.

No SQL here: :mod:`yubi.store.evidence` reads and writes these, and :mod:`yubi.evidence.updating`
and :mod:`yubi.evidence.ach` compute with them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from yubi.evidence.observation import ObservationError, default_error, parse_error

__all__ = [
    "CONTENT_FIELDS",
    "CREDIBILITY",
    "RATINGS",
    "RELEVANCE",
    "RELIABILITY",
    "EvidenceItem",
    "StoredItem",
]

#: Admiralty source reliability: A (completely reliable) … E (unreliable), F (cannot be judged).
RELIABILITY = "ABCDEF"
#: Admiralty information credibility: 1 (confirmed) … 5 (improbable), 6 (cannot be judged).
CREDIBILITY = range(1, 7)
RELEVANCE = ("high", "medium", "low")
#: ACH consistency ratings, most consistent first (NA: not applicable).
RATINGS = ("CC", "C", "N", "I", "II", "NA")
#: The fields whose change makes a new version (the id and bookkeeping are not content).
CONTENT_FIELDS = (
    "observed_on", "text", "source", "url", "kind", "reliability", "credibility", "relevance",
    "indicator", "likelihood", "ratings", "group_id", "retracted", "output", "month", "reported",
    "error",
)


@dataclass(frozen=True)
class EvidenceItem:
    """One evidence item as given (before the store adds version and timestamps).

    Attributes
    ----------
    item_id
        Stable natural key (the file's ``id``, or ``ev-`` + hash of case, date, text, source).
    observed_on
        The date the event happened or was reported (valid time).
    reliability, credibility
        Admiralty grades: source reliability A (reliable) to E (unreliable), F (cannot be
        judged); information credibility 1 (confirmed) to 5 (improbable), 6 (cannot be judged).
    relevance
        ``high``, ``medium`` or ``low``: ACH's relevance weight.
    likelihood
        P(this evidence | scenario) per scenario id, each in (0, 1]; ``None`` to inherit the
        indicator's.
    ratings
        ACH consistency ratings per scenario id (``CC, C, N, I, II, NA``), if given.
    group_id
        Items sharing a group report the same underlying fact and count once.
    output, month, reported, error
        An **observation**: the source reports ``reported`` (in the output's unit, ≥ 0) for
        the case's output or stock ``output`` in ``month`` (``YYYY-MM``), with ``error`` a 90 %
        range of reported ÷ true (``"0.5x to 2x"``; ``None``: the default for the item's
        credibility). All ``None`` for an item that is not an observation.
    """

    item_id: str
    case_id: str
    observed_on: dt.date
    text: str
    source: str
    reliability: str
    credibility: int
    relevance: str = "medium"
    url: str | None = None
    kind: str | None = None
    indicator: str | None = None
    likelihood: dict[str, float] | None = None
    ratings: dict[str, str] | None = None
    group_id: str | None = None
    retracted: bool = False
    note: str | None = None
    output: str | None = None
    month: str | None = None
    reported: float | None = None
    error: str | None = None

    @property
    def is_observation(self) -> bool:
        """Whether the item reports a value of an output (rather than bearing on scenarios)."""
        return self.output is not None

    def error_range(self) -> ObservationError:
        """The likelihood of the reported value given a trajectory's true value.

        Its ``mu`` and ``sigma`` are the log-normal parameters of reported ÷ true, from
        ``error`` or the credibility's default (:func:`yubi.evidence.observation.default_error`);
        ``log_likelihood(true_values)`` is vectorised over true values.

        Raises
        ------
        ValueError
            If the item is not an observation, or its ``error`` does not parse.
        """
        if self.output is None or self.reported is None:
            raise ValueError(f"evidence {self.item_id} is not an observation (no output/reported)")
        found = parse_error(self.error) if self.error else default_error(self.credibility)
        return found.given(self.reported)

    def content(self) -> tuple[Any, ...]:
        """What makes two versions differ (compared to decide "unchanged" on re-import)."""
        return tuple(getattr(self, name) for name in CONTENT_FIELDS)


@dataclass(frozen=True)
class StoredItem:
    """An item as read back: the content plus its version and who recorded it when."""

    item: EvidenceItem
    version: int
    recorded_at: dt.datetime
    recorded_by: str

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self.item)
        data["observed_on"] = self.item.observed_on.isoformat()
        data.update(version=self.version, recorded_at=self.recorded_at.isoformat(),
                    recorded_by=self.recorded_by)
        return data
