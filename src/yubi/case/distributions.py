"""Marginal distributions of case inputs, as inverse CDFs on the unit interval.

Every uncertain input is drawn as ``ppf(u)`` from a uniform design column ``u``, whatever the
sampler (Monte Carlo, Latin hypercube, Sobol) and whatever SALib asks for: that is what lets
one column serve a quantity's base distribution and each scenario's override (common random
numbers), and lets a Gaussian copula correlate inputs.

Inverse CDFs come from :mod:`scipy.special` and :mod:`scipy.stats`, imported on first use:
building and checking a case (``yubi validate``) needs neither (about 0.5 s of imports).
Where SciPy's is slow
(the incomplete-beta and -gamma inverses, about 1.5 µs and 0.4 µs a draw), the inverse is
tabulated once per distribution at :data:`TABLE_POINTS` equally spaced probabilities and
interpolated linearly (a few ns a draw); the first and last :data:`EXACT_EDGE_CELLS` cells,
where the inverse CDF is steepest, are computed exactly. The interpolation error is checked
against SciPy in tests. Discrete distributions invert their tabulated CDF exactly with
:func:`numpy.searchsorted`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from yubi.case import schema

__all__ = ["TABLE_POINTS", "Marginal", "marginal_from_spec", "range_to_spec"]

TABLE_POINTS = 2**14 + 1
#: Cells at each end where the inverse CDF is steepest and is computed exactly.
EXACT_EDGE_CELLS = 16

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Marginal:
    """A one-dimensional distribution: ``ppf`` maps uniforms to values.

    Attributes
    ----------
    kind
        The distribution family, e.g. ``"pert"``.
    parameters
        Its parameters as written in the case (in the quantity's declared unit).
    build
        Makes the SciPy distribution (:attr:`frozen`), on first use.
    lower, upper
        Truncation bounds (declared unit); ``None`` when open.
    """

    kind: str
    parameters: dict[str, Any]
    build: Callable[[], Any] = field(repr=False, compare=False)
    lower: float | None = None
    upper: float | None = None
    tabulated: bool = field(default=False, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _discrete_support: tuple[FloatArray, FloatArray] | None = field(default=None, repr=False)

    @property
    def frozen(self) -> Any:
        """The SciPy distribution, for moments and exact quantiles (built on first use)."""
        frozen = self._cache.get("frozen")
        if frozen is None:
            frozen = self._cache["frozen"] = self.build()
        return frozen

    @property
    def discrete(self) -> bool:
        return self._discrete_support is not None

    def ppf(self, u: FloatArray) -> FloatArray:
        """Values at uniform probabilities ``u`` (declared unit), honouring truncation."""
        if self.lower is not None or self.upper is not None:
            low, high = self._truncated_mass()
            u = low + u * (high - low)
        values = self._untruncated_ppf(u)
        if self.lower is not None or self.upper is not None:
            values = np.clip(values, self.lower, self.upper)
        return values

    def quantile(self, probability: float) -> float:
        """One quantile (declared unit), exact."""
        value = self.ppf(np.array([probability], dtype=np.float64))
        return float(value[0])

    def mean(self) -> float:
        if self.lower is None and self.upper is None:
            return float(self.frozen.mean())
        lower = -np.inf if self.lower is None else self.lower
        upper = np.inf if self.upper is None else self.upper
        return float(self.frozen.expect(lb=lower, ub=upper, conditional=True))

    def probability_at_least(self, value: float) -> float:
        """P(X >= ``value``), exact; without SciPy for untruncated normals and lognormals
        (``yubi validate`` asks it of uncertain scenario starts)."""
        p = self.parameters
        if self.lower is None and self.upper is None and self.kind in ("normal", "lognormal"):
            if self.kind == "normal":
                z = (value - p["mean"]) / p["sd"]
            else:
                z = math.log(value / p["median"]) / p["sigma"] if value > 0 else -math.inf
            return 0.5 * math.erfc(z / math.sqrt(2.0))
        if self.lower is not None or self.upper is not None:
            low, high = self._truncated_mass()
            below = float(self.frozen.cdf(np.nextafter(value, -np.inf)))
            return float(np.clip((high - max(below, low)) / (high - low), 0.0, 1.0))
        return 1.0 - float(self.frozen.cdf(np.nextafter(value, -np.inf)))

    def _truncated_mass(self) -> tuple[float, float]:
        """CDF at the truncation bounds (0 and 1 where open), computed once."""
        mass = self._cache.get("mass")
        if mass is None:
            low = _cdf_below(self, self.lower) if self.lower is not None else 0.0
            high = float(self.frozen.cdf(self.upper)) if self.upper is not None else 1.0
            mass = self._cache["mass"] = (low, high)
        return mass

    def _untruncated_ppf(self, u: FloatArray) -> FloatArray:
        if self._discrete_support is not None:
            support, cumulative = self._discrete_support
            index = np.searchsorted(cumulative, u, side="right")
            result: FloatArray = support[np.minimum(index, support.size - 1)]
            return result
        if self.tabulated:
            # Tabulated on first use: loading or validating a case stays instant.
            table = self._cache.get("table")
            if table is None:
                table = self._cache["table"] = _tabulate(self)
            return _interpolated_ppf(self, table, u)
        direct: FloatArray = self._direct_ppf(u)
        return direct

    def _direct_ppf(self, u: FloatArray) -> FloatArray:
        from scipy import special

        p = self.parameters
        direct: FloatArray
        if self.kind == "normal":
            direct = p["mean"] + p["sd"] * special.ndtri(u)
            return direct
        if self.kind == "lognormal":
            direct = p["median"] * np.exp(p["sigma"] * special.ndtri(u))
            return direct
        if self.kind == "uniform":
            direct = p["low"] + (p["high"] - p["low"]) * u
            return direct
        if self.kind == "triangular":
            return _triangular_ppf(p["low"], p["mode"], p["high"], u)
        result: FloatArray = self.frozen.ppf(u)
        return result


def marginal_from_spec(
    spec: schema.Distribution | float | str, truncate: tuple[float | None, float | None] | None
) -> Marginal:
    """Build the :class:`Marginal` of a case-file distribution (or range string).

    Raises
    ------
    ValueError
        If the parameters are inconsistent (e.g. ``low > high``), with a message for the user.
    """
    if isinstance(spec, str):
        spec = range_to_spec(spec)
    if isinstance(spec, int | float):
        raise ValueError("a constant is not a distribution")
    lower, upper = truncate if truncate is not None else (None, None)
    if lower is not None and upper is not None and lower >= upper:
        raise ValueError(f"truncate low {lower} must be below high {upper}")
    marginal = _build(spec)
    if lower is not None or upper is not None:
        marginal = Marginal(
            marginal.kind,
            marginal.parameters,
            marginal.build,
            lower,
            upper,
            tabulated=marginal.tabulated,
            _discrete_support=marginal._discrete_support,
        )
        low, high = marginal._truncated_mass()
        if high - low <= 1e-12:
            raise ValueError("truncation leaves no probability mass")
    return marginal


def range_to_spec(text: str, confidence: float = 0.9) -> schema.Range:
    """``"10000 to 13000"`` → a :class:`~yubi.case.schema.Range` (90% interval)."""
    match = schema.RANGE_PATTERN.match(text)
    if not match:
        raise ValueError(f'{text!r} is not a range such as "10 to 20"')
    low, high = (_number(match.group(g)) for g in ("low", "high"))
    return schema.Range(type="range", low=low, high=high, confidence=confidence)


def _number(text: str) -> float:
    return float(text.replace("_", "").replace(",", ""))


def _build(spec: Any) -> Marginal:
    kind = spec.type
    if kind == "normal":
        return Marginal(kind, {"mean": spec.mean, "sd": spec.sd},
                        _scipy("norm", spec.mean, spec.sd))
    if kind == "lognormal":
        return Marginal(kind, {"median": spec.median, "sigma": spec.sigma},
                        _scipy("lognorm", s=spec.sigma, scale=spec.median))
    if kind == "range":
        return _range(spec)
    if kind == "uniform":
        _ordered(spec.low, spec.high, keys=_LOW_HIGH)
        return Marginal(kind, {"low": spec.low, "high": spec.high},
                        _scipy("uniform", spec.low, spec.high - spec.low))
    if kind == "triangular":
        _ordered(spec.low, spec.mode, spec.high, strict=False, keys=_LOW_MODE_HIGH)
        _ordered(spec.low, spec.high, keys=_LOW_HIGH)
        width = spec.high - spec.low
        frozen = _scipy("triang", (spec.mode - spec.low) / width, spec.low, width)
        parameters = {"low": spec.low, "mode": spec.mode, "high": spec.high}
        return Marginal(kind, parameters, frozen)
    if kind == "pert":
        _ordered(spec.low, spec.mode, spec.high, strict=False, keys=_LOW_MODE_HIGH)
        _ordered(spec.low, spec.high, keys=_LOW_HIGH)
        width = spec.high - spec.low
        alpha = 1 + spec.shape * (spec.mode - spec.low) / width
        beta = 1 + spec.shape * (spec.high - spec.mode) / width
        frozen = _scipy("beta", alpha, beta, loc=spec.low, scale=width)
        parameters = {"low": spec.low, "mode": spec.mode, "high": spec.high}
        if spec.shape != 4:
            parameters["shape"] = spec.shape
        return Marginal(kind, parameters, frozen, tabulated=True)
    if kind == "beta":
        _ordered(spec.low, spec.high, keys=_LOW_HIGH)
        frozen = _scipy("beta", spec.alpha, spec.beta, loc=spec.low, scale=spec.high - spec.low)
        parameters = {"alpha": spec.alpha, "beta": spec.beta}
        if (spec.low, spec.high) != (0.0, 1.0):
            parameters |= {"low": spec.low, "high": spec.high}
        return Marginal(kind, parameters, frozen, tabulated=True)
    if kind == "gamma":
        frozen = _scipy("gamma", spec.shape, scale=spec.scale)
        parameters = {"shape": spec.shape, "scale": spec.scale}
        return Marginal(kind, parameters, frozen, tabulated=True)
    if kind == "poisson":
        return Marginal(kind, {"lam": spec.lam}, _scipy("poisson", spec.lam),
                        _discrete_support=_poisson(spec.lam))
    if kind == "bernoulli":
        support = (np.array([0.0, 1.0]), np.array([1.0 - spec.p, 1.0]))
        return Marginal(kind, {"p": spec.p}, _scipy("bernoulli", spec.p),
                        _discrete_support=support)
    if kind == "categorical":
        return _categorical(spec)
    raise ValueError(f"unknown distribution {kind!r}")


def _scipy(family: str, *arguments: float, **keywords: float) -> _ScipyMaker:
    """A maker of the frozen ``scipy.stats`` distribution ``family(*arguments, **keywords)``:
    :mod:`scipy.stats` is imported when a distribution is first needed, not with the case."""
    return _ScipyMaker(family, arguments, keywords)


@dataclass(frozen=True)
class _ScipyMaker:
    """Makes ``scipy.stats.<family>(*arguments, **keywords)``; :func:`_exact` reads it."""

    family: str
    arguments: tuple[float, ...]
    keywords: dict[str, float]

    def __call__(self) -> Any:
        from scipy import stats

        return getattr(stats, self.family)(*self.arguments, **self.keywords)


#: z-values of the usual confidence levels of a ``range`` (``scipy.special.ndtri(0.5 + c / 2)``
#: to the last bit, checked by a test): building a case needs no SciPy import.
_RANGE_Z = {0.9: 1.6448536269514722, 0.8: 1.2815515655446004, 0.5: 0.6744897501960817}


def range_z(confidence: float) -> float:
    """The standard normal quantile at ``0.5 + confidence / 2``."""
    known = _RANGE_Z.get(confidence)
    if known is not None:
        return known
    from scipy import special

    return float(special.ndtri(0.5 + confidence / 2))


def _range(spec: schema.Range) -> Marginal:
    _ordered(spec.low, spec.high)
    z = range_z(spec.confidence)
    parameters = {"low": spec.low, "high": spec.high, "confidence": spec.confidence}
    if spec.low > 0:
        median = math.sqrt(spec.low * spec.high)
        sigma = math.log(spec.high / spec.low) / (2 * z)
        return Marginal("lognormal", parameters | {"median": median, "sigma": sigma},
                        _scipy("lognorm", s=sigma, scale=median))
    mean, sd = (spec.low + spec.high) / 2, (spec.high - spec.low) / (2 * z)
    return Marginal("normal", parameters | {"mean": mean, "sd": sd}, _scipy("norm", mean, sd))


def _categorical(spec: schema.Categorical) -> Marginal:
    if len(spec.values) != len(spec.weights):
        raise ValueError(
            f"categorical has {len(spec.values)} values but {len(spec.weights)} weights"
        )
    weights = np.asarray(spec.weights, dtype=np.float64)
    if (weights < 0).any() or weights.sum() <= 0:
        raise ValueError("categorical weights must be non-negative and not all zero")
    # Sorted, with a value listed twice merged (SciPy's rv_discrete refuses duplicates).
    values, slot = np.unique(np.asarray(spec.values, dtype=np.float64), return_inverse=True)
    probabilities = np.bincount(slot, weights=weights) / weights.sum()
    cumulative = np.cumsum(probabilities)
    cumulative[-1] = 1.0
    parameters = {"values": list(spec.values), "weights": list(spec.weights)}

    def build() -> Any:
        from scipy import stats

        return stats.rv_discrete(values=(values, probabilities))

    return Marginal("categorical", parameters, build, _discrete_support=(values, cumulative))


def _cdf_below(marginal: Marginal, bound: float) -> float:
    """P(X < bound): a lower truncation bound is kept, also when X is discrete."""
    if marginal.discrete:
        return float(marginal.frozen.cdf(np.nextafter(bound, -np.inf)))
    return float(marginal.frozen.cdf(bound))


def _poisson(lam: float) -> tuple[FloatArray, FloatArray]:
    from scipy import stats

    top = int(stats.poisson(lam).ppf(1 - 1e-15)) + 2
    # Start near the lower 1e-15 tail, not at 0: a large lam would need a huge table.
    bottom = max(int(stats.poisson(lam).ppf(1e-15)) - 1, 0)
    support = np.arange(bottom, top + 1, dtype=np.float64)
    cumulative = stats.poisson(lam).cdf(support)
    cumulative[-1] = 1.0
    return support, cumulative


def _tabulate(marginal: Marginal) -> tuple[FloatArray, FloatArray]:
    """The inverse CDF at :data:`TABLE_POINTS` equally spaced probabilities, kept on disk:
    SciPy takes about 30 ms to tabulate a beta (PERT), 0.6 s for the bundled case's 22, in
    every new process; loading the saved table gives the same numbers in a fraction of a
    millisecond. Keyed by the family, its parameters, the table size, SciPy's version and
    this module's source (which maps a family to SciPy's distribution): a saved table is
    found without building SciPy's distribution."""
    knots = np.linspace(0.0, 1.0, TABLE_POINTS)
    path = _table_path(marginal)
    if path is not None:
        try:
            saved = np.load(path, allow_pickle=False)
            if saved.shape == knots.shape and saved.dtype == np.float64:
                return knots, saved
        except (OSError, ValueError):  # missing or unreadable: computed and saved again
            pass
    values = np.asarray(marginal.frozen.ppf(knots), dtype=np.float64)
    if path is not None:
        _save_table(path, values)
    return knots, values


