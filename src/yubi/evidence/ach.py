"""Analysis of Competing Hypotheses (ACH): the matrix, Heuer's scores, diagnosticity, sensitivity.

The hypotheses are a case's scenarios (or those of an imported PARC ACH 2.0 project). Each
evidence item is rated against each hypothesis: ``CC`` very consistent, ``C`` consistent, ``N``
neutral, ``I`` inconsistent, ``II`` very inconsistent, ``NA`` not applicable.

Scores follow PARC ACH (Heuer's method as implemented by PARC with Heuer): only
inconsistency counts, because ACH refutes rather than confirms — an ``I`` counts 1 point and an
``II`` 2 points; the **inconsistency score** of a hypothesis is the sum of its points, and the
**weighted inconsistency score** multiplies each item's points by its credibility weight and its
relevance weight, High = √2, Medium = 1, Low = 1/√2 (PARC AI3 team with R. J. Heuer Jr.,
"ACH 1.1: A Tool for Analyzing Competing Hypotheses — Technical Description", PARC, 2005;
the ACH 2.0 help, "Rate Consistency of Evidence"). The hypothesis with the *lowest* score is the
most likely. Heuer, *Psychology of Intelligence Analysis* (CIA CSI, 1999), ch. 8.

**Diagnosticity** of an item is the spread of its ratings across hypotheses on the scale
CC = +2, C = +1, N = 0, I = −1, II = −2 (0: the item is consistent with all hypotheses alike and
cannot discriminate; Heuer's step 4). **Sensitivity**: an item "would change the ranking if
wrong" when removing it, or reversing its ratings (CC↔II, C↔I), changes the top-ranked
hypothesis.

When an item has likelihoods but no ratings, its ratings are derived from the ratio of each
hypothesis's likelihood to the largest in the row (:func:`ratings_from_likelihood`); an item
rated only for ACH stands, in the Bayesian update, for the likelihoods in
:data:`RATING_LIKELIHOOD`. That is how ``yubi ach`` shows next to the inconsistency ranking
the posterior the same evidence gives — ACH's known weakness being that it ranks without
probabilities.

PARC ACH 2.0 project files (``.achz``) are gzipped, UTF-16 XML. No published schema was found;
the reading here follows the element names used by the open-source importer of the Open Source
ACH project (M. Burton, 2010, ``import_action.php``): ``PROJECT-TITLE``, ``MATRIX`` with
``HYPOTHESIS/NAME`` and ``EVIDENCE`` (``NAME``, ``NOTES``, ``TYPE``, ``DATE`` in milliseconds
since 1970, ``CODE``, ``FLAG``, ``CREDIBILITY`` HIGH/MEDIUM/LOW, ``VALUES`` = comma-separated
ratings in hypothesis order, spelled ``C C``/``C``/``N``/``I``/``I I``/``NA``). The root element's
name and a ``RELEVANCE`` element are not in that importer; yubi accepts any root and reads
``RELEVANCE`` when present. The format is therefore *reconstructed*, not specified.
"""

from __future__ import annotations

import datetime as dt
import gzip
import math
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from yubi.case.model import Case
from yubi.errors import DataError
from yubi.evidence.items import EvidenceItem, StoredItem
from yubi.files import read_capped

__all__ = [
    "POINTS",
    "RATING_LIKELIHOOD",
    "WEIGHT",
    "AchEvidence",
    "AchMatrix",
    "AchProject",
    "Sensitivity",
    "admiralty_level",
    "likelihood_from_ratings",
    "matrix_from_items",
    "ratings_from_likelihood",
    "read_achz",
    "write_achz",
]

