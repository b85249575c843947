"""The safe expression compiler: it never runs case text, never crashes, and computes right.

* Hostile and malformed texts fail with :class:`ExpressionError` only, and nothing they name
  is ever executed (texts that would create a marker file leave no file).
* Fuzzing with Hypothesis: any text either compiles or raises ExpressionError; what compiles
  evaluates without raising.
* Random arithmetic expressions agree with the same computation written in plain NumPy, both
  through the NumPy closures (bit for bit) and through the fused numexpr kernels.
* Units: dimensions must agree (no won plus dollars, no soldiers plus months).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from yubi.case.expressions import (
    MAX_EXPRESSION_CHARS,
    MAX_EXPRESSION_NODES,
    RNG_KEY,
    compile_expression,
)
from yubi.case.units import DIMENSIONLESS, Unit, UnitError, parse_unit
from yubi.errors import ExpressionError

NAMES = {
    "a": DIMENSIONLESS,
    "b": DIMENSIONLESS,
    "c": DIMENSIONLESS,
    "troops": parse_unit("soldier"),
    "revenue_krw": parse_unit("KRW"),
    "revenue_usd": parse_unit("USD"),
    "krw_per_usd": parse_unit("KRW/USD"),
    "pay": parse_unit("KRW/soldier/year"),
    "month": parse_unit("month"),
    "dt": parse_unit("month"),
    "rate": parse_unit("1/month"),
}
SIZE = 7


def _env(seed: int = 0) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    env: dict[str, object] = {name: rng.normal(0, 10, SIZE) for name in NAMES}
    env[RNG_KEY] = rng
    return env


# -- nothing is ever executed ---------------------------------------------------------------
def _hostile(marker: Path) -> list[str]:
    path = str(marker)
    return [
        f"__import__('os').system('touch {path}')",
        f"open('{path}', 'w')",
        f"exec(\"open('{path}', 'w')\")",
        f"eval(\"open('{path}', 'w')\")",
        f"(lambda: open('{path}', 'w'))()",
        f"[open('{path}', 'w') for _ in a]",
        "a.__class__.__bases__[0].__subclasses__()",
        "().__class__.__base__.__subclasses__()",
        "a.real",
        "a[0]",
        "a if __debug__ else b",
        "__builtins__",
        "globals()",
        "getattr(a, 'real')",
        "breakpoint()",
        f"max(a, b, key=lambda x: open('{path}', 'w'))",
        "max(*a)",
        "(a := 1)",
        "f'{a}'",
        "'a' * 10",
        "b'x'",
        "{1: 2}",
        "{a}",
        "[a, b]",
        "(a, b)",
        "yield a",
        "await a",
        "a @ b",
        "a // b",
        "a << 2",
        "a & b",
        "~a",
        "a is b",
        "a in b",
        "1j",
        "...",
        "import os",
        "a; b",
        "a = 1",
        "",
        "   ",
        "\x00",
        "a\nb",
        "# comment only",
        "scenario(a)",
        "scenario('x', 'y')",
        "min(a)",
        "clip(a, b)",
        "sqrt(troops, a)",
        "1" + "0" * 400,  # an integer too large for a float
        "troops ** 1e400",
        "troops ** -1e400",
        "troops ** a",
        "troops ** 0.5",
    ]


def test_hostile_texts_raise_expression_error_and_run_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    for text in _hostile(marker):
        with pytest.raises(ExpressionError) as caught:
            compile_expression(text, NAMES, scenario_ids=frozenset({"x"}))
        assert caught.value.message, text
        assert 0 <= caught.value.offset <= len(text)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os').system('id')", "only plain function calls"),
        ("a.real", "attribute access is not allowed"),
        ("a[0]", "indexing is not allowed"),
        ("lambda: 1", "lambda is not allowed"),
        ("[x for x in a]", "comprehensions are not allowed|comprehensions is not allowed"),
        ("__import__", 'unknown name "__import__"'),
        ("__builtins__", 'unknown name "__builtins__"'),
        ("open('x')", 'unknown function "open"'),
        ("maxx(a, b)", r'unknown function "maxx" \(did you mean "max"\?\)'),
        ("troop", r'unknown name "troop" \(did you mean "troops"\?\)'),
        ("a // b", "operator FloorDiv is not allowed"),
        ("max(a, b, key=c)", "takes no keyword arguments"),
        ("'text'", "only numbers are allowed"),
        ("1" + "0" * 400, "number too large"),
    ],
)
def test_messages(text: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        compile_expression(text, NAMES)


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("a + bb", 4),
        ("  a + bb", 6),  # leading spaces count
        ("a + (b * cc)", 9),
        ("max(a, zz)", 7),
        ("a b", 2),  # a syntax error
        ("  a b", 4),
        ("a * 'é' + zz", 4),  # the first error: the string
        ("(a + b) * é + zz", 10),  # non-ASCII before the error: characters, not bytes
    ],
)
def test_error_offsets_are_character_positions(text: str, offset: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text, NAMES)
    assert caught.value.offset == offset, caught.value.message


@pytest.mark.parametrize(
    "text",
    [
        "a" + " + a" * 400,  # more than MAX_EXPRESSION_NODES nodes
        "(" * 41 + "a" + ")" * 41,  # nested deeper than MAX_NESTING
        "-" * (MAX_EXPRESSION_NODES + 10) + "a",
        "not " * (MAX_EXPRESSION_NODES + 10) + "a",
        "a" * (MAX_EXPRESSION_CHARS + 1),
        "max(" * 45 + "a" + ", b)" * 45,
    ],
    ids=["many-nodes", "deep-parentheses", "many-minus", "many-not", "too-long", "deep-calls"],
)
def test_size_limits(text: str) -> None:
    with pytest.raises(ExpressionError, match=r"too large|too deeply|too long"):
        compile_expression(text, NAMES)


def test_largest_allowed_expressions_compile_and_run() -> None:
    deep = "(" * 40 + "a" + ")" * 40
    long_sum = " + ".join(["a"] * 100)  # 399 nodes (a name counts twice: Name, Load)
    unary = "-" * 190 + "a"
    env = _env()
    assert_array_equal(compile_expression(deep, NAMES).evaluate(env), env["a"])
    assert_allclose(compile_expression(long_sum, NAMES).evaluate(env), 100 * env["a"], rtol=1e-12)
    assert_array_equal(compile_expression(unary, NAMES).evaluate(env), env["a"])


def test_unicode() -> None:
    # Python normalizes identifiers (NFKC): a full-width "ａ" would run as the name "a", so
    # characters that normalization changes are refused (issue 11).
    with pytest.raises(ExpressionError, match="looks like 'a' but is not") as caught:
        compile_expression("ａ + 1", NAMES)
    assert caught.value.offset == 0
    with pytest.raises(ExpressionError, match='unknown name "병력"'):
        compile_expression("병력 + 1", NAMES)
    with pytest.raises(ExpressionError, match="looks like ' '"):
        compile_expression("a\u00a0+ 1", NAMES)  # a no-break space
    with pytest.raises(ExpressionError, match="syntax error"):
        compile_expression("٣ + a", NAMES)  # an Arabic-Indic digit


def test_no_warning_escapes() -> None:
    """``1if a else 2`` is valid but makes Python warn; `yubi validate` must stay one line."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compiled = compile_expression("1if a > 0 else 2", NAMES)
    assert [str(w.message) for w in caught] == []
    env = _env()
    assert_array_equal(compiled.evaluate(env), np.where(env["a"] > 0, 1.0, 2.0))


