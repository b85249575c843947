"""What-if changes to a compiled case: set a quantity, move a prior, switch a scenario off.

A change is a key and a value, the same from the shell (``yubi run --set KEY=VALUE``), from
Python (:meth:`yubi.case.compiled.Case.with_changes`) and from the web:

======================  =========================================================================
key                     value
======================  =========================================================================
``<quantity>``          a number (``11000``), a range (``"20000 to 60000"``, a 90% interval),
                        either optionally followed by a unit of the same dimension
                        (``"400 soldier/day"``, ``"20%"``); or a distribution mapping
                        (``{type: pert, low: 1, mode: 2, high: 3}``, also as YAML flow text);
                        or a definition mapping with ``value``/``distribution``/``expr`` and
                        ``truncate``
``prior.<scenario>``    a probability (``0.2`` or ``"20%"``); the priors not given rescale
                        proportionally, and all given must sum to 1
``off.<scenario>``      switch the scenario off: its prior goes to 0, the others rescale
                        (``scenario.<id>=off`` is the same)
======================  =========================================================================

A quantity change replaces the quantity's own definition; a scenario that overrides the
quantity keeps its override while it is in effect.

Each change is checked as a case line is — the name exists (else "did you mean"), the value
parses, its unit has the quantity's dimension, it lies within the quantity's ``truncate``
bounds, the distribution's parameters are consistent — and raises :class:`ChangeError` naming
the key. The new case is built without reading the file again: a quantity that stays a
distribution (or stays a constant) has only its own definition recompiled, which keeps the
tabulated inverse CDFs of every other quantity; any other change recompiles the validated
model (about 20 ms for the bundled case).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from difflib import get_close_matches
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from yubi.case import schema
from yubi.case.units import UnitError, parse_unit
from yubi.errors import CaseError, UsageError

if TYPE_CHECKING:
    from yubi.case.compiled import Case

__all__ = ["Change", "ChangeError", "apply_changes", "change_note", "parse_changes"]

_NUMBER = r"[-+]?(?:\d[\d_,]*)?\.?\d+(?:[eE][-+]?\d+)?"
#: ``11000``, ``20000 to 60000``, ``400 soldier/day``, ``20%``.
_VALUE_TEXT = re.compile(
    rf"^\s*(?P<low>{_NUMBER})(?:\s+to\s+(?P<high>{_NUMBER}))?\s*(?P<unit>[A-Za-z%].*?)?\s*$"
)
_ON = frozenset({"on", "false", "no", "0"})
_OFF = frozenset({"off", "true", "yes", "1", ""})
_DEFINITION_KEYS = ("value", "distribution", "expr", "truncate")


class ChangeError(UsageError):
    """A what-if change is wrong; ``key`` names it (e.g. ``troops_cap``)."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        self.reason = message
        super().__init__(f"{key}: {message}")


@dataclass(frozen=True)
class Change:
    """One applied change, as recorded with a run: ``{"key": ..., "value": ...}``.

    ``key`` is canonical (``troops_cap``, ``prior.russia_defeat``, ``off.quick_kursk``);
    ``value`` is the text given (numbers written as text) or a distribution mapping.
    """

    key: str
    value: Any

    @property
    def kind(self) -> str:
        """``"quantity"``, ``"prior"`` or ``"off"``."""
        head, _, rest = self.key.partition(".")
        return head if rest and head in ("prior", "off") else "quantity"

    @property
    def target(self) -> str:
        """The quantity or scenario id the change is about."""
        return self.key.partition(".")[2] if self.kind != "quantity" else self.key

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "value": self.value}


def parse_changes(items: Sequence[str]) -> dict[str, str]:
    """``["troops_cap=20000 to 60000", "off.quick_kursk"]`` → a mapping for :func:`apply_changes`.

    Keys are made canonical (``scenario.<id>=off`` → ``off.<id>``); one pair of quotes around
    a value is removed. Raises :class:`~yubi.errors.UsageError` for a malformed or repeated item.
    """
    changes: dict[str, str] = {}
    for item in items:
        key, equals, value = item.partition("=")
        key, value = key.strip(), _unquote(value.strip())
        if not equals and not key.startswith("off."):
            raise UsageError(
                f"--set {item!r}: expected KEY=VALUE, e.g. troops_cap=11000, "
                'troops_cap="20000 to 60000", prior.<scenario>=0.2 or off.<scenario>'
            )
        key, value = _canonical(key, value if equals else "off")
        if not key:
            raise UsageError(f"--set {item!r}: the key before '=' is empty")
        if key in changes:
            raise UsageError(f"--set {key} is given twice")
        changes[key] = value
    return changes