#: The largest .achz read, packed or unpacked (bounds a gzip bomb).
MAX_ACHZ_BYTES = 64 * 1024 * 1024
#: Inconsistency points per rating (PARC ACH): only I and II count.
POINTS = {"CC": 0, "C": 0, "N": 0, "I": 1, "II": 2, "NA": 0}
#: Credibility and relevance weights (PARC ACH 1.1 technical description).
WEIGHT = {"high": math.sqrt(2), "medium": 1.0, "low": 1 / math.sqrt(2)}
#: Position of each rating on the consistency scale, for diagnosticity.
SCALE = {"CC": 2, "C": 1, "N": 0, "I": -1, "II": -2}
#: The likelihood a rating stands for in the Bayesian update (only ratios matter).
RATING_LIKELIHOOD = {"CC": 1.0, "C": 0.85, "N": 0.65, "I": 0.35, "II": 0.15, "NA": 0.65}
REVERSED = {"CC": "II", "C": "I", "N": "N", "I": "C", "II": "CC", "NA": "NA"}
#: Lower bounds of the likelihood ratio (to the row's largest) for each derived rating.
RATIO_BANDS = ((0.8, "C"), (0.5, "N"), (0.25, "I"), (0.0, "II"))
#: A consistent item is very consistent (CC) when it is this likely under the hypothesis.
VERY_LIKELY = 0.8


@dataclass(frozen=True)
class AchEvidence:
    """One row of the matrix."""

    id: str
    text: str
    ratings: Mapping[str, str]
    credibility: str = "medium"
    relevance: str = "medium"
    date: dt.date | None = None
    kind: str | None = None
    likelihood: Mapping[str, float] | None = None

    def weight(self) -> float:
        return WEIGHT[self.credibility] * WEIGHT[self.relevance]

    def diagnosticity(self) -> int:
        """Spread of the ratings on the CC…II scale (0: not diagnostic)."""
        positions = [SCALE[r] for r in self.ratings.values() if r in SCALE]
        return max(positions) - min(positions) if positions else 0


@dataclass(frozen=True)
class Sensitivity:
    """An item whose error would change which hypothesis ranks first."""

    item: str
    change: str
    top_before: tuple[str, ...]
    top_after: tuple[str, ...]


@dataclass(frozen=True)
class AchMatrix:
    """Hypotheses × evidence with consistency ratings."""

    hypotheses: tuple[str, ...]
    evidence: tuple[AchEvidence, ...]
    labels: Mapping[str, str] = field(default_factory=dict)

    def inconsistency(self) -> dict[str, float]:
        """Heuer's inconsistency score per hypothesis: I = 1, II = 2 (unweighted)."""
        return {h: float(sum(POINTS.get(e.ratings.get(h, ""), 0) for e in self.evidence))
                for h in self.hypotheses}

    def weighted_inconsistency(self) -> dict[str, float]:
        """The weighted inconsistency score: points × credibility weight × relevance weight."""
        return {h: float(sum(POINTS.get(e.ratings.get(h, ""), 0) * e.weight()
                             for e in self.evidence))
                for h in self.hypotheses}

    def ranking(self) -> list[str]:
        """Hypotheses from most to least likely (lowest weighted score first)."""
        scores = self.weighted_inconsistency()
        return sorted(self.hypotheses, key=lambda h: (round(scores[h], 9),
                                                       self.hypotheses.index(h)))

    def top(self) -> tuple[str, ...]:
        """The hypotheses tied for the lowest weighted inconsistency score."""
        scores = self.weighted_inconsistency()
        best = min(scores.values(), default=0.0)
        return tuple(h for h in self.hypotheses if math.isclose(scores[h], best, abs_tol=1e-9))

    def sensitivity(self) -> list[Sensitivity]:
        """Items whose removal or reversal would change the top-ranked hypothesis."""
        before = self.top()
        found = []
        for index, item in enumerate(self.evidence):
            others = self.evidence[:index] + self.evidence[index + 1:]
            reversed_item = replace(item, ratings={h: REVERSED.get(r, r)
                                                   for h, r in item.ratings.items()})
            altered = (*others[:index], reversed_item, *others[index:])
            for change, evidence in (("removed", others), ("reversed", altered)):
                after = replace(self, evidence=evidence).top()
                if after != before:
                    found.append(Sensitivity(item.id, change, before, after))
        return found

    def likelihoods(self) -> np.ndarray:
        """Shape (N, H): each item's likelihood, given or standing for its ratings."""
        rows = [
            [e.likelihood[h] for h in self.hypotheses] if e.likelihood is not None
            else likelihood_from_ratings(e.ratings, self.hypotheses).tolist()
            for e in self.evidence
        ]
        return np.array(rows, dtype=np.float64).reshape(len(self.evidence), len(self.hypotheses))

    def to_rows(self) -> list[dict[str, Any]]:
        """One dictionary per item: id, date, text, weights, diagnosticity, a rating per h."""
        return [
            {"id": e.id, "date": e.date.isoformat() if e.date else "", "text": e.text,
             "credibility": e.credibility, "relevance": e.relevance,
             "diagnosticity": e.diagnosticity(), **{h: e.ratings.get(h, "") for h in
                                                    self.hypotheses}}
            for e in self.evidence
        ]