# -- fuzzing --------------------------------------------------------------------------------
TOKENS = st.sampled_from(
    [
        "a",
        "b",
        "c",
        "troops",
        "month",
        "rate",
        "0",
        "1",
        "2.5",
        "1e308",
        "1e-308",
        "9" * 40,
        "+",
        "-",
        "*",
        "/",
        "%",
        "**",
        "//",
        "(",
        ")",
        ",",
        "<",
        ">=",
        "==",
        "!=",
        " and ",
        " or ",
        "not ",
        " if ",
        " else ",
        "min",
        "max",
        "where",
        "clip",
        "sqrt",
        "log",
        "exp",
        "abs",
        "floor",
        "round",
        "poisson",
        "binomial",
        "bernoulli",
        "scenario",
        "'x'",
        '"y"',
        ".",
        "[",
        "]",
        "{",
        "}",
        ":",
        "=",
        "lambda",
        "__class__",
        "__import__",
        "é",
        " ",
        "\t",
    ]
)


def _check_compiles_or_expression_error(text: str) -> None:
    try:
        compiled = compile_expression(
            text,
            NAMES,
            scenario_ids=frozenset({"x", "y"}),
            scenario_function=lambda env, _: np.ones(SIZE, bool),
        )
    except ExpressionError as error:
        assert isinstance(error.message, str) and error.message
        return
    with np.errstate(all="ignore"):
        try:
            result = compiled.evaluate(_env())
        except ValueError as error:  # only the random draws may refuse their arguments
            assert compiled.stochastic, f"{text!r}: {error}"
            return
    assert np.shape(result) in ((), (SIZE,))


