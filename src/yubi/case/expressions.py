"""The safe expression language of case files, compiled once to vectorized NumPy closures.

An expression such as ``min(troops_initial * 2.5, troops_cap)`` is parsed with
:func:`ast.parse` (which only parses; nothing runs), checked against a whitelist of node
types, names and functions, checked for units, and compiled into a tree of small Python
closures that call NumPy ufuncs on whole arrays of trajectories. Case text never reaches
``eval``/``exec``; there is no attribute access, subscript, import, lambda or comprehension,
and size and nesting are bounded before parsing.

Pure subtrees (no random draws, no ``scenario()``) are also fused with numexpr: the checked
syntax tree is translated node by node into numexpr's expression objects — never into a string,
so numexpr's own string parser (which calls ``eval``) is not used — and evaluated in one
cache-blocked pass with the GIL released, instead of one NumPy temporary per operation.
Every value the engine hands an expression is float64, which the fused kernels assume.

Plain numbers take the unit of whatever they are added to or compared with (``max(x, 0)``)
and are otherwise dimensionless; they are read in base units (months for time).
"""

from __future__ import annotations

import ast
import difflib
import threading
import unicodedata
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, cast

import numpy as np

from yubi.case.units import DIMENSIONLESS, Unit, UnitError
from yubi.errors import CaseError, ExpressionError

__all__ = [
    "FUNCTIONS",
    "MAX_EXPRESSION_CHARS",
    "MAX_EXPRESSION_NODES",
    "CompiledExpression",
    "Env",
    "compile_expression",
]

MAX_EXPRESSION_CHARS = 2000
MAX_EXPRESSION_NODES = 400
MAX_NESTING = 40
RNG_KEY = "__rng__"
#: Environment key holding the number of trajectories being evaluated.
SIZE_KEY = "__size__"

Env = Mapping[str, Any]
Evaluator = Callable[[Env], Any]


@dataclass(frozen=True)
class CompiledExpression:
    """An expression ready to run on arrays of trajectories.

    Attributes
    ----------
    text
        The source text.
    unit
        Its dimension (scale 1: values are in base units); ``None`` for a bare number.
    names
        Every quantity, stock, flow or event the expression reads.
    stochastic
        Whether it draws random numbers (``poisson``, ``binomial``, ``bernoulli``).
    scenarios
        Scenario ids named through ``scenario("...")``.
    tree
        The checked syntax tree (only whitelisted nodes): what
        :mod:`yubi.engine.codegen` translates into a compiled kernel.
    """

    text: str
    unit: Unit | None
    names: frozenset[str]
    stochastic: bool
    scenarios: frozenset[str]
    _evaluate: Evaluator
    tree: ast.expr | None = field(default=None, compare=False, repr=False)

    def evaluate(self, env: Env) -> Any:
        """Evaluate on ``env``, a mapping from names to arrays or scalars (base units)."""
        return self._evaluate(env)

    @property
    def constant(self) -> bool:
        return not self.names and not self.stochastic and not self.scenarios


@dataclass(frozen=True)
class _Function:
    arity: tuple[int, int]
    rule: str  # how the result's unit follows from the arguments'
    implementation: Callable[..., Any]
    stochastic: bool = False


def _where(condition: Any, a: Any, b: Any) -> Any:
    return np.where(condition, a, b)


def _min(*values: Any) -> Any:
    result = values[0]
    for value in values[1:]:
        result = np.minimum(result, value)
    return result


def _max(*values: Any) -> Any:
    result = values[0]
    for value in values[1:]:
        result = np.maximum(result, value)
    return result


FUNCTIONS: dict[str, _Function] = {
    "min": _Function((2, 16), "same", _min),
    "max": _Function((2, 16), "same", _max),
    "clip": _Function((3, 3), "same", np.clip),
    "where": _Function((3, 3), "where", _where),
    "abs": _Function((1, 1), "same", np.abs),
    "floor": _Function((1, 1), "same", np.floor),
    "ceil": _Function((1, 1), "same", np.ceil),
    "round": _Function((1, 1), "same", np.round),
    "exp": _Function((1, 1), "dimensionless", np.exp),
    "log": _Function((1, 1), "dimensionless", np.log),
    "log10": _Function((1, 1), "dimensionless", np.log10),
    "log1p": _Function((1, 1), "dimensionless", np.log1p),
    "expm1": _Function((1, 1), "dimensionless", np.expm1),
    "sqrt": _Function((1, 1), "sqrt", np.sqrt),
    "sin": _Function((1, 1), "dimensionless", np.sin),
    "cos": _Function((1, 1), "dimensionless", np.cos),
    "tanh": _Function((1, 1), "dimensionless", np.tanh),
    "logistic": _Function((1, 1), "dimensionless", lambda x: 0.5 * (1.0 + np.tanh(0.5 * x))),
    "poisson": _Function((1, 1), "same", lambda rng, lam: rng.poisson(np.maximum(lam, 0.0)), True),
    "binomial": _Function(
        (2, 2),
        "first",
        lambda rng, n, p: rng.binomial(
            np.maximum(n, 0).astype(np.int64), np.clip(p, 0.0, 1.0)
        ).astype(np.float64),
        True,
    ),
    "bernoulli": _Function(
        (1, 1), "dimensionless", lambda rng, p: rng.random(np.shape(p)) < p, True
    ),
}

