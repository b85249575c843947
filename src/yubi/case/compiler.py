"""Compiling a validated case file into a :class:`~yubi.case.compiled.Case` the engine can run.

This is where the parts of a case meet: names in expressions are resolved, units checked,
sources looked up, scenario priors checked, variables put in dependency order and split into
those fixed for a whole trajectory (*static*) and those recomputed every month (*dynamic*).
Every problem becomes a :class:`~yubi.errors.CaseError` at ``file:line:column``.
"""

from __future__ import annotations

import ast
import keyword
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from graphlib import CycleError, TopologicalSorter
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from yubi.case import schema
from yubi.case.compiled import (
    ACTIVE_KEY,
    Case,
    Definition,
    DimensionSpec,
    EventSpec,
    IndicatorSpec,
    InputColumn,
    OutputSpec,
    ScenarioSpec,
    StockSpec,
    Variable,
    month_labels,
)
from yubi.case.dimensions import PRIOR_TOLERANCE, Combination, combinations, dimensions_of
from yubi.case.distributions import Marginal, marginal_from_spec
from yubi.case.expressions import CompiledExpression, Env, compile_expression
from yubi.case.loader import CaseText
from yubi.case.units import (
    BUILTIN_UNITS,
    DIMENSIONLESS,
    UNIT_SYNONYMS,
    Unit,
    UnitError,
    parse_unit,
    unit_words,
)
from yubi.errors import CaseError, ExpressionError, did_you_mean

__all__ = ["BUILTINS", "PRIOR_TOLERANCE", "compile_case"]

BUILTINS = {"month": parse_unit("month"), "dt": parse_unit("month")}


def compile_case(text: CaseText) -> Case:
    """Resolve, check and order everything in a validated case file."""
    return _CaseCompiler(text).compile()