@settings(max_examples=800, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TOKENS, max_size=25).map("".join))
def test_fuzz_token_soup(text: str) -> None:
    _check_compiles_or_expression_error(text)


@settings(max_examples=500)
@given(st.text(max_size=60))
def test_fuzz_any_text(text: str) -> None:
    _check_compiles_or_expression_error(text)


@settings(max_examples=30)
@given(st.text(alphabet="()+-*a1 ", min_size=1500, max_size=MAX_EXPRESSION_CHARS + 50))
def test_fuzz_huge_texts(text: str) -> None:
    _check_compiles_or_expression_error(text)


# -- correct results: random arithmetic against plain NumPy --------------------------------
Reference = Callable[[dict[str, np.ndarray]], np.ndarray]
Node = tuple[str, Reference]


def _as_float(value: object) -> np.ndarray:
    return np.asarray(value, dtype=np.float64)


LEAVES: st.SearchStrategy[Node] = st.one_of(
    st.sampled_from(["a", "b", "c"]).map(lambda name: (name, lambda env, n=name: env[n])),
    st.floats(-1e3, 1e3, allow_nan=False).map(
        lambda value: (f"({value!r})", lambda env, v=value: np.float64(v))
    ),
    st.integers(0, 5).map(lambda value: (str(value), lambda env, v=value: np.float64(v))),
)

_BINARY = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.divide,
    "%": np.mod,
    "**": np.power,
}
_COMPARE = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
}
_UNARY = {
    "abs": np.abs,
    "sqrt": np.sqrt,
    "exp": np.exp,
    "log": np.log,
    "floor": np.floor,
    "ceil": np.ceil,
    "tanh": np.tanh,
    "log1p": np.log1p,
    "round": np.round,
}


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    def binary(op: str, left: Node, right: Node) -> Node:
        function = _BINARY[op]
        return (
            f"({left[0]} {op} {right[0]})",
            lambda env: function(_as_float(left[1](env)), _as_float(right[1](env))),
        )

    def compare(op: str, left: Node, right: Node) -> Node:
        function = _COMPARE[op]
        return (
            f"({left[0]} {op} {right[0]})",
            lambda env: function(_as_float(left[1](env)), _as_float(right[1](env))),
        )

    def unary(name: str, operand: Node) -> Node:
        function = _UNARY[name]
        return f"{name}({operand[0]})", lambda env: function(_as_float(operand[1](env)))

    def negate(operand: Node) -> Node:
        return f"(-{operand[0]})", lambda env: -_as_float(operand[1](env))

    def choose(condition: Node, yes: Node, no: Node, style: str) -> Node:
        def reference(env: dict[str, np.ndarray]) -> np.ndarray:
            return np.where(
                _as_float(condition[1](env)) != 0, _as_float(yes[1](env)), _as_float(no[1](env))
            )

        if style == "where":
            return f"where({condition[0]}, {yes[0]}, {no[0]})", reference
        return f"({yes[0]} if {condition[0]} else {no[0]})", reference

    def extreme(name: str, items: list[Node]) -> Node:
        function = np.minimum if name == "min" else np.maximum

        def reference(env: dict[str, np.ndarray]) -> np.ndarray:
            result = _as_float(items[0][1](env))
            for item in items[1:]:
                result = function(result, _as_float(item[1](env)))
            return result

        return f"{name}({', '.join(item[0] for item in items)})", reference

    def logic(op: str, left: Node, right: Node) -> Node:
        function = np.logical_and if op == "and" else np.logical_or
        return (
            f"({left[0]} {op} {right[0]})",
            lambda env: function(_as_float(left[1](env)), _as_float(right[1](env))),
        )

    def negation(operand: Node) -> Node:
        return f"(not {operand[0]})", lambda env: np.logical_not(_as_float(operand[1](env)))

    return st.one_of(
        st.builds(binary, st.sampled_from(sorted(_BINARY)), children, children),
        st.builds(compare, st.sampled_from(sorted(_COMPARE)), children, children),
        st.builds(unary, st.sampled_from(sorted(_UNARY)), children),
        st.builds(negate, children),
        st.builds(choose, children, children, children, st.sampled_from(["where", "if"])),
        st.builds(
            extreme, st.sampled_from(["min", "max"]), st.lists(children, min_size=2, max_size=4)
        ),
        st.builds(logic, st.sampled_from(["and", "or"]), children, children),
        st.builds(negation, children),
    )


