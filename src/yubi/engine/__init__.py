"""How a case is *run*: designs, the monthly loop, streaming summaries, parallel execution."""

from __future__ import annotations

from yubi.engine.results import SimulationResult
from yubi.engine.run import RunSettings, simulate

__all__ = ["RunSettings", "SimulationResult", "simulate"]