# -- ratings and likelihoods -----------------------------------------------------------------
def ratings_from_likelihood(likelihood: Mapping[str, float]) -> dict[str, str]:
    """ACH ratings from P(evidence | hypothesis), relative to the best-explaining hypothesis.

    With ``ρ = L(h) / max L``: ρ ≥ 0.8 → C (CC when also L(h) ≥ 0.8), ρ ≥ 0.5 → N,
    ρ ≥ 0.25 → I, else II. So an item four times likelier under another hypothesis is very
    inconsistent with this one, and an item all hypotheses explain equally well is rated alike
    everywhere (not diagnostic).
    """
    best = max(likelihood.values())
    ratings = {}
    for hypothesis, value in likelihood.items():
        ratio = value / best
        rating = next(name for bound, name in RATIO_BANDS if ratio >= bound)
        if rating == "C" and value >= VERY_LIKELY:
            rating = "CC"
        ratings[hypothesis] = rating
    return ratings


def likelihood_from_ratings(ratings: Mapping[str, str], hypotheses: Sequence[str]) -> np.ndarray:
    """The likelihood each rating stands for (:data:`RATING_LIKELIHOOD`); unrated is N."""
    return np.array([RATING_LIKELIHOOD[ratings.get(h, "N") or "N"] for h in hypotheses],
                    dtype=np.float64)


def admiralty_level(reliability: str, credibility: int) -> str:
    """ACH's High/Medium/Low credibility from Admiralty grades.

    High: a reliable source (A, B) reporting confirmed or probably true information (1, 2);
    Low: an unreliable source (D, E) or doubtful or improbable information (4, 5); Medium
    otherwise, including the "cannot be judged" grades F and 6.
    """
    if reliability in "AB" and credibility in (1, 2):
        return "high"
    if reliability in "DE" or credibility in (4, 5):
        return "low"
    return "medium"


def matrix_from_items(case: Case, items: Sequence[StoredItem | EvidenceItem]) -> AchMatrix:
    """The ACH matrix of a case's evidence; ratings given, else derived from likelihoods."""
    from yubi.evidence.updating import item_likelihood

    hypotheses = tuple(s.id for s in case.scenarios)
    rows = []
    for stored in items:
        item = stored.item if isinstance(stored, StoredItem) else stored
        if item.is_observation and not item.ratings:
            continue  # a reported number has no consistency rating unless the analyst gives one
        likelihood = dict(zip(hypotheses, item_likelihood(item, case)[0].tolist(), strict=True))
        ratings = dict(item.ratings) if item.ratings else ratings_from_likelihood(likelihood)
        rows.append(AchEvidence(
            id=item.item_id, text=item.text, ratings=ratings, date=item.observed_on,
            credibility=admiralty_level(item.reliability, item.credibility),
            relevance=item.relevance, kind=item.kind, likelihood=likelihood,
        ))
    labels = {s.id: s.label.en for s in case.scenarios}
    return AchMatrix(hypotheses, tuple(rows), labels)