EXPRESSIONS = st.recursive(LEAVES, _extend, max_leaves=12)
VALUES = st.lists(
    st.floats(-1e4, 1e4, allow_nan=False).filter(lambda x: x == 0 or abs(x) > 1e-6)
    | st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, 2.0]),
    min_size=SIZE,
    max_size=SIZE,
)


@settings(max_examples=300)
@given(EXPRESSIONS, VALUES, VALUES, VALUES)
def test_random_arithmetic_matches_numpy(
    expression: Node, a: list[float], b: list[float], c: list[float]
) -> None:
    text, reference = expression
    env = {"a": np.array(a), "b": np.array(b), "c": np.array(c)}
    names = {"a": DIMENSIONLESS, "b": DIMENSIONLESS, "c": DIMENSIONLESS}
    with np.errstate(all="ignore"):
        expected = np.broadcast_to(_as_float(reference(env)), (SIZE,))
        plain = compile_expression(text, names, fuse=False).evaluate(env)
        fused = compile_expression(text, names).evaluate(env)
    # The NumPy closures do the very same operations: bit for bit.
    assert_array_equal(np.broadcast_to(_as_float(plain), (SIZE,)), expected, err_msg=text)
    # numexpr may round a transcendental function differently in the last bit; nothing more
    # (mismatched NaN or infinity, or a different branch, fails).
    fused = np.broadcast_to(_as_float(fused), (SIZE,))
    assert_array_equal(np.isnan(fused), np.isnan(expected), err_msg=text)
    assert_allclose(fused, expected, rtol=1e-9, atol=1e-300, equal_nan=True, err_msg=text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0 < a < 1", lambda a, b: (a > 0) & (a < 1)),
        ("a % 3", lambda a, b: np.mod(a, 3)),  # Python's sign convention, as NumPy
        ("-a ** 2", lambda a, b: -(a**2)),
        ("2 ** -1", lambda a, b: np.full_like(a, 0.5)),
        ("clip(a, -1, 1) * 2 + b", lambda a, b: np.clip(a, -1, 1) * 2 + b),
        ("logistic(a) + 0 * b", lambda a, b: 1 / (1 + np.exp(-a))),
        ("a / 0 + b", lambda a, b: a / 0.0 + b),
        ("1 if a > b else 2", lambda a, b: np.where(a > b, 1.0, 2.0)),
        ("not a or b and a", lambda a, b: np.logical_or(np.logical_not(a), np.logical_and(b, a))),
    ],
)
def test_known_results(text: str, expected: Callable[..., np.ndarray]) -> None:
    a = np.array([-2.5, -1.0, -0.0, 0.0, 0.3, 1.0, 7.0])
    b = np.array([1.0, 0.0, -3.0, 2.0, 0.3, -1.0, 0.0])
    names = {"a": DIMENSIONLESS, "b": DIMENSIONLESS}
    with np.errstate(all="ignore"):
        want = np.broadcast_to(_as_float(expected(a, b)), a.shape)
        for fuse in (False, True):
            got = compile_expression(text, names, fuse=fuse).evaluate({"a": a, "b": b})
            assert_allclose(np.broadcast_to(_as_float(got), a.shape), want, rtol=1e-12)


def test_constants_are_folded_once() -> None:
    compiled = compile_expression("max(2, 3) * 10 + 1", NAMES)
    assert compiled.constant
    assert compiled.evaluate({}) == 31.0


def test_names_and_scenarios_are_recorded() -> None:
    compiled = compile_expression(
        "where(scenario('x'), troops, 0) + troops * a",
        NAMES,
        scenario_ids=frozenset({"x"}),
        scenario_function=lambda env, _: np.ones(SIZE, bool),
    )
    assert compiled.names == frozenset({"troops", "a"})
    assert compiled.scenarios == frozenset({"x"})
    assert not compiled.stochastic
    assert compile_expression("poisson(a)", NAMES).stochastic