def apply_changes(case: Case, changes: Mapping[str, object]) -> Case:
    """A new :class:`Case` with ``changes`` applied; ``case`` is not modified.

    Raises
    ------
    ChangeError
        Naming the key of the first wrong change and why (with "did you mean" for a name).
    """
    records = _records(case, changes)
    if not records:
        return case
    quantities = {c.target: c for c in records if c.kind == "quantity"}
    new_quantities = {name: _quantity(case, change) for name, change in quantities.items()}
    file = case.file
    if new_quantities:
        file = file.model_copy(update={"quantities": {**file.quantities, **new_quantities}})
    priors = _priors(case, records)
    if priors is not None and not case.crossed:  # a crossed case keeps its file's priors
        scenarios = [
            s if s.prior == p else s.model_copy(update={"prior": p})
            for s, p in zip(file.scenarios, priors, strict=True)
        ]
        file = file.model_copy(update={"scenarios": scenarios})
    # The compiler (NumPy, SciPy) is imported here: the case passed in has it loaded already,
    # and parsing or listing changes should not pay for it.
    from yubi.case.recompile import recompile

    try:
        changed = recompile(case, file, new_quantities)
    except CaseError as error:
        subject = error.subject if error.subject in quantities else None
        raise ChangeError(subject or ", ".join(quantities) or "changes", error.message) from None
    # The case's own priors may differ from its file's (posteriors from evidence): keep them.
    changed = changed.with_priors(priors if priors is not None else case.priors.tolist())
    return replace(changed, changes=case.changes + tuple(records))


def change_note(
    change: Change, previous: str, *, by: str | None = None, on: dt.date | None = None,
    why: str | None = None,
) -> str:
    """The ``assumption:`` text of a changed quantity or prior: who, when, what before, why."""
    who = f" by {by}" if by else ""
    when = f" on {on.isoformat()}" if on else ""
    value = change.value if isinstance(change.value, str) else _flow_text(change.value)
    reason = f" Why: {why.strip()}" if why and why.strip() else ""
    return f"What-if change{who}{when}: {change.key} = {value} (was {previous}).{reason}"


# -- reading the changes -------------------------------------------------------------------
def _records(case: Case, changes: Mapping[str, object]) -> list[Change]:
    records: list[Change] = []
    seen: set[str] = set()
    for raw_key, raw_value in changes.items():
        key, value = _canonical(str(raw_key).strip(), raw_value)
        _check_key(case, key)
        if key in seen:
            raise ChangeError(key, "given twice")
        seen.add(key)
        if key.startswith("off."):
            if _switch(key, value):
                records.append(Change(key, "off"))
            continue
        records.append(Change(key, _recorded(value)))
    targets = {c.target for c in records if c.kind == "off"}
    both = sorted(targets & {c.target for c in records if c.kind == "prior"})
    if both:
        raise ChangeError(f"prior.{both[0]}", f"scenario {both[0]} is also switched off")
    return records


def _canonical(key: str, value: Any) -> tuple[str, Any]:
    if key.startswith("scenario."):
        return "off." + key.removeprefix("scenario."), value
    return key, value


def _check_key(case: Case, key: str) -> None:
    # prior.<id> and off.<id> name a scenario, or in a crossed case a branch of a dimension.
    scenario_ids = ([b.id for b in case.branches] if case.crossed
                    else [s.id for s in case.scenarios])
    head, _, rest = key.partition(".")
    if head in ("prior", "off") and rest:
        if rest not in scenario_ids:
            raise ChangeError(key, f'no scenario "{rest}" in case {case.id}'
                              f"{_hint(rest, scenario_ids)}")
        return
    if key in case.file.quantities:
        return
    dynamics = case.file.dynamics
    for what, names in (("stock", dynamics.stocks), ("flow", dynamics.flows),
                        ("event", dynamics.events), ("output", case.file.outputs)):
        if key in names:
            raise ChangeError(key, f"is a {what}; only quantities, prior.<scenario> and "
                              "off.<scenario> can be changed")
    known = [*case.file.quantities, *(f"prior.{s}" for s in scenario_ids),
             *(f"off.{s}" for s in scenario_ids)]
    raise ChangeError(key, f"no quantity or scenario key \"{key}\" in case {case.id}"
                      f"{_hint(key, known)}")


