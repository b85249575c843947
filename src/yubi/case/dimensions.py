"""Scenario dimensions: checking their priors and crossing their branches into combinations.

A case may give its scenarios as dimensions (``scenarios: {dimensions: …}``); a trajectory
draws one branch of each. The engine runs on the *combinations* (``quick+withdraw``, the
first dimension varying slowest), each with the product of its branches' (conditional)
priors; a flat list of scenarios is one dimension, ``scenario``, and its combinations are the
scenarios themselves. See ``docs/case-format.md`` §10.1.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from yubi.case import schema
from yubi.case.compiled import BranchSpec, Case, DimensionSpec
from yubi.errors import CaseError, did_you_mean

__all__ = [
    "FLAT_DIMENSION", "PRIOR_TOLERANCE", "Combination", "branch_priors", "combinations",
    "dimensions_of",
]

#: The one dimension of a case whose scenarios are a flat list.
FLAT_DIMENSION = "scenario"
PRIOR_TOLERANCE = 1e-6

Locate = Callable[[str, Sequence[str | int], str], CaseError]


@dataclass(frozen=True)
class Combination:
    """One branch per dimension, with the product of their priors."""

    branches: tuple[BranchSpec, ...]
    prior: float

    @property
    def id(self) -> str:
        return "+".join(branch.id for branch in self.branches)

    @property
    def label(self) -> schema.LocalText:
        labels = [branch.label for branch in self.branches]
        if len(labels) == 1:
            return labels[0]
        return schema.LocalText(en=" + ".join(text.en for text in labels),
                                ko=" + ".join(text.get("ko") for text in labels))


def dimensions_of(file: schema.CaseFile, first_column: int, error: Locate
                  ) -> tuple[DimensionSpec, ...]:
    """The case's dimensions, their priors checked; dimension ``k`` is drawn by design column
    ``first_column + k``.

    Raises
    ------
    CaseError
        Located, for priors that do not sum to 1 (per branch of the given dimension), a given
        dimension that is unknown or not earlier, or a prior of the wrong form.
    """
    if file.dimensions is None:
        label = schema.LocalText(en="Scenario", ko="시나리오")
        flat = tuple(BranchSpec(s.id, FLAT_DIMENSION, index, s.label, s.prior)
                     for index, s in enumerate(file.scenarios))
        _check_sum([(s.id, s.prior) for s in file.scenarios], ["scenarios", 0, "prior"],
                   "scenario priors", error)
        return (DimensionSpec(FLAT_DIMENSION, label, None, flat, first_column),)
    specs: list[DimensionSpec] = []
    seen: dict[str, str] = {}  # branch id → its dimension
    index = 0
    for position, (dimension_id, dimension) in enumerate(file.dimensions.dimensions.items()):
        path: list[str | int] = ["scenarios", "dimensions", dimension_id]
        earlier = {spec.id: spec for spec in specs}
        if dimension.given is not None and dimension.given not in earlier:
            later = dimension.given in file.dimensions.dimensions
            why = ("is not an earlier dimension: a dimension's priors can depend only on one "
                   "declared before it" if later else
                   f"is not a dimension{did_you_mean(dimension.given, earlier)}")
            raise error(f'given: "{dimension.given}" {why}', [*path, "given"], dimension_id)
        branches = []
        for offset, branch in enumerate(dimension.branches):
            if branch.id in seen:
                raise error(f'scenario id "{branch.id}" is used twice (in {seen[branch.id]} '
                            "too); branch ids are unique across dimensions",
                            [*path, "branches", offset, "id"], branch.id)
            seen[branch.id] = dimension_id
            branches.append(BranchSpec(branch.id, dimension_id, index, branch.label,
                                       branch.prior))
            index += 1
            where = [*path, "branches", offset, "prior"]
            given = earlier.get(dimension.given) if dimension.given else None
            _check_form(branch, given, where, error)
        _check_sums(dimension_id, tuple(branches), earlier.get(dimension.given or ""), path,
                    error)
        specs.append(DimensionSpec(dimension_id, dimension.label, dimension.given,
                                   tuple(branches), first_column + position))
    return tuple(specs)


def combinations(dimensions: Sequence[DimensionSpec]) -> list[Combination]:
    """Every combination of one branch per dimension, the first dimension varying slowest."""
    found = []
    for branches in itertools.product(*(d.branches for d in dimensions)):
        chosen = {d.id: b for d, b in zip(dimensions, branches, strict=True)}
        prior = 1.0
        for dimension, branch in zip(dimensions, branches, strict=True):
            value = branch.prior
            if dimension.given is not None:
                assert not isinstance(value, float | int)  # checked by dimensions_of
                value = value[chosen[dimension.given].id]
            prior *= float(value)  # type: ignore[arg-type]
        found.append(Combination(tuple(branches), prior))
    return found


def branch_priors(case: Case) -> dict[str, float | dict[str, float]]:
    """Each branch's prior as the case file writes it, from the combinations' priors (after a
    what-if change): a probability, or one per branch of the given dimension."""
    found: dict[str, float | dict[str, float]] = {}
    for dimension in case.dimensions:
        for branch in dimension.branches:
            if dimension.given is None:
                found[branch.id] = round(case.branch_prior(branch.id), 12)
                continue
            given = next(d for d in case.dimensions if d.id == dimension.given)
            mine = set(case.members(branch.id))
            written = branch.prior
            assert not isinstance(written, float | int)  # a given dimension's are mappings
            conditional: dict[str, float] = {}
            for condition in given.branches:
                weight = case.branch_prior(condition.id)
                both = mine & set(case.members(condition.id))
                # Given a branch that cannot happen, the file's conditional stays as written.
                conditional[condition.id] = (
                    round(math.fsum(case.scenarios[i].prior for i in both) / weight, 12)
                    if weight > 0 else float(written[condition.id]))
            found[branch.id] = conditional
    return found


def _check_form(branch: schema.Branch, given: DimensionSpec | None, where: list[str | int],
                error: Locate) -> None:
    if given is None:
        if isinstance(branch.prior, dict):
            raise error("a prior per branch of another dimension needs given: on this "
                        "dimension", where, branch.id)
        return
    if not isinstance(branch.prior, dict):
        raise error(f"this dimension is given {given.id}: give the prior per branch of "
                    f"{given.id}, e.g. {{{given.branches[0].id}: {branch.prior:g}, …}}", where,
                    branch.id)
    expected = [b.id for b in given.branches]
    unknown = [key for key in branch.prior if key not in expected]
    if unknown:
        raise error(f'"{unknown[0]}" is not a branch of {given.id}'
                    f"{did_you_mean(unknown[0], expected)}", where, branch.id)
    missing = [key for key in expected if key not in branch.prior]
    if missing:
        raise error(f"no prior given {missing[0]} (one per branch of {given.id}: "
                    f"{', '.join(expected)})", where, branch.id)


def _check_sums(dimension_id: str, branches: tuple[BranchSpec, ...],
                given: DimensionSpec | None, path: list[str | int], error: Locate) -> None:
    where = [*path, "branches", 0, "prior"]
    if given is None:
        _check_sum([(b.id, float(b.prior)) for b in branches],  # type: ignore[arg-type]
                   where, f"priors of dimension {dimension_id}", error)
        return
    for condition in given.branches:
        values = [(b.id, float(b.prior[condition.id]))  # type: ignore[index]
                  for b in branches]
        _check_sum(values, where, f"priors of dimension {dimension_id} given "
                   f"{condition.id}", error)


def _check_sum(values: list[tuple[str, float]], where: Sequence[str | int], what: str,
               error: Locate) -> None:
    total = math.fsum(value for _, value in values)
    if abs(total - 1.0) > PRIOR_TOLERANCE:
        terms = " + ".join(f"{branch} {value:g}" for branch, value in values)
        raise error(f"{what} sum to {total:.6g}, not 1 ({terms})", where, "scenarios")
