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

The functions behind every command live in :mod:`yubi.app`.
"""

from importlib import metadata as _metadata

from yubi.app import open_case, run
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
    "open_case",
    "run",
    "simulate",
]