def _hint(name: str, known: Sequence[str]) -> str:
    close = get_close_matches(name, list(known), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _switch(key: str, value: object) -> bool:
    text = str(value).strip().lower() if not isinstance(value, bool) else str(value).lower()
    if text in _OFF:
        return True
    if text in _ON:
        return False
    raise ChangeError(key, f"expected off (or on), not {value!r}")


def _recorded(value: object) -> Any:
    """The value as recorded: text for scalars (so 11000 and "11000" record alike)."""
    if isinstance(value, Mapping):
        return {str(k): _recorded(v) if isinstance(v, Mapping) else v for k, v in value.items()}
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.15g}"
    if isinstance(value, list | tuple):
        return [_recorded(v) for v in value]
    return _unquote(str(value).strip())


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1].strip()
    return text


# -- quantities ----------------------------------------------------------------------------
def _quantity(case: Case, change: Change) -> schema.Quantity:
    """The changed quantity, validated by the case schema exactly as a case line is."""
    name = change.target
    old = case.file.quantities[name]
    fields = _definition_fields(change, old)
    data = old.model_dump(exclude=set(_DEFINITION_KEYS), exclude_none=True)
    constant = isinstance(fields.get("value"), int | float)
    if "truncate" not in fields and old.truncate is not None:
        _within(change, old.truncate, fields, constant)
        if not constant and "expr" not in fields:
            fields["truncate"] = old.truncate
    data.update(fields)
    data["assumption"] = change_note(change, describe_definition(old))
    try:
        return schema.Quantity.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "union_tag_invalid":
            message = (f"unknown distribution type {first['input'].get('type')!r}; expected "
                       f"one of {first['ctx']['expected_tags']}")
            where = ""
        raise ChangeError(change.key, f"{where}: {message}" if where else message) from None


def _definition_fields(change: Change, old: schema.Quantity) -> dict[str, Any]:
    value = change.value
    if isinstance(value, str) and value.lstrip().startswith("{"):
        value = _flow_mapping(change.key, value)
    if isinstance(value, Mapping):
        if "type" in value:
            return {"distribution": dict(value)}
        unknown = sorted(set(value) - set(_DEFINITION_KEYS))
        if unknown:
            raise ChangeError(change.key, f'unknown key "{unknown[0]}" (a distribution needs '
                              '"type"; a definition has value, distribution, expr, truncate)')
        return dict(value)
    match = _VALUE_TEXT.match(str(value))
    if not match:
        raise ChangeError(change.key, f"{value!r} is neither a number nor a range such as "
                          '"20000 to 60000" (optionally with a unit)')
    try:
        low = _number(match["low"])
        high = _number(match["high"]) if match["high"] else None
    except ValueError:
        raise ChangeError(change.key, f"{value!r} is not a number") from None
    if match["unit"]:
        factor = _conversion(change.key, match["unit"], old.unit)
        low, high = low * factor, (high * factor if high is not None else None)
        if high is not None:
            return {"value": f"{_plain(low)} to {_plain(high)}"}
    if high is None:
        return {"value": low}
    return {"value": f"{match['low']} to {match['high']}"}


def _conversion(key: str, given: str, declared: str) -> float:
    """The factor from a value in unit ``given`` to the quantity's unit ``declared``."""
    try:
        source, target = parse_unit(given), parse_unit(declared)
    except UnitError as error:
        raise ChangeError(key, str(error)) from None
    if not source.same_dimension(target):
        raise ChangeError(key, f"the value is in {given} ({source}) but the quantity is in "
                          f"{declared} ({target})")
    return source.scale / target.scale


def _within(
    change: Change, bounds: tuple[float | None, float | None], fields: dict[str, Any],
    constant: bool,
) -> None:
    """A constant, or a range's ends, must lie within the quantity's ``truncate`` bounds."""
    value = fields.get("value")
    if constant:
        ends = [float(value)]  # type: ignore[arg-type]
    elif isinstance(value, str) and (match := schema.RANGE_PATTERN.match(value)):
        ends = [_number(match["low"]), _number(match["high"])]
    else:
        return
    low, high = bounds
    if any((low is not None and end < low) or (high is not None and end > high) for end in ends):
        raise ChangeError(change.key, f"{change.value} is outside the quantity's bounds "
                          f"[{_plain(low)}, {_plain(high)}]")


