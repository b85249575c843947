"""Case texts shared by the core tests, and small helpers to edit and load them.

``BASE`` is a small valid case that exercises every part the engine has (a range, a constant,
a per-year unit, an exchange rate, a stock with ``update`` and one with ``flow``, a flow, an
event, two scenarios, a unit-converted output). Broken variants are ``edit(BASE, old, new)``.
"""

from __future__ import annotations

from pathlib import Path

from yubi.case.loader import parse_case_text
from yubi.case.model import Case, compile_case

BASE = """\
yubi: 1
id: probe
title: "Probe case"
as_of: 2024-10-31
horizon: {start: 2024-11, months: 6}
sources:
  report: {title: "A report"}
quantities:
  troops:
    label: "Troops"
    unit: soldier
    value: "10 to 20"
    source: report
  rate:
    label: "Loss rate"
    unit: 1/month
    value: 0.1
    assumption: "A guess."
  pay:
    label: "Pay"
    unit: KRW/soldier/year
    value: 1200
    source: report
  krw_per_usd:
    label: "Exchange rate"
    unit: KRW/USD
    value: 1380
    source: report
dynamics:
  stocks:
    deployed:
      label: "Deployed"
      unit: soldier
      initial: troops
      update: "max(deployed - losses, 0)"
    revenue:
      label: "Revenue"
      unit: KRW
      flow: "deployed * pay"
  flows:
    losses:
      label: "Losses"
      unit: soldier
      expr: "deployed * rate * dt"
  events:
    ceasefire:
      label: "Ceasefire"
      hazard: "0.1"
      assumption: "A guess."
scenarios:
  - id: steady
    label: "Steady"
    prior: 0.6
    prior_assumption: "A guess."
  - id: surge
    label: "Surge"
    prior: 0.4
    prior_assumption: "A guess."
outputs:
  deployed:
    label: "Deployed"
    unit: soldier
  revenue_usd:
    label: "Revenue"
    unit: USD
    expr: "revenue / krw_per_usd"
"""


def edit(text: str, old: str, new: str) -> str:
    """``text`` with the single occurrence of ``old`` replaced by ``new``."""
    count = text.count(old)
    if count != 1:
        raise AssertionError(f"{old!r} occurs {count} times in the case text, not once")
    return text.replace(old, new)


def compile_text(text: str, name: str = "<case>") -> Case:
    """Validate and compile case YAML given as text."""
    return compile_case(parse_case_text(text.encode("utf-8"), name))


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def minimal_case(
    *,
    quantities: str = "",
    stocks: str = "",
    flows: str = "",
    events: str = "",
    scenarios: str | None = None,
    outputs: str,
    months: int = 6,
    extra: str = "",
) -> str:
    """A case from YAML fragments (each already indented for its section)."""
    if scenarios is None:
        scenarios = (
            "  - id: only\n    label: Only\n    prior: 1\n    prior_assumption: One branch.\n"
        )
    dynamics = ""
    if stocks or flows or events:
        dynamics = "dynamics:\n"
        dynamics += f"  stocks:\n{stocks}" if stocks else ""
        dynamics += f"  flows:\n{flows}" if flows else ""
        dynamics += f"  events:\n{events}" if events else ""
    quantities = quantities or "  unused: {label: U, value: 0, source: report}\n"
    return (
        "yubi: 1\nid: mini\ntitle: Mini\nas_of: 2024-10-31\n"
        f"horizon: {{start: 2024-11, months: {months}}}\n"
        "sources:\n  report: {title: A report}\n"
        f"quantities:\n{quantities}"
        f"{dynamics}"
        f"scenarios:\n{scenarios}"
        f"outputs:\n{outputs}"
        f"{extra}"
    )
