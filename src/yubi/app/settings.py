"""What, besides the case, fixes a run's and a brief's numbers: one object, validated once.

The command line builds one :class:`Settings` from its options (``yubi run``, ``yubi brief``,
``yubi sensitivity``) and hands it on to :mod:`yubi.app` and :mod:`yubi.brief`; nothing
downstream re-reads an option or re-checks a value. The brief's "To reproduce" line is
:meth:`Settings.command`.

>>> from yubi.app.settings import Settings
>>> Settings(samples=2000, seed=5, sobol_samples=0).command("harbour.yaml")  # doctest: +ELLIPSIS
'yubi brief harbour.yaml --lang en --samples 2000 --seed 5 --sampler mc --sobol-samples 0 ...'

Evidence is used only when asked for (``as_of``): a brief or run whose numbers moved with the
day it was made, or with a store the reader cannot see, would not reproduce. A brief made
``--as-of today`` records the date it resolved to, so its "To reproduce" line does.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from yubi.errors import UsageError

__all__ = ["BRIEF_SAMPLES", "Settings"]

#: Trajectories behind a brief unless told otherwise; ``yubi run`` defaults to fewer.
BRIEF_SAMPLES = 100_000

_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
#: The option each field is given by, for messages and the "To reproduce" line.
_OPTIONS = {
    "samples": "--samples", "seed": "--seed", "sampler": "--sampler", "month": "--month",
    "key_outputs": "--outputs", "sobol_samples": "--sobol-samples",
    "tornado_samples": "--tornado-samples", "languages": "--lang", "as_of": "--as-of",
    "store": "--db",
}


class Settings(BaseModel):
    """Samples, seed, sampler, month, sensitivity sizes, languages and evidence date.

    Attributes
    ----------
    samples
        Trajectories of the simulation run, 1 or more (the engine states its own upper
        bound, :data:`yubi.engine.run.MAX_SAMPLES`).
    seed
        Seed of the run and of the sensitivity analyses (0 or more).
    sampler
        ``mc``, ``lhs`` or ``sobol``.
    month
        ``YYYY-MM`` the brief's impacts and sensitivity report; ``None`` lets the brief pick
        (the first December a year or more into the horizon). Checked against the case's
        horizon when the case is known.
    key_outputs
        Outputs the brief headlines and analyses for sensitivity; ``None`` lets it choose.
    sobol_samples
        Base sample size N of the Sobol' analysis (N·(D+2) evaluations); 0 skips it.
    tornado_samples
        Replicates per tornado setting; 0 skips the tornado.
    languages
        Languages of the brief, each with a catalog (``en``, ``ko``), without repeats.
    as_of
        Weigh the trajectories by the evidence recorded by the end of this day (UTC);
        ``None``: the prior only. Given as ``YYYY-MM-DD`` or ``today``.
    store
        Database URL of the evidence store; ``None``: ``$YUBI_DATABASE_URL``, else the user's
        SQLite file. Only read when ``as_of`` is set.

    Raises
    ------
    yubi.errors.UsageError
        Naming the option and what is wrong, for any value out of range.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    samples: int = Field(BRIEF_SAMPLES, ge=1)
    seed: int = Field(0, ge=0)
    sampler: Literal["mc", "lhs", "sobol"] = "mc"
    month: str | None = None
    key_outputs: tuple[str, ...] | None = None
    sobol_samples: int = Field(1024, ge=0)
    tornado_samples: int = Field(2000, ge=0)
    languages: tuple[str, ...] = ("en",)
    as_of: dt.date | None = None
    store: str | None = None

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as error:
            raise UsageError(_message(error)) from None

    @field_validator("month")
    @classmethod
    def _month(cls, value: str | None) -> str | None:
        if value is not None and not _MONTH.fullmatch(value):
            raise ValueError("must be a month YYYY-MM")
        return value

    @field_validator("key_outputs", mode="before")
    @classmethod
    def _outputs(cls, value: object) -> object:
        """``"a, b"`` or ``["a", "b"]`` → ``("a", "b")``; empty → ``None``."""
        items = _listed(value)
        return tuple(dict.fromkeys(items)) if items else None

    @field_validator("languages", mode="before")
    @classmethod
    def _languages(cls, value: object) -> object:
        items = _listed(value)
        if not items:
            raise ValueError("name at least one language, e.g. en or en,ko")
        return tuple(dict.fromkeys(items))

    @field_validator("as_of", mode="before")
    @classmethod
    def _as_of(cls, value: object) -> object:
        if isinstance(value, str):
            from yubi.store.clock import parse_date

            try:
                return parse_date(value, "--as-of")
            except UsageError as error:  # pydantic reports a ValueError with the field
                raise ValueError(str(error)) from None
        return value

    # -- derived ---------------------------------------------------------------------------
    def run_options(self) -> dict[str, Any]:
        """``samples``, ``seed`` and ``sampler`` as :func:`yubi.app.run` takes them."""
        return {"samples": self.samples, "seed": self.seed, "sampler": self.sampler}

    def command(self, case_path: str, *, language: str | None = None) -> str:
        """The ``yubi brief`` command that writes this brief again, beside the case file.

        Parameters
        ----------
        case_path
            The case file (or a bundled case's name): a bundled case is named by its bundled
            name, a file by its name alone, since the line is run in the file's folder.
        language
            The one language of this brief (default: every one of :attr:`languages`).

        Every setting that fixes a number is written, the defaults included, so that a
        later change of a default cannot change what the line writes; the optional ones
        (month, outputs, evidence date, store) whenever they are set.
        """
        parts = ["yubi", "brief", _case_ref(case_path),
                 "--lang", language or ",".join(self.languages),
                 "--samples", str(self.samples), "--seed", str(self.seed),
                 "--sampler", self.sampler,
                 "--sobol-samples", str(self.sobol_samples),
                 "--tornado-samples", str(self.tornado_samples)]
        if self.month is not None:
            parts += ["--month", self.month]
        if self.key_outputs:
            parts += ["--outputs", ",".join(self.key_outputs)]
        if self.as_of is not None:
            parts += ["--as-of", self.as_of.isoformat()]
            if self.store is not None:
                parts += ["--db", _without_password(self.store)]
        return shlex.join(parts)


