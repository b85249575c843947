"""yubi (유비무환, 有備無患): strategic scenario analysis.

Be prepared, and there is nothing to fear.

A case file declares uncertain quantities (each with its source), monthly dynamics and
scenario branches; :func:`simulate` runs it as a vectorized Monte Carlo and summarizes every
output per scenario and month.

>>> import yubi
>>> case = yubi.open_case()              # the bundled dprk-russia-2024 case
>>> changed = case.with_changes({"troops_cap": "20000 to 60000", "prior.russia_defeat": 0.2})
>>> result = yubi.run(changed, samples=10_000, seed=1)
>>> frame = result.to_pandas(wide=True)

The functions behind every command live in :mod:`yubi.app`. ``import yubi`` is cheap: the
names below are imported on first use (PEP 562), so a command or a notebook pays only for
what it touches (NumPy and SciPy with :func:`load_case`, the engine with :func:`simulate`;
pandas, SALib, SQLAlchemy, matplotlib, WeasyPrint and Dask only where they are needed).
"""

import importlib as _importlib
import typing as _typing

from yubi.errors import CaseError, YubiError, YubiInputError

if _typing.TYPE_CHECKING:
    from yubi.app import open_case, run
    from yubi.case import Case, load_case
    from yubi.engine.results import SimulationResult
    from yubi.engine.run import RunSettings, simulate

    __version__: str

__all__ = [
    "Case",
    "CaseError",
    "RunSettings",
    "SimulationResult",
    "YubiError",
    "YubiInputError",
    "__version__",
    "load_case",
    "open_case",
    "run",
    "simulate",
]

#: Where each lazily imported name lives.
_HOMES = {
    "Case": "yubi.case",
    "load_case": "yubi.case",
    "open_case": "yubi.app",
    "run": "yubi.app",
    "RunSettings": "yubi.engine",
    "SimulationResult": "yubi.engine",
    "simulate": "yubi.engine",
}


def __getattr__(name: str) -> _typing.Any:
    if name == "__version__":
        # importlib.metadata alone costs ~50 ms of start-up; only --version and the brief ask.
        from importlib import metadata

        try:
            version = metadata.version("yubi")
        except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
            version = "0.0.0"
        globals()["__version__"] = version
        return version
    if name in _HOMES:
        value = getattr(_importlib.import_module(_HOMES[name]), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module 'yubi' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