def _table_path(marginal: Marginal) -> Path | None:
    import hashlib

    import scipy

    from yubi.cachedir import cache_folder, source_digest

    try:
        key = repr((marginal.kind, sorted((k, float(v)) for k, v in marginal.parameters.items()),
                    TABLE_POINTS, scipy.__version__, source_digest(__file__)))
    except (TypeError, ValueError, OSError):  # not plain numbers, or no source: not kept
        return None
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return cache_folder() / "tables" / f"{marginal.kind}-{digest}.npy"


def _save_table(path: Path, values: FloatArray) -> None:
    import contextlib
    import io

    from yubi.cachedir import write_atomically

    buffer = io.BytesIO()
    np.save(buffer, values, allow_pickle=False)
    # A read-only cache folder only costs the time to tabulate again.
    with contextlib.suppress(OSError):
        write_atomically(path, buffer.getvalue())


def _interpolated_ppf(
    marginal: Marginal, table: tuple[FloatArray, FloatArray], u: FloatArray
) -> FloatArray:
    from yubi.case.interpolate import interpolate

    _, values = table
    u = np.ascontiguousarray(u, dtype=np.float64).reshape(np.shape(u))
    result: FloatArray = np.empty(u.shape)
    if interpolate(values, u.reshape(-1), EXACT_EDGE_CELLS, result.reshape(-1)):
        cells = TABLE_POINTS - 1
        cell = np.minimum((u * cells).astype(np.int64), cells - 1)
        edge = (cell < EXACT_EDGE_CELLS) | (cell >= cells - EXACT_EDGE_CELLS)
        result[edge] = _inside_ppf(marginal, u[edge])
    return result