def _case_ref(path: str) -> str:
    """A bundled case's name if ``path`` is one, else the file's name."""
    from pathlib import Path

    from yubi.case.loader import bundled_case_names, bundled_case_path

    resolved = Path(path).resolve()
    return next((name for name in bundled_case_names()
                 if bundled_case_path(name).resolve() == resolved), resolved.name)


def _listed(value: object) -> list[str]:
    """Comma-separated text or a sequence of texts → stripped, non-empty items."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, Sequence):
        raise ValueError(f"expected comma-separated names, not {value!r}")
    return [str(item).strip() for item in value if str(item).strip()]


def _without_password(url: str) -> str:
    """The URL with any password replaced by ``***``: a brief is shared, a password is not."""
    return re.sub(r"(://[^/:@]*:)[^/@]*@", r"\1***@", url)


def _message(error: ValidationError) -> str:
    """``--samples must be at least 1, not 0``: each problem with the option's name."""
    problems = []
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else ""
        option = _OPTIONS.get(field, field)
        given, context = problem.get("input"), problem.get("ctx", {})
        if problem["type"] == "extra_forbidden":
            problems.append(f"{field} is not a setting")
            continue
        if problem["type"] == "greater_than_equal":
            text = f"must be at least {context['ge']}" + (
                " (0 skips the analysis)" if field.endswith("_samples") else "")
        elif problem["type"] == "literal_error":
            text = "must be " + str(context["expected"]).replace("'", "")
        else:
            text = str(problem["msg"]).removeprefix("Value error, ")
        text = text if text.startswith(option) else f"{option} {text}"
        problems.append(text if repr(given) in text else f"{text}, not {given!r}")
    return "; ".join(problems)
