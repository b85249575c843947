"""yubi (유비무환, 有備無患): strategic scenario analysis.

Be prepared, and there is nothing to fear.

A case file declares uncertain quantities (each with its source), monthly dynamics and
scenario branches; :func:`simulate` runs it as a vectorized Monte Carlo and summarizes every
output per scenario and month.

>>> import yubi
>>> case = yubi.load_case()              # the bundled dprk-russia-2024 case
>>> result = yubi.simulate(case, 10_000, seed=1)
>>> frame = result.to_pandas()
"""

from importlib import metadata as _metadata

from yubi.case import Case, load_case
from yubi.engine import RunSettings, SimulationResult, simulate
from yubi.errors import CaseError, YubiError, YubiInputError

try:
    __version__ = _metadata.version("yubi")
except _metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "Case",
    "CaseError",
    "RunSettings",
    "SimulationResult",
    "YubiError",
    "YubiInputError",
    "__version__",
    "load_case",
    "simulate",
]