_COMPARE = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}
_ARITHMETIC = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.divide,
    ast.Mod: np.mod,
}
_DESCRIPTIONS = {
    ast.Attribute: "attribute access",
    ast.Subscript: "indexing",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.Starred: "star arguments",
    ast.JoinedStr: "f-strings",
    ast.NamedExpr: "assignment",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.Await: "await",
    ast.Yield: "yield",
}


def compile_expression(
    text: str,
    names: Mapping[str, Unit],
    *,
    scenario_ids: frozenset[str] = frozenset(),
    scenario_function: Callable[[Env, str], Any] | None = None,
    fuse: bool = True,
) -> CompiledExpression:
    """Compile ``text`` into a vectorized evaluator.

    Parameters
    ----------
    text
        The expression as written in the case file.
    names
        Every name the expression may read, with its unit.
    scenario_ids
        Valid arguments of ``scenario("id")``.
    scenario_function
        Implements ``scenario("id")`` at run time: takes the environment and the id, returns
        a boolean array (the trajectory is in that scenario and it has taken effect).
    fuse
        Evaluate pure expressions with numexpr (see the module notes); ``False`` keeps the
        NumPy closures, which the tests use as the reference.

    Raises
    ------
    ExpressionError
        With a 0-based character offset, if the text is not a valid, unit-consistent
        expression over ``names``.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"expected an expression as text, got {type(text).__name__}")
    _check_size(text)
    _check_lookalikes(text)
    try:
        with warnings.catch_warnings():  # e.g. "1if x else 2": no SyntaxWarning on stderr
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        offset = max((error.offset or 1) - 1, 0) + len(text) - len(text.lstrip())
        raise ExpressionError(f"syntax error: {error.msg}", offset) from None
    except (ValueError, RecursionError, MemoryError) as error:
        raise ExpressionError(f"cannot parse expression: {error}") from None
    node_count = sum(1 for _ in ast.walk(tree))
    if node_count > MAX_EXPRESSION_NODES:
        raise ExpressionError(
            f"expression too large ({node_count} nodes; at most {MAX_EXPRESSION_NODES})"
        )
    leading = len(text) - len(text.lstrip())
    compiler = _Compiler(text.strip(), names, scenario_ids, scenario_function, leading)
    evaluate, unit = compiler.visit(tree.body)
    if fuse and not compiler.stochastic and not compiler.scenarios:
        evaluate = fused(tree.body, evaluate)
    return CompiledExpression(
        text=text,
        unit=unit,
        names=frozenset(compiler.used),
        stochastic=compiler.stochastic,
        scenarios=frozenset(compiler.scenarios),
        _evaluate=evaluate,
        tree=tree.body,
    )


def _check_lookalikes(text: str) -> None:
    # Python's parser NFKC-normalizes identifiers, so "𝐞𝐱𝐩" or a full-width "ｄt" would run
    # as exp and dt while reading as something else: refuse what normalization would change.
    for offset, character in enumerate(text):
        if not character.isascii() and unicodedata.normalize("NFKC", character) != character:
            raise ExpressionError(
                f"character {character!r} (U+{ord(character):04X}) looks like "
                f"{unicodedata.normalize('NFKC', character)!r} but is not; type it plainly",
                offset,
            )


def _check_size(text: str) -> None:
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(
            f"expression too long ({len(text)} characters; at most {MAX_EXPRESSION_CHARS})"
        )
    depth = deepest = 0
    for position, char in enumerate(text):
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_NESTING:
                raise ExpressionError(
                    f"expression nested too deeply (over {MAX_NESTING})", position
                )
        elif char in ")]}":
            depth -= 1


class _Compiler:
    """Walks a parsed expression, returning (evaluator, unit) per node."""

    def __init__(
        self,
        text: str,
        names: Mapping[str, Unit],
        scenario_ids: frozenset[str],
        scenario_function: Callable[[Env, str], Any] | None,
        leading: int,
    ) -> None:
        self.text = text
        self.names = names
        self.scenario_ids = scenario_ids
        self.scenario_function = scenario_function
        self.leading = leading
        self.used: set[str] = set()
        self.scenarios: set[str] = set()
        self.stochastic = False
        self._byte_text = text.encode("utf-8")

    # -- errors -------------------------------------------------------------------------
    def fail(self, node: ast.AST, message: str) -> ExpressionError:
        byte_offset = getattr(node, "col_offset", 0) or 0
        offset = len(self._byte_text[:byte_offset].decode("utf-8", errors="ignore"))
        return ExpressionError(message, offset + self.leading)

    # -- dispatch -----------------------------------------------------------------------
    def visit(self, node: ast.AST) -> tuple[Evaluator, Unit | None]:
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None:
            what = _DESCRIPTIONS.get(type(node), type(node).__name__)
            raise self.fail(node, f"{what} is not allowed in expressions")
        result: tuple[Evaluator, Unit | None] = method(node)
        return result

    def visit_Constant(self, node: ast.Constant) -> tuple[Evaluator, Unit | None]:
        value = node.value
        if isinstance(value, bool):
            value = float(value)
        if not isinstance(value, int | float) or isinstance(value, complex):
            raise self.fail(node, f"only numbers are allowed here, not {value!r}")
        try:
            number = float(value)
        except OverflowError:  # an integer literal with hundreds of digits
            raise self.fail(node, "number too large") from None
        return _constant(number), None

    def visit_Name(self, node: ast.Name) -> tuple[Evaluator, Unit | None]:
        name = node.id
        if name not in self.names:
            raise self.fail(node, f'unknown name "{name}"{_suggest(name, self.names)}')
        self.used.add(name)
        return (lambda env: env[name]), self.names[name]

    def visit_UnaryOp(self, node: ast.UnaryOp) -> tuple[Evaluator, Unit | None]:
        operand, unit = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            return _fold(np.logical_not, operand), DIMENSIONLESS
        if isinstance(node.op, ast.USub):
            return _fold(_numeric(np.negative), operand), unit
        if isinstance(node.op, ast.UAdd):
            return operand, unit
        raise self.fail(node, "bitwise operators are not allowed")

    def visit_BinOp(self, node: ast.BinOp) -> tuple[Evaluator, Unit | None]:
        left, left_unit = self.visit(node.left)
        if isinstance(node.op, ast.Pow):
            return self._power(node, left, left_unit)
        right, right_unit = self.visit(node.right)
        operation = _ARITHMETIC.get(type(node.op))
        if operation is None:
            raise self.fail(node, f"operator {type(node.op).__name__} is not allowed")
        if isinstance(node.op, ast.Add | ast.Sub | ast.Mod):
            verb = {ast.Add: "add", ast.Sub: "subtract", ast.Mod: "take the remainder of"}[
                type(node.op)
            ]
            unit = self._same(node, verb, [left_unit, right_unit])
        elif left_unit is None and right_unit is None:
            unit = None
        elif isinstance(node.op, ast.Mult):
            unit = (left_unit or DIMENSIONLESS) * (right_unit or DIMENSIONLESS)
        else:
            unit = (left_unit or DIMENSIONLESS) / (right_unit or DIMENSIONLESS)
        return _fold(_numeric(operation), left, right), unit

    def _power(
        self, node: ast.BinOp, base: Evaluator, base_unit: Unit | None
    ) -> tuple[Evaluator, Unit | None]:
        exponent_node = node.right
        exponent, exponent_unit = self.visit(exponent_node)
        if base_unit is None or base_unit.is_dimensionless:
            if exponent_unit is not None and not exponent_unit.is_dimensionless:
                raise self.fail(
                    exponent_node, f"an exponent must be dimensionless, not {exponent_unit}"
                )
            return _fold(_numeric(np.power), base, exponent), base_unit
        literal = _literal_number(exponent_node)
        if literal is None:
            raise self.fail(
                exponent_node,
                f"a quantity in {base_unit} can only be raised to a plain number",
            )
        try:
            unit = base_unit.power(Fraction(literal).limit_denominator(64))
        except (UnitError, OverflowError) as error:  # OverflowError: x ** 1e400
            raise self.fail(node, str(error)) from None
        return _fold(_numeric(np.power), base, _constant(literal)), unit

    def visit_Compare(self, node: ast.Compare) -> tuple[Evaluator, Unit | None]:
        operands = [node.left, *node.comparators]
        compiled = [self.visit(operand) for operand in operands]
        self._same(node, "compare", [unit for _, unit in compiled])
        steps: list[Evaluator] = []
        for index, op in enumerate(node.ops):
            operation = _COMPARE.get(type(op))
            if operation is None:
                raise self.fail(node, f"comparison {type(op).__name__} is not allowed")
            steps.append(_fold(operation, compiled[index][0], compiled[index + 1][0]))
        result = steps[0]
        for step in steps[1:]:
            result = _fold(np.logical_and, result, step)
        return result, DIMENSIONLESS

    def visit_BoolOp(self, node: ast.BoolOp) -> tuple[Evaluator, Unit | None]:
        operation = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        values = [self.visit(value)[0] for value in node.values]
        result = values[0]
        for value in values[1:]:
            result = _fold(operation, result, value)
        return result, DIMENSIONLESS

    def visit_IfExp(self, node: ast.IfExp) -> tuple[Evaluator, Unit | None]:
        condition, _ = self.visit(node.test)
        (yes, yes_unit), (no, no_unit) = self.visit(node.body), self.visit(node.orelse)
        unit = self._same(node, "choose between", [yes_unit, no_unit])
        return _fold(_where, condition, yes, no), unit

    def visit_Call(self, node: ast.Call) -> tuple[Evaluator, Unit | None]:
        if not isinstance(node.func, ast.Name):
            raise self.fail(node, "only plain function calls such as max(a, b) are allowed")
        name = node.func.id
        if node.keywords:
            raise self.fail(node, f"{name}() takes no keyword arguments")
        if name == "scenario":
            return self._scenario(node)
        function = FUNCTIONS.get(name)
        if function is None:
            known = sorted([*FUNCTIONS, "scenario"])
            hint = _suggest(name, known) or f" (functions: {', '.join(known)})"
            raise self.fail(node, f'unknown function "{name}"{hint}')
        low, high = function.arity
        if not low <= len(node.args) <= high:
            wanted = str(low) if low == high else f"{low} to {high}"
            raise self.fail(node, f"{name}() takes {wanted} arguments, got {len(node.args)}")
        compiled = [self.visit(argument) for argument in node.args]
        unit = self._function_unit(node, name, function.rule, [u for _, u in compiled])
        evaluators = [evaluate for evaluate, _ in compiled]
        if function.stochastic:
            return self._random_call(name, node, function, evaluators), unit
        # _numeric: on booleans NumPy computes exp, tanh... in float16.
        return _fold(_numeric(function.implementation), *evaluators), unit

    def _random_call(
        self, name: str, node: ast.Call, function: _Function, evaluators: list[Evaluator]
    ) -> Evaluator:
        """A random function, drawn per trajectory from the chunk's generator; arguments that
        are pure sub-expressions are fused."""
        self.stochastic = True
        implementation = function.implementation
        arguments = [
            fused(argument, evaluate) if _pure(argument) else evaluate
            for argument, evaluate in zip(node.args, evaluators, strict=True)
        ]

        def draw(env: Env) -> Any:
            values = [_per_trajectory(evaluate(env), env) for evaluate in arguments]
            try:
                return implementation(env[RNG_KEY], *values)
            except ValueError as error:  # e.g. a Poisson mean beyond what NumPy can draw
                raise CaseError(f"{name}() got an impossible argument ({error})") from None

        return draw

    def _scenario(self, node: ast.Call) -> tuple[Evaluator, Unit | None]:
        argument = node.args[0] if len(node.args) == 1 else None
        if not isinstance(argument, ast.Constant) or not isinstance(argument.value, str):
            raise self.fail(node, 'scenario() takes one scenario id in quotes, e.g. scenario("x")')
        scenario_id = argument.value
        if scenario_id not in self.scenario_ids:
            raise self.fail(
                argument,
                f'unknown scenario "{scenario_id}"{_suggest(scenario_id, self.scenario_ids)}',
            )
        self.scenarios.add(scenario_id)
        function = self.scenario_function
        if function is None:
            raise self.fail(node, "scenario() is only available in monthly dynamics")
        return (lambda env: function(env, scenario_id)), DIMENSIONLESS

    def _function_unit(
        self, node: ast.Call, name: str, rule: str, units: list[Unit | None]
    ) -> Unit | None:
        if rule == "same":
            return self._same(node, f"mix in {name}()", units)
        if rule == "where":
            return self._same(node, "choose between", units[1:])
        if rule == "first":
            return units[0]
        if rule == "sqrt":
            try:
                return None if units[0] is None else units[0].power(Fraction(1, 2))
            except UnitError as error:
                raise self.fail(node, str(error)) from None
        for unit in units:
            if unit is not None and not unit.is_dimensionless:
                raise self.fail(node, f"{name}() needs a dimensionless argument, not {unit}")
        return DIMENSIONLESS

    def _same(self, node: ast.AST, verb: str, units: list[Unit | None]) -> Unit | None:
        known = [unit for unit in units if unit is not None]
        for unit in known[1:]:
            if not unit.same_dimension(known[0]):
                raise self.fail(node, f"cannot {verb} {known[0]} and {unit}")
        return known[0] if known else None


def _per_trajectory(value: Any, env: Env) -> Any:
    """Random functions draw once per trajectory even when their arguments are constants."""
    size = env.get(SIZE_KEY)
    if size is None or np.ndim(value) == 1:
        return value
    return np.broadcast_to(value, (size,))


def _constant(value: float) -> Evaluator:
    return lambda env: value


def _numeric(operation: Callable[..., Any]) -> Callable[..., Any]:
    """``operation`` reading booleans (comparisons, ``scenario()``, ``bernoulli()``) as 0/1:
    NumPy refuses ``-`` on booleans and does integer ``%`` and ``**`` on them."""

    def apply(*values: Any) -> Any:
        return operation(*[
            value.astype(np.float64) if getattr(value, "dtype", None) == np.bool_ else value
            for value in values
        ])

    return apply


_CONSTANT_CODE = _constant(0.0).__code__


def _is_constant(evaluator: Evaluator) -> bool:
    return getattr(evaluator, "__code__", None) is _CONSTANT_CODE


def _fold(operation: Callable[..., Any], *operands: Evaluator) -> Evaluator:
    """Apply ``operation`` to the operands' values; precompute it when all are constants."""
    if all(_is_constant(operand) for operand in operands):
        with np.errstate(all="ignore"):
            value = operation(*[operand({}) for operand in operands])
        folded = float(value) if np.ndim(value) == 0 else value
        return _constant(folded)
    if len(operands) == 1:
        (only,) = operands
        return lambda env: operation(only(env))
    if len(operands) == 2:
        first, second = operands
        return lambda env: operation(first(env), second(env))
    return lambda env: operation(*[operand(env) for operand in operands])