# -- PARC ACH 2.0 files ----------------------------------------------------------------------
ACHZ_RATINGS = {"CC": "CC", "C": "C", "N": "N", "I": "I", "II": "II", "NA": "NA", "": "NA"}
#: Admiralty grades that stand for ACH credibility levels when an .achz goes into the store.
LEVEL_GRADES = {"high": ("B", 2), "medium": ("C", 3), "low": ("D", 4)}


@dataclass(frozen=True)
class AchProject:
    """An ACH project read from an ``.achz`` file."""

    title: str
    matrix: AchMatrix
    source: str

    def evidence_rows(self, case: Case, undated: dt.date) -> list[dict[str, Any]]:
        """Rows for the evidence importer, the hypotheses matched to the case's scenarios.

        A hypothesis matches a scenario by id or English label (case-insensitive). An item
        without a date is dated ``undated`` (the store passes today: the day it entered).
        """
        mapping = _match_hypotheses(self.matrix.hypotheses, case, self.source)
        rows = []
        for e in self.matrix.evidence:
            reliability, credibility = LEVEL_GRADES[e.credibility]
            rows.append({
                "id": f"achz-{e.id}", "date": (e.date or undated).isoformat(),
                "text": e.text, "source": f"ACH project {self.title!r}", "type": e.kind or "",
                "reliability": reliability, "credibility": credibility,
                "relevance": e.relevance,
                "ratings": {mapping[h]: r for h, r in e.ratings.items() if r != "NA"},
            })
        return rows


def read_achz(path: str | Path) -> AchProject:
    """Read a PARC ACH 2.0 project file (see the module docstring for what is known of it)."""
    display = str(path)
    try:
        raw = _gunzip(read_capped(path, MAX_ACHZ_BYTES, "ACH project"), display)
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise DataError(display, [f"not a gzipped ACH project: {error}"]) from None
    try:
        root = ET.fromstring(_decode_xml(raw))
    except ET.ParseError as error:
        raise DataError(display, [f"not ACH XML: {error}"]) from None
    matrix_node = root.find("MATRIX")
    if matrix_node is None:
        raise DataError(display, ["no MATRIX element: not an ACH 2.0 project"])
    hypotheses = tuple(_text(h, "NAME") or f"H{i + 1}"
                       for i, h in enumerate(matrix_node.findall("HYPOTHESIS")))
    evidence = tuple(_achz_evidence(node, hypotheses, index, display)
                     for index, node in enumerate(matrix_node.findall("EVIDENCE"), start=1))
    title = _text(root, "PROJECT-TITLE") or Path(path).stem
    return AchProject(title, AchMatrix(hypotheses, evidence), display)