class _CaseCompiler:
    def __init__(self, text: CaseText) -> None:
        self.text = text
        self.file = text.file
        self.dimensions: tuple[DimensionSpec, ...] = ()
        self.combinations: list[Combination] = []
        #: Branch id → indices of the scenarios (combinations) that include it.
        self.scenario_index: dict[str, tuple[int, ...]] = {}
        self.inputs: list[InputColumn] = []
        self.units: dict[str, Unit] = dict(BUILTINS)
        self._claimed: dict[str, str] = {}
        self.notes: list[str] = []

    # -- errors ----------------------------------------------------------------------------
    def error(self, message: str, path: Sequence[str | int], subject: str | None) -> CaseError:
        return CaseError(message, self.text.locate(path), subject)

    # -- top level -------------------------------------------------------------------------
    def compile(self) -> Case:
        self._check_sources()
        self._check_priors()
        self._check_version()
        for dimension in self.dimensions:  # design columns 0, 1, …: one per dimension
            name = "scenario" if dimension.column == 0 else dimension.id
            self.inputs.append(InputColumn(name, dimension.label, None, "scenario"))
        scenarios = self._scenarios()
        self._declare_units()
        variables = self._variables(scenarios)
        stocks = self._stocks()
        events = self._events()
        outputs = self._outputs()
        indicators = self._indicators(outputs)
        self._check_references()
        correlation = self._correlation()
        case = Case(
            file=self.file,
            path=self.text.path,
            sha256=self.text.sha256,
            months=month_labels(self.file.horizon.start, self.file.horizon.months),
            inputs=tuple(self.inputs),
            scenarios=scenarios,
            variables=variables,
            stocks=stocks,
            events=events,
            outputs=outputs,
            indicators=indicators,
            dimensions=self.dimensions,
            correlation=correlation,
            text=self.text,
        )
        from yubi.case.checks import case_notes

        return replace(case, notes=(*self.notes, *case_notes(case)))

    def note(self, message: str, path: Sequence[str | int], subject: str | None) -> None:
        """Record a located warning (exit 0), as :mod:`yubi.case.checks` writes them."""
        self.notes.append(f"{self.text.locate(path)}: warning: {subject}: {message}")

    def _check_version(self) -> None:
        """``yubi: 1`` fields: a note naming the replacement in v1, an error in v2."""
        audiences = set(self.file.audiences)
        for index, scenario in enumerate(self.file.scenarios):
            for audience, (old, _) in schema.V1_AUDIENCES.items():
                if getattr(scenario, old) is None:
                    continue
                path: list[str | int] = [*self.file.scenario_path(index), old]
                message = (f"{old} is renamed implications_for.{audience} in yubi: 2 "
                           "(`yubi upgrade` rewrites the file)")
                if self.file.yubi >= 2:
                    raise CaseError(message, self.text.locate(path, value=False), scenario.id)
                location = self.text.locate(path, value=False)
                self.notes.append(f"{location}: note: {scenario.id}: {message}")
            if self.file.yubi >= 2 or audiences:
                for audience in scenario.implications_for:
                    if audience not in audiences:
                        where: list[str | int] = [*self.file.scenario_path(index),
                                                  "implications_for", audience]
                        raise CaseError(
                            f'unknown audience "{audience}"{did_you_mean(audience, audiences)}'
                            "; name it under audiences:",
                            self.text.locate(where, value=False), scenario.id)

    def _unit(self, text: str | None, path: list[str | int], subject: str) -> Unit:
        """Parse a unit; in a case with ``units:``, every word must be declared or built in."""
        try:
            unit = parse_unit(text)
        except UnitError as error:
            raise self.error(str(error), path, subject) from None
        declared = self.file.units
        if declared is None:
            return unit
        known = set(declared) | BUILTIN_UNITS
        for word in unit_words(text):
            if word not in known:
                hint = (f' (did you mean "{UNIT_SYNONYMS[word]}"?)' if word in UNIT_SYNONYMS
                        else did_you_mean(word, known))
                raise self.error(
                    f'unknown unit "{word}"{hint}; declare it under units: or use a built-in '
                    "(person, KRW, USD, event, day, week, month, year, %)", path, subject)
        return unit

    def _check_priors(self) -> None:
        """The dimensions, their priors checked, and their combinations."""
        self.dimensions = dimensions_of(self.file, 0, self.error)
        self.combinations = combinations(self.dimensions)
        members: dict[str, list[int]] = {}
        for index, combination in enumerate(self.combinations):
            for branch in combination.branches:
                members.setdefault(branch.id, []).append(index)
        self.scenario_index = {b: tuple(found) for b, found in members.items()}

    def _scenarios(self) -> tuple[ScenarioSpec, ...]:
        """One spec per combination; a combination starts when its first-dimension branch
        does (``starts:`` is allowed on the first dimension's branches only)."""
        starts: dict[str, dict[str, Any]] = {}
        first = self.dimensions[0].id
        for index, scenario in enumerate(self.file.scenarios):
            path = self.file.scenario_path(index)
            dimension = self.dimensions[0] if not self.file.crossed else next(
                d for d in self.dimensions if any(b.index == index for b in d.branches))
            if scenario.starts is not None and dimension.id != first:
                raise self.error(
                    f"starts: is allowed only on branches of the first dimension ({first}); "
                    "a combination takes effect when its branch of that dimension does",
                    [*path, "starts"], scenario.id)
            starts[scenario.id] = self._start(scenario, path)
        specs = []
        for index, combination in enumerate(self.combinations):
            lead = combination.branches[0]
            branches = tuple(b.id for b in combination.branches) if self.file.crossed else ()
            specs.append(ScenarioSpec(combination.id, index, combination.label,
                                      combination.prior, **starts[lead.id],
                                      branches=branches))
        return tuple(specs)

    def _start(self, scenario: schema.Scenario, path: list[str | int]) -> dict[str, Any]:
        """``start_month``, ``start_marginal``, ``start_column``, ``start_event`` of a branch."""
        starts = scenario.starts
        if starts is None:
            return {}
        if starts.event is not None:
            if starts.event not in self.file.dynamics.events:
                raise self.error(f'unknown event "{starts.event}"', [*path, "starts", "event"],
                                 scenario.id)
            return {"start_event": starts.event}
        if isinstance(starts.month, int | float):
            return {"start_month": float(starts.month)}
        marginal = self._marginal(starts.month, None, [*path, "starts", "month"], scenario.id)
        self.inputs.append(InputColumn(f"start:{scenario.id}", scenario.label, marginal, "start",
                                       _ids(starts.source), _english(starts.assumption)))
        return {"start_marginal": marginal, "start_column": len(self.inputs) - 1}

    def _declare_units(self) -> None:
        sections: list[tuple[str, dict[str, Any]]] = [
            ("quantities", dict(self.file.quantities)),
            ("flows", dict(self.file.dynamics.flows)),
            ("stocks", dict(self.file.dynamics.stocks)),
        ]
        for section, entries in sections:
            for name, entry in entries.items():
                path = self._path(section, name) + ["unit"]
                self._claim_name(name, section)
                self.units[name] = self._unit(entry.unit, path, name)
        for name in self.file.dynamics.events:
            self._claim_name(name, "events")
            self.units[name] = DIMENSIONLESS

    def _claim_name(self, name: str, section: str) -> None:
        # "True" would read as 1 and "lambda" cannot be written in an expression; "scenario"
        # is the scenario() function and the name of the design's scenario column.
        if keyword.iskeyword(name) or name == "scenario":
            raise self.error(f'"{name}" is a reserved word; choose another name',
                             self._path(section, name), name)
        if name in BUILTINS or name in self._claimed:
            where = (
                "a built-in name"
                if name in BUILTINS
                else f"already defined in {self._claimed[name]}"
            )
            raise self.error(f'"{name}" is {where}', self._path(section, name), name)
        self._claimed[name] = section

    def _path(self, section: str, name: str) -> list[str | int]:
        if section in ("flows", "stocks", "events"):
            return ["dynamics", section, name]
        return [section, name]

    # -- variables -------------------------------------------------------------------------
    def _variables(self, scenarios: tuple[ScenarioSpec, ...]) -> tuple[Variable, ...]:
        # Quantities are fixed per trajectory: they read other quantities, never the month.
        quantity_names = {n: self.units[n] for n in self.file.quantities}
        dynamic_names = self._dynamic_names()
        drafts: dict[
            str,
            tuple[Literal["quantity", "flow"], Any, Definition, dict[int, Definition], int | None],
        ] = {}
        for name, quantity in self.file.quantities.items():
            path: list[str | int] = ["quantities", name]
            base = self._definition(quantity, path, name, quantity_names)
            column = self._column_for(name, quantity.label, base, quantity)
            drafts[name] = ("quantity", quantity, base, {}, column)
        for name, flow in self.file.dynamics.flows.items():
            path = ["dynamics", "flows", name]
            expression = self._expression(flow.expr, path + ["expr"], name, dynamic_names)
            self._unit_matches(expression, name, path + ["expr"])
            drafts[name] = ("flow", flow, Definition(expression=expression), {}, None)
        overridden: dict[tuple[str, int], str] = {}  # (name, combination) → branch
        for index, scenario in enumerate(self.file.scenarios):
            for name, override in scenario.overrides.items():
                path = [*self.file.scenario_path(index), "overrides", name]
                if name not in drafts:
                    raise self.error(
                        f'overrides unknown quantity or flow "{name}"', path, scenario.id
                    )
                kind, entry, base, overrides, column = drafts[name]
                names = quantity_names if kind == "quantity" else dynamic_names
                definition = self._definition(override, path, name, names)
                if definition.marginal is not None and column is None:
                    column = self._column_for(name, entry.label, definition, entry)
                # Per combination that includes the branch; a later dimension's wins.
                earlier = {overridden[(name, c)] for c in self.scenario_index[scenario.id]
                           if (name, c) in overridden}
                if earlier:
                    self.note(f'"{name}" is also overridden by {", ".join(sorted(earlier))} '
                              "of an earlier dimension; in their combinations this override "
                              "wins", path, scenario.id)
                for combination in self.scenario_index[scenario.id]:
                    overrides[combination] = definition
                    overridden[(name, combination)] = scenario.id
                drafts[name] = (kind, entry, base, overrides, column)
        order = self._order(drafts)
        delayed = {s.index for s in scenarios if s.delayed}
        dynamic: set[str] = set()
        variables = []
        for name in order:
            kind, entry, base, overrides, column = drafts[name]
            reads = _reads(base, overrides.values())
            is_dynamic = (
                kind == "flow"
                or bool(delayed & overrides.keys())
                or bool(reads & dynamic)
            )
            if is_dynamic:
                dynamic.add(name)
            variables.append(
                Variable(name, kind, entry.label, entry.unit, self.units[name], base,
                         overrides, column, is_dynamic, reads)
            )
        return tuple(variables)

    def _column_for(
        self, name: str, label: schema.LocalText, definition: Definition, entry: Any
    ) -> int | None:
        if definition.marginal is None:
            return None
        if any(column.name == name for column in self.inputs):
            return next(i for i, column in enumerate(self.inputs) if column.name == name)
        self.inputs.append(
            # The definition's own provenance: a flow (entry) has none, an override its own.
            InputColumn(name, label, definition.marginal, "quantity", definition.sources,
                        definition.assumption)
        )
        return len(self.inputs) - 1

    def _definition(
        self, entry: Any, path: list[str | int], name: str, names: dict[str, Unit]
    ) -> Definition:
        unit = self.units[name]
        sources = _ids(entry.source)
        assumption = _english(getattr(entry, "assumption", None))
        if entry.expr is not None:
            expression = self._expression(entry.expr, path + ["expr"], name, names)
            self._unit_matches(expression, name, path + ["expr"])
            return Definition(expression=expression, sources=sources, assumption=assumption)
        if isinstance(entry.value, int | float):
            if entry.truncate is not None:
                raise self.error("truncate applies to distributions", path + ["truncate"], name)
            return Definition(constant=float(entry.value) * unit.scale, sources=sources,
                              assumption=assumption)
        spec = entry.value if entry.value is not None else entry.distribution
        key = "value" if entry.value is not None else "distribution"
        marginal = self._marginal(spec, entry.truncate, path + [key], name)
        return Definition(marginal=marginal, scale=unit.scale, sources=sources,
                          assumption=assumption)

    def _marginal(
        self, spec: Any, truncate: Any, path: list[str | int], subject: str
    ) -> Marginal:
        try:
            return marginal_from_spec(spec, truncate)
        except ValueError as error:
            raise self.error(str(error), path, subject) from None

    def _expression(
        self, text: str, path: list[str | int], subject: str, names: dict[str, Unit],
        explain: Callable[[str], str] | None = None,
    ) -> CompiledExpression:
        index = self.scenario_index

        def in_scenario(env: Env, scenario_id: str) -> Any:
            rows = index[scenario_id]
            if len(rows) == 1:
                return env[ACTIVE_KEY][rows[0]]
            return np.logical_or.reduce([env[ACTIVE_KEY][row] for row in rows])

        try:
            return compile_expression(
                text,
                names,
                scenario_ids=frozenset(index),
                scenario_function=in_scenario if "month" in names else None,
            )
        except ExpressionError as error:
            location = self.text.expression_column(path, error.offset)
            message = (explain or self._explain)(error.message)
            raise CaseError(message, location, subject) from None

    def _explain(self, message: str) -> str:
        """'unknown name' for a stock, flow or event read where only quantities may be."""
        match = re.match(r'unknown name "(\w+)"', message)
        dynamics = self.file.dynamics
        if match is None:
            return message
        name = match.group(1)
        for kind, names in (("stock", dynamics.stocks), ("flow", dynamics.flows),
                            ("event", dynamics.events)):
            if name in names:
                return (f'"{name}" is a {kind}, which changes month by month: stocks, flows '
                        "and events cannot be used in quantities (nor in a stock's initial "
                        "value), which are fixed for a whole trajectory; read it in a flow, a "
                        "stock's update or an output")
        return message

    def _dynamic_names(self) -> dict[str, Unit]:
        return dict(self.units)

    def _unit_matches(
        self, expression: CompiledExpression, name: str, path: list[str | int],
        expected: Unit | None = None, what: str = "unit",
    ) -> None:
        declared = expected if expected is not None else self.units[name]
        if expression.unit is not None and not expression.unit.same_dimension(declared):
            raise self.error(
                f"expression is in {expression.unit} but the {what} is {declared}", path, name
            )

    def _order(self, drafts: dict[str, Any]) -> list[str]:
        graph: dict[str, set[str]] = {}
        for name, (_, _, base, overrides, _) in drafts.items():
            graph[name] = {n for n in _reads(base, overrides.values()) if n in drafts}
        try:
            return list(TopologicalSorter(graph).static_order())
        except CycleError as error:
            cycle = error.args[1]
            first = cycle[0]
            kind = drafts[first][0]
            path = self._path("quantities" if kind == "quantity" else "flows", first)
            raise self.error(
                "circular definition: " + " → ".join(cycle), path, first
            ) from None

    # -- dynamics and outputs --------------------------------------------------------------
    def _stocks(self) -> tuple[StockSpec, ...]:
        initial_names = {n: self.units[n] for n in self.file.quantities}
        specs = []
        for name, stock in self.file.dynamics.stocks.items():
            path: list[str | int] = ["dynamics", "stocks", name]
            initial_text = stock.initial if isinstance(stock.initial, str) else repr(stock.initial)
            initial = self._expression(initial_text, path + ["initial"], name, initial_names)
            self._unit_matches(initial, name, path + ["initial"])
            update = flow = None
            if stock.update is not None:
                update = self._expression(stock.update, path + ["update"], name, self.units)
                self._unit_matches(update, name, path + ["update"])
            else:
                assert stock.flow is not None  # the schema requires one of the two
                flow = self._expression(stock.flow, path + ["flow"], name, self.units)
                per_month = self.units[name] / BUILTINS["month"]
                self._unit_matches(flow, name, path + ["flow"], per_month, "stock's unit per month")
            specs.append(StockSpec(name, stock.label, self.units[name], initial, update, flow))
        return tuple(specs)

    def _events(self) -> tuple[EventSpec, ...]:
        specs = []
        for name, event in self.file.dynamics.events.items():
            path: list[str | int] = ["dynamics", "events", name, "hazard"]
            hazard = self._expression(event.hazard, path, name, self.units)
            self._unit_matches(hazard, name, path, DIMENSIONLESS, "hazard (a probability)")
            specs.append(EventSpec(name, event.label, hazard))
        return tuple(specs)

    def _outputs(self) -> tuple[OutputSpec, ...]:
        specs = []
        for output_id, output in self.file.outputs.items():
            path: list[str | int] = ["outputs", output_id]
            unit = self._unit(output.unit, path + ["unit"], output_id)
            text = output.expr or output_id
            where = path + (["expr"] if output.expr else [])
            expression = self._expression(text, where, output_id, self.units)
            self._unit_matches(expression, output_id, where, unit, "output's unit")
            specs.append(
                OutputSpec(output_id, output.label, output.unit, unit, expression,
                           tuple(output.thresholds), output.kind)
            )
        return tuple(specs)

    def _indicators(self, outputs: tuple[OutputSpec, ...]) -> tuple[IndicatorSpec, ...]:
        """Compile each ``when:`` over the outputs (first) and the model's names."""
        names = {output.id: output.unit for output in outputs}
        months = month_labels(self.file.horizon.start, self.file.horizon.months)
        specs = []
        for index, indicator in enumerate(self.file.indicators):
            path: list[str | int] = ["indicators", index]
            condition = by_month = window = None
            if indicator.when is not None:
                condition = self._expression(indicator.when, path + ["when"], indicator.id,
                                             names, self._explain_condition)
                self._is_condition(condition, path + ["when"], indicator.id)
                if indicator.by is not None:
                    by_month = self._month_in_horizon(indicator.by, months, path + ["by"],
                                                      indicator.id)
                    window = (0, by_month)
                else:
                    assert indicator.within is not None  # the schema requires one of the two
                    first, last = (
                        self._month_in_horizon(month, months, path + ["within", k], indicator.id)
                        for k, month in enumerate(indicator.within))
                    window = (first, last)
            elif not schema.said(indicator.assumption):
                self.note("a typed likelihood without when: should say under assumption: why "
                          "the model cannot express the indicator", path + ["likelihood"],
                          indicator.id)
            specs.append(IndicatorSpec(
                indicator.id, index, indicator.label, condition, by_month, window,
                dict(indicator.likelihood) if indicator.likelihood is not None else None))
        return tuple(specs)

    def _explain_condition(self, message: str) -> str:
        """'unknown name' for a model name that is not an output: say to report it."""
        match = re.match(r'unknown name "(\w+)"', message)
        if match is None or match.group(1) not in self.units:
            return message
        name = match.group(1)
        return (f'"{name}" is not an output: when: reads outputs, month by month; add an '
                f"output {name} (an output with the id of a stock or flow reports it)")

    def _is_condition(self, condition: CompiledExpression, path: list[str | int],
                      subject: str) -> None:
        """A ``when:`` is a comparison, a test (and/or/not) or a 0/1 name, not an amount."""
        tree = condition.tree
        test = isinstance(tree, ast.Compare | ast.BoolOp) or (
            isinstance(tree, ast.UnaryOp) and isinstance(tree.op, ast.Not)) or (
            isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name)
            and tree.func.id == "scenario")
        dimensionless = condition.unit is None or condition.unit.is_dimensionless
        if not (test or dimensionless):
            raise self.error(
                f"when: must be a condition such as \"{condition.text.strip()} >= 1\", "
                f"not an amount in {condition.unit}", path, subject)

    def _month_in_horizon(self, month: str, months: Sequence[str], path: list[str | int],
                          subject: str) -> int:
        if month not in months:
            raise self.error(f"month {month} is outside the horizon {months[0]} to "
                             f"{months[-1]}", path, subject)
        return list(months).index(month)

    # -- references ------------------------------------------------------------------------
    def _check_sources(self) -> None:
        known = set(self.file.sources)
        for path, value in _source_fields(self.file):
            for source_id in _ids(value):
                if source_id not in known:
                    hint = did_you_mean(source_id, known)
                    raise self.error(f'unknown source "{source_id}"{hint}', path, _subject(path))

    def _check_references(self) -> None:
        scenario_ids = set(self.scenario_index)
        by_dimension = {d.id: {b.id for b in d.branches} for d in self.dimensions}
        outputs = set(self.file.outputs)
        actors = {a.id for a in self.file.actors}
        for index, indicator in enumerate(self.file.indicators):
            if indicator.likelihood is None:
                continue
            path: list[str | int] = ["indicators", index, "likelihood"]
            keys = set(indicator.likelihood)
            # Typed likelihoods are per branch of one dimension (a flat case: per scenario).
            dimension = next((ids for ids in by_dimension.values() if keys & ids),
                             next(iter(by_dimension.values())))
            missing = dimension - keys
            unknown = keys - dimension
            if unknown:
                raise self.error(f"unknown scenario {sorted(unknown)[0]!r}", path, indicator.id)
            if missing:
                raise self.error(
                    f"no likelihood for scenario {sorted(missing)[0]!r}", path, indicator.id
                )
        for index, impact in enumerate(self.file.impacts):
            for output_id in impact.outputs:
                if output_id not in outputs:
                    raise self.error(f'unknown output "{output_id}"',
                                     ["impacts", index, "outputs"], impact.id)
            if actors and impact.for_whom not in actors:
                raise self.error(f'unknown actor "{impact.for_whom}"',
                                 ["impacts", index, "for_whom"], impact.id)
        for index, recommendation in enumerate(self.file.recommendations):
            for scenario_id in recommendation.scenarios:
                if scenario_id not in scenario_ids:
                    raise self.error(f'unknown scenario "{scenario_id}"',
                                     ["recommendations", index, "scenarios"], recommendation.id)

    def _correlation(self) -> NDArray[np.float64] | None:
        if not self.file.correlations:
            return None
        columns = {column.name: i for i, column in enumerate(self.inputs)}
        size = len(self.inputs)
        matrix = np.eye(size)
        for index, correlation in enumerate(self.file.correlations):
            path: list[str | int] = ["correlations", index, "between"]
            for name in correlation.between:
                if name not in columns or self.inputs[columns[name]].kind != "quantity":
                    raise self.error(
                        f'"{name}" is not an uncertain quantity; only distributions correlate',
                        path, "correlations")
            a, b = (columns[name] for name in correlation.between)
            if a == b:
                raise self.error("a quantity cannot correlate with itself", path, "correlations")
            # Spearman's rho → the Pearson correlation of the Gaussian copula.
            pearson = 2 * math.sin(math.pi * correlation.rank / 6)
            matrix[a, b] = matrix[b, a] = pearson
        if np.linalg.eigvalsh(matrix).min() <= 1e-10:
            raise self.error("the correlations are inconsistent (not positive definite)",
                             ["correlations"], "correlations")
        return matrix