def _literal_number(node: ast.AST) -> float | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _literal_number(node.operand)
        if inner is not None:
            return -inner if isinstance(node.op, ast.USub) else inner
    return None


def _suggest(name: str, candidates: Any) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


# -- numexpr fusion ------------------------------------------------------------------------
_NUMEXPR_UNARY = {"abs": "abs", "exp": "exp", "log": "log", "log10": "log10",
                  "log1p": "log1p", "expm1": "expm1", "sqrt": "sqrt", "sin": "sin",
                  "cos": "cos", "tanh": "tanh", "floor": "floor", "ceil": "ceil"}


def _pure(node: ast.AST) -> bool:
    """No random draws and no scenario() anywhere below ``node``."""
    for child in ast.walk(node):
        if (
            isinstance(child, ast.Call)
            and isinstance(child.func, ast.Name)
            and (child.func.id == "scenario" or FUNCTIONS[child.func.id].stochastic)
        ):
            return False
    return True


def fused(node: ast.AST, fallback: Evaluator) -> Evaluator:
    """A numexpr kernel for a checked, pure expression; ``fallback`` when not worth it.

    Leaves (names, constants) and single operations stay as they are: a kernel pays off
    from two operations up.
    """
    operations = sum(
        1 for child in ast.walk(node)
        if isinstance(child, ast.BinOp | ast.UnaryOp | ast.Compare | ast.BoolOp | ast.IfExp
                      | ast.Call)
    )
    if operations < 2 or _is_constant(fallback):
        return fallback
    try:
        from numexpr import NumExpr
    except ImportError:  # pragma: no cover - numexpr is a dependency
        return fallback
    _single_threaded_numexpr()
    names = sorted({child.id for child in ast.walk(node) if isinstance(child, ast.Name)}
                   - set(FUNCTIONS) - {"scenario"})
    signature = [(name, np.float64) for name in names]
    try:
        expression = _NumexprBuilder(names).build(node)
        NumExpr(expression, signature)
    # ArithmeticError: numexpr folds constant pairs with Python's operators (1 % 0 raises).
    except (NotImplementedError, TypeError, ValueError, KeyError, ArithmeticError):
        return fallback
    # A NumExpr object keeps its scratch registers in itself, so two threads must never run
    # the same one: each thread compiles its own copy on first use.
    kernels = threading.local()

    def evaluate(env: Env) -> Any:
        kernel = getattr(kernels, "kernel", None)
        if kernel is None:
            kernel = kernels.kernel = NumExpr(expression, signature)
        return kernel(*[env[name] for name in names])

    return evaluate