def _inside_ppf(marginal: Marginal, u: FloatArray) -> FloatArray:
    """``frozen.ppf(u)`` for ``u`` strictly inside (0, 1), the same numbers without the
    generic argument checks (about 0.2 ms a call, the cost of a what-if's small run), and
    without importing :mod:`scipy.stats` where :func:`_exact` knows the family."""
    exact = _exact(marginal, u)
    if exact is not None:
        return exact
    frozen = marginal.frozen
    shapes, loc, scale = frozen.dist._parse_args(*frozen.args, **frozen.kwds)
    result: FloatArray = frozen.dist._ppf(u, *shapes) * scale + loc
    return result


def _exact(marginal: Marginal, u: FloatArray) -> FloatArray | None:
    """What ``scipy.stats`` computes for a beta or gamma inverse CDF (its ``_ppf`` of the
    shapes, times scale plus loc), from the same :mod:`scipy.special` functions it calls:
    the same numbers, without 0.5 s of ``scipy.stats`` imports in every ``yubi run``.
    ``None`` for another family, or where SciPy's function is not found (then SciPy's own
    distribution answers)."""
    maker = marginal.build
    if not isinstance(maker, _ScipyMaker) or maker.family not in _SHAPES:
        return None
    if len(maker.arguments) != _SHAPES[maker.family] or set(maker.keywords) - {"loc", "scale"}:
        return None
    try:
        from scipy.special import _ufuncs
    except ImportError:  # a SciPy that moved it: its scipy.stats answers
        return None
    # scipy.stats.beta._ppf is _ufuncs._beta_ppf(q, a, b); gamma's is gammaincinv(a, q).
    inverse = (getattr(_ufuncs, "_beta_ppf", None) if maker.family == "beta"
               else _gamma_ppf)
    if inverse is None:
        return None
    loc, scale = maker.keywords.get("loc", 0.0), maker.keywords.get("scale", 1.0)
    values: FloatArray = inverse(u, *maker.arguments) * scale + loc
    return values