def _reads(base: Definition, overrides: Iterable[Definition]) -> frozenset[str]:
    names: set[str] = set()
    for definition in (base, *overrides):
        if definition.expression is not None:
            names |= definition.expression.names
    return frozenset(names)


def _english(text: schema.LocalText | None) -> str | None:
    """The English of an ``assumption:`` (what the run JSON and the command line show)."""
    return None if text is None else text.en


def _ids(value: str | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _subject(path: Sequence[str | int]) -> str:
    return str(path[1]) if len(path) > 1 else str(path[0])


def _source_fields(case: schema.CaseFile) -> Iterable[tuple[list[str | int], Any]]:
    """Every (key path, source reference) in the case."""
    for name, quantity in case.quantities.items():
        yield ["quantities", name, "source"], quantity.source
    for name, event in case.dynamics.events.items():
        yield ["dynamics", "events", name, "source"], event.source
    for index, scenario in enumerate(case.scenarios):
        path = case.scenario_path(index)
        yield [*path, "prior_source"], scenario.prior_source
        if scenario.starts is not None:
            yield [*path, "starts", "source"], scenario.starts.source
        for name, override in scenario.overrides.items():
            yield [*path, "overrides", name, "source"], override.source
    sections: list[tuple[str, Sequence[Any]]] = [
        ("context", case.context), ("impacts", case.impacts), ("indicators", case.indicators),
        ("claims", case.claims), ("recommendations", case.recommendations),
        ("correlations", case.correlations),
    ]
    for section, items in sections:
        for index, item in enumerate(items):
            yield [section, index, "source"], item.source
    for index, analog in enumerate(case.analogs):
        for row_index, row in enumerate(analog.rows):
            yield ["analogs", index, "rows", row_index, "source"], row.source