def test_random_draws_are_independent_per_trajectory() -> None:
    """poisson(3) with a constant argument must still draw once per trajectory (the engine
    tells expressions how many trajectories there are)."""
    from yubi.case.expressions import SIZE_KEY

    env = _env()
    env["a"] = np.zeros(1000)
    env[SIZE_KEY] = 1000
    for text in ("a + poisson(3)", "a + bernoulli(0.5)", "a + binomial(10, 0.5)"):
        values = _as_float(compile_expression(text, NAMES).evaluate(env))
        assert values.shape == (1000,) and np.unique(values).size > 1, text


# -- units ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("revenue_krw + revenue_usd", "cannot add KRW and USD"),
        ("revenue_usd - revenue_krw", "cannot subtract USD and KRW"),
        ("troops + month", "cannot add soldier and month"),
        ("troops > month", "cannot compare soldier and month"),
        ("max(troops, revenue_krw)", r"cannot mix in max\(\) soldier and KRW"),
        ("where(a > 0, troops, month)", "cannot choose between soldier and month"),
        ("troops if a else revenue_krw", "cannot choose between soldier and KRW"),
        ("log(troops)", r"log\(\) needs a dimensionless argument, not soldier"),
        ("exp(month)", r"exp\(\) needs a dimensionless argument, not month"),
        ("sqrt(troops)", "cannot raise soldier to the power 1/2"),
        ("troops ** 1.5", "cannot raise soldier to the power 3/2"),
        ("a ** troops", "an exponent must be dimensionless, not soldier"),
        ("troops ** a", "can only be raised to a plain number"),
        ("troops % month", "cannot take the remainder of soldier and month"),
        ("revenue_krw + krw_per_usd", "cannot add KRW and KRW/USD"),
    ],
)
def test_unit_errors(text: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        compile_expression(text, NAMES)


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("revenue_krw / krw_per_usd", "USD"),
        ("revenue_usd * krw_per_usd + revenue_krw", "KRW"),
        ("troops * pay", "KRW/month"),
        ("troops * rate * dt", "soldier"),
        ("max(troops - 5, 0)", "soldier"),  # a plain number takes the unit it meets
        ("troops / troops", "1"),
        ("sqrt(troops * troops)", "soldier"),
        ("troops ** 2 / troops", "soldier"),
        ("troops ** -1", "1/soldier"),
        ("month >= 6", "1"),
        ("2 * 3", None),
    ],
)
def test_result_units(text: str, unit: str | None) -> None:
    compiled = compile_expression(text, NAMES)
    if unit is None:
        assert compiled.unit is None
    else:
        assert compiled.unit is not None and compiled.unit.dimension_text() == unit


@pytest.mark.parametrize(
    ("text", "scale", "dimension"),
    [
        ("soldier", 1.0, "soldier"),
        ("KRW/soldier/year", 1 / 12, "KRW/month/soldier"),
        ("1/month", 1.0, "1/month"),
        ("soldier*month", 1.0, "month*soldier"),
        ("year", 12.0, "month"),
        ("day", 12 / 365.25, "month"),
        ("week", 12 / 52.1775, "month"),
        ("%", 0.01, "1"),
        ("percent", 0.01, "1"),
        ("1000 soldier", 1000.0, "soldier"),
        ("m^2", 1.0, "m^2"),
        ("USD/year", 1 / 12, "USD/month"),
        ("", 1.0, "1"),
        ("1", 1.0, "1"),
    ],
)
def test_parse_unit(text: str, scale: float, dimension: str) -> None:
    unit = parse_unit(text)
    assert unit.scale == pytest.approx(scale, rel=1e-15)
    assert unit.dimension_text() == dimension


@pytest.mark.parametrize("text", ["KRW//USD", "/month", "soldier/", "병사", "KRW^x", "a+b"])
def test_parse_unit_errors(text: str) -> None:
    with pytest.raises(UnitError):
        parse_unit(text)


@settings(max_examples=200)
@given(
    st.dictionaries(
        st.sampled_from(["KRW", "USD", "soldier", "month", "tank"]), st.integers(-3, 3), max_size=4
    ),
    st.floats(1e-3, 1e3),
)
def test_unit_algebra(dims: dict[str, int], scale: float) -> None:
    unit = Unit.of(scale, dims)
    assert (unit / unit).is_dimensionless
    assert (unit * unit).same_dimension(unit.power(2))
    assert math.isclose((unit * unit.power(-1)).scale, 1.0, rel_tol=1e-12)
    text = unit.dimension_text()
    assert parse_unit(text).same_dimension(unit)