def _single_threaded_numexpr() -> None:
    """Keep numexpr to the calling thread. The engine parallelizes over chunks (threads,
    forked processes, Dask workers); numexpr's own pool would make threads queue for it, and
    a forked child inheriting that pool's locks can deadlock."""
    import numexpr

    if numexpr.get_num_threads() != 1:
        numexpr.set_num_threads(1)


class _NumexprBuilder:
    """Translates a checked syntax tree into numexpr expression nodes (no strings)."""

    def __init__(self, names: list[str]) -> None:
        from numexpr import expressions

        self.nodes = expressions
        self.variables = {name: expressions.VariableNode(name, "double") for name in names}

    def build(self, node: ast.AST) -> Any:
        return self.value(node)

    def value(self, node: ast.AST) -> Any:
        """A double-valued node (booleans become 0/1)."""
        built = self.visit(node)
        if built.astKind == "bool":
            return self.nodes.where_func(built, 1.0, 0.0)
        return built

    def condition(self, node: ast.AST) -> Any:
        """A boolean node (numbers are true when non-zero)."""
        built = self.visit(node)
        if built.astKind != "bool":
            return built != 0.0
        return built

    def visit(self, node: ast.AST) -> Any:
        e = self.nodes
        if isinstance(node, ast.Constant):
            return e.ConstantNode(float(cast(float, node.value)))
        if isinstance(node, ast.Name):
            return self.variables[node.id]
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                condition = self.condition(node.operand)
                if isinstance(condition, e.ConstantNode):  # numexpr folds ~False to -1
                    return e.ConstantNode(not condition.value)
                return ~condition
            operand = self.value(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Mod):
                # numexpr's remainder gives +0.0 where NumPy's gives -0.0 (e.g. -5 % -5), so a
                # later division by it would flip the sign of an infinity: NumPy evaluates it.
                raise NotImplementedError("remainder")
            left, right = self.value(node.left), self.value(node.right)
            operations: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
                ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
                ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
                ast.Pow: lambda a, b: a**b,
            }
            return operations[type(node.op)](left, right)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.BoolOp):
            parts = [self.condition(value) for value in node.values]
            result = parts[0]
            for part in parts[1:]:
                result = result & part if isinstance(node.op, ast.And) else result | part
            return result
        if isinstance(node, ast.IfExp):
            return e.where_func(self.condition(node.test), self.value(node.body),
                                self.value(node.orelse))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return self.call(node.func.id, node.args)
        raise NotImplementedError(type(node).__name__)

    def compare(self, node: ast.Compare) -> Any:
        operations: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
            ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b,
            ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
            ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b,
        }
        operands = [self.value(item) for item in [node.left, *node.comparators]]
        result = None
        for index, op in enumerate(node.ops):
            step = operations[type(op)](operands[index], operands[index + 1])
            result = step if result is None else result & step
        return result

    def call(self, name: str, arguments: list[ast.expr]) -> Any:
        e = self.nodes
        if name in _NUMEXPR_UNARY:
            return e.functions[_NUMEXPR_UNARY[name]](self.value(arguments[0]))
        if name == "where":
            return e.where_func(self.condition(arguments[0]), self.value(arguments[1]),
                                self.value(arguments[2]))
        if name in ("min", "max"):
            combine = e.functions["minimum" if name == "min" else "maximum"]
            values = [self.value(argument) for argument in arguments]
            result = values[0]
            for value in values[1:]:
                result = combine(result, value)
            return result
        if name == "clip":
            value, low, high = (self.value(argument) for argument in arguments)
            return e.functions["minimum"](e.functions["maximum"](value, low), high)
        if name == "logistic":
            return 0.5 * (1.0 + e.functions["tanh"](0.5 * self.value(arguments[0])))
        raise NotImplementedError(name)