def _gunzip(data: bytes, display: str) -> bytes:
    """Decompressed ``data``, refusing more than :data:`MAX_ACHZ_BYTES` (a gzip bomb)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip header
    raw = inflater.decompress(data, MAX_ACHZ_BYTES + 1)
    if len(raw) > MAX_ACHZ_BYTES:
        raise DataError(display, [f"ACH project larger than {MAX_ACHZ_BYTES:,} bytes unpacked"])
    if not inflater.eof:
        raise EOFError("compressed file ended before the end-of-stream marker was reached")
    return raw


def write_achz(project_title: str, matrix: AchMatrix, path: str | Path) -> Path:
    """Write a matrix as an ``.achz`` in the layout :func:`read_achz` reads."""
    root = ET.Element("ACH")
    ET.SubElement(root, "PROJECT-TITLE").text = project_title
    ET.SubElement(root, "CLASSIFICATION").text = "U"
    node = ET.SubElement(root, "MATRIX")
    for hypothesis in matrix.hypotheses:
        ET.SubElement(ET.SubElement(node, "HYPOTHESIS"), "NAME").text = hypothesis
    for e in matrix.evidence:
        item = ET.SubElement(node, "EVIDENCE")
        ET.SubElement(item, "NAME").text = e.text
        ET.SubElement(item, "NOTES").text = ""
        ET.SubElement(item, "TYPE").text = e.kind or ""
        stamp = 0 if e.date is None else int(dt.datetime.combine(
            e.date, dt.time(), tzinfo=dt.UTC).timestamp() * 1000)
        ET.SubElement(item, "DATE").text = str(stamp)
        ET.SubElement(item, "CODE").text = e.id
        ET.SubElement(item, "FLAG").text = "0"
        ET.SubElement(item, "CREDIBILITY").text = e.credibility.upper()
        ET.SubElement(item, "RELEVANCE").text = e.relevance.upper()
        ET.SubElement(item, "VALUES").text = ",".join(
            " ".join(e.ratings.get(h, "NA")) if e.ratings.get(h) in ("CC", "II")
            else e.ratings.get(h, "NA") for h in matrix.hypotheses)
    xml = ET.tostring(root, encoding="unicode", xml_declaration=False)
    payload = ('<?xml version="1.0" encoding="UTF-16"?>\n' + xml).encode("utf-16")
    target = Path(path)
    target.write_bytes(gzip.compress(payload, mtime=0))
    return target


def _decode_xml(raw: bytes) -> str:
    # ACH 2.0 writes UTF-16 (with a byte-order mark); accept UTF-8 too.
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16")
    else:
        text = raw.decode("utf-8", errors="replace")
    # The declaration names an encoding the decoded string no longer has.
    return text.split("?>", 1)[1] if text.lstrip().startswith("<?xml") else text


def _achz_evidence(
    node: ET.Element, hypotheses: tuple[str, ...], index: int, display: str
) -> AchEvidence:
    values = [v.strip().replace(" ", "").upper() for v in (_text(node, "VALUES") or "").split(",")]
    unknown = [v for v in values if v not in ACHZ_RATINGS]
    if unknown or len([v for v in values if v]) > len(hypotheses):
        raise DataError(display, [f"evidence {index}: ratings {values} do not fit "
                                  f"{len(hypotheses)} hypotheses"])
    ratings = {h: ACHZ_RATINGS[v] for h, v in zip(hypotheses, values, strict=False)}
    try:
        stamp = int(float(_text(node, "DATE") or 0))
        date = None if stamp == 0 else dt.datetime.fromtimestamp(stamp / 1000, dt.UTC).date()
    except (ValueError, OverflowError, OSError):  # "x", inf, 1e30: no date
        raise DataError(display, [f"evidence {index}: DATE {_text(node, 'DATE')!r} is not "
                                  "milliseconds since 1970"]) from None
    return AchEvidence(
        id=_text(node, "CODE") or f"E{index}", text=_text(node, "NAME") or f"evidence {index}",
        ratings=ratings, credibility=_level(_text(node, "CREDIBILITY")),
        relevance=_level(_text(node, "RELEVANCE")), kind=_text(node, "TYPE") or None,
        date=date,
    )


def _text(node: ET.Element, tag: str) -> str:
    found = node.find(tag)
    return (found.text or "").strip() if found is not None else ""


def _level(value: str) -> str:
    word = value.strip().lower()
    return word if word in WEIGHT else "medium"


def _match_hypotheses(hypotheses: Sequence[str], case: Case, display: str) -> dict[str, str]:
    names = {}
    for scenario in case.scenarios:
        names[scenario.id.lower()] = scenario.id
        names[scenario.label.en.lower()] = scenario.id
    missing = [h for h in hypotheses if h.lower() not in names]
    if missing:
        raise DataError(display, [f"hypothesis {h!r} matches no scenario id or label of case "
                                  f"{case.id}" for h in missing])
    return {h: names[h.lower()] for h in hypotheses}