def describe_definition(quantity: schema.Quantity | schema.Override) -> str:
    """A one-line description of a definition, e.g. ``pert(low=30000, mode=40000, ...)``."""
    if quantity.expr is not None:
        return quantity.expr
    if quantity.distribution is not None:
        parameters = quantity.distribution.model_dump(exclude={"type"}, exclude_defaults=True)
        inner = ", ".join(f"{k}={_plain(v)}" for k, v in parameters.items())
        return f"{quantity.distribution.type}({inner})"
    return _plain(quantity.value)


def _flow_mapping(key: str, text: str) -> Mapping[str, Any]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        loaded = YAML(typ="safe", pure=True).load(text)
    except YAMLError as error:
        raise ChangeError(key, f"cannot read {text!r}: {str(error).splitlines()[0]}") from None
    if not isinstance(loaded, Mapping):
        raise ChangeError(key, f"{text!r} is not a mapping")
    return loaded


def _flow_text(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_flow_text(v)}" for k, v in value.items()) + "}"
    return _plain(value)


def _number(text: str) -> float:
    return float(text.replace("_", "").replace(",", ""))


def _plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


# -- priors --------------------------------------------------------------------------------
def _priors(case: Case, records: Sequence[Change]) -> list[float] | None:
    """New priors: given ones fixed, switched-off ones 0, the rest rescaled to fill 1."""
    fixed: dict[str, float] = {}
    for change in records:
        if change.kind == "prior":
            fixed[change.target] = _probability(change)
        elif change.kind == "off":
            fixed[change.target] = 0.0
    if not fixed:
        return None
    key = next(c.key for c in records if c.kind in ("prior", "off"))
    if not case.crossed:
        old = {s.id: s.prior for s in case.scenarios}
        return list(_rescaled(old, fixed, key).values())
    return _crossed_priors(case, fixed, key)


def _crossed_priors(case: Case, fixed: dict[str, float], key: str) -> list[float]:
    """Combination priors with the given branches' probabilities, dimension by dimension:
    each combination is scaled by new ÷ old probability of its branch (Jeffrey's rule), so
    what the other dimensions do given this one is kept."""
    joint = case.priors.copy()
    for dimension in case.dimensions:
        mine = {b.id: fixed[b.id] for b in dimension.branches if b.id in fixed}
        if not mine:
            continue
        old = {b.id: float(joint[list(case.members(b.id))].sum()) for b in dimension.branches}
        new = _rescaled(old, mine, key)
        for branch_id, probability in new.items():
            members = list(case.members(branch_id))
            if old[branch_id] > 0.0:
                joint[members] *= probability / old[branch_id]
            elif probability > 0.0:
                raise ChangeError(key, f"branch {branch_id} has prior 0 in every combination; "
                                  "give it a prior in the case file first")
    return [float(p) for p in joint]


def _rescaled(old: dict[str, float], fixed: dict[str, float], key: str) -> dict[str, float]:
    """New probabilities: given ones fixed, the rest rescaled to fill 1."""
    from yubi.case.compiler import PRIOR_TOLERANCE  # loaded already: a compiled case exists

    rest = [s for s in old if s not in fixed]
    given = math.fsum(fixed.values())
    if not rest:
        if given <= 0.0:
            raise ChangeError(key, "every scenario is switched off; none would be left")
        if abs(given - 1.0) > PRIOR_TOLERANCE:
            raise ChangeError(key, f"the priors of every scenario are given and sum to "
                              f"{given:.6g}, not 1")
        return {s: fixed[s] for s in old}
    if given > 1.0 + PRIOR_TOLERANCE:
        raise ChangeError(key, f"the priors given sum to {given:.6g}, more than 1")
    remaining = max(0.0, 1.0 - given)
    old_rest = math.fsum(old[s] for s in rest)
    if old_rest <= 0.0:
        if remaining > PRIOR_TOLERANCE:
            raise ChangeError(key, f"the other scenarios ({', '.join(rest)}) have prior 0 and "
                              f"cannot take the remaining {remaining:.6g}")
        return {s: fixed.get(s, 0.0) for s in old}
    return {s: fixed[s] if s in fixed else old[s] * remaining / old_rest for s in old}


def _probability(change: Change) -> float:
    text = str(change.value).strip()
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise ChangeError(change.key, f"{change.value!r} is not a probability") from None
    if not 0.0 <= value <= 1.0 or math.isnan(value):
        raise ChangeError(change.key, f"{change.value} is not a probability between 0 and 1")
    return value