#: Shape parameters of the families :func:`_exact` inverts.
_SHAPES = {"beta": 2, "gamma": 1}


def _gamma_ppf(u: FloatArray, shape: float) -> FloatArray:
    from scipy import special

    result: FloatArray = special.gammaincinv(shape, u)
    return result


def _triangular_ppf(low: float, mode: float, high: float, u: FloatArray) -> FloatArray:
    width = high - low
    split = (mode - low) / width
    left = low + np.sqrt(u * width * (mode - low))
    right = high - np.sqrt((1 - u) * width * (high - mode))
    return np.where(u < split, left, right)


_LOW_HIGH = ("low", "high")
_LOW_MODE_HIGH = ("low", "mode", "high")


def _ordered(*values: float, strict: bool = True, keys: tuple[str, ...] = ()) -> None:
    """Refuse values out of order, naming the distribution's ``keys`` when it has them."""
    names = keys or ("",) * len(values)
    for (a, name_a), (b, name_b) in itertools.pairwise(zip(values, names, strict=True)):
        if a > b or (strict and a == b):
            relation = "below" if strict else "at most"
            if name_a:
                raise ValueError(f"{name_a} ({_short(a)}) must be {relation} {name_b} "
                                 f"({_short(b)})")
            raise ValueError(f"{_short(a)} must be {relation} {_short(b)}")


def _short(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)
