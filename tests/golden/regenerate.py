"""Write the golden summaries that ``tests/core/test_bundled.py`` compares runs against.

Run it from the repository root::

    .venv/bin/python tests/golden/regenerate.py            # every case in GOLDEN
    .venv/bin/python tests/golden/regenerate.py dprk-russia-2024

When to regenerate: only when a change is *meant* to change the numbers — the bundled case
file was edited (the test then fails naming its new sha256), or the engine's arithmetic
changed on purpose (sampling, the monthly loop, the summaries). Look at the diff of the JSON
before committing it: a golden file that changes for no reason you can name is a bug found.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).resolve().parent
#: Bundled case → run settings. Fixed forever for a golden file (changing them = regenerate).
GOLDEN: dict[str, dict[str, Any]] = {
    "dprk-russia-2024": {"samples": 4000, "seed": 20241031, "sampler": "mc"},
}
#: Month indices kept (every sixth and the last), to keep the file small.
MONTH_STEP = 6


def golden_path(name: str) -> Path:
    return FOLDER / f"{name}.json"


def golden_document(name: str, case: Any = None) -> dict[str, Any]:
    """The summary of bundled case ``name`` at its fixed settings, at full float precision.

    ``case`` is the compiled case if the caller already has it (loading takes seconds).
    """
    from yubi.case import load_case
    from yubi.engine import simulate
    from yubi.engine.results import STATISTICS

    settings = GOLDEN[name]
    case = load_case(name) if case is None else case
    result = simulate(
        case, settings["samples"], seed=settings["seed"], sampler=settings["sampler"], threads=1
    )
    months = sorted({*range(0, len(case.months), MONTH_STEP), len(case.months) - 1})
    slots = [*(s.id for s in case.scenarios), "all"]
    outputs: dict[str, Any] = {}
    for output in case.outputs:
        names = [*STATISTICS, *(t.id for t in output.thresholds)]
        outputs[output.id] = {
            slot: {
                statistic: [float(result.statistic(output.id, statistic, slot)[m]) for m in months]
                for statistic in names
            }
            for slot in slots
        }
    return {
        "case": name,
        "case_sha256": case.sha256,
        "settings": settings,
        "months": [case.months[m] for m in months],
        "scenario_share": result.scenario_share(),
        "outputs": outputs,
    }


def main(names: list[str]) -> None:
    for name in names or list(GOLDEN):
        document = golden_document(name)
        path = golden_path(name)
        path.write_text(json.dumps(document, indent=1, allow_nan=True) + "\n", encoding="utf-8")
        print(f"wrote {path} (case sha256 {document['case_sha256'][:12]})")


if __name__ == "__main__":
    main(sys.argv[1:])
