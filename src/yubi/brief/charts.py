"""The brief's charts: fan charts, probability curves and tornado diagrams (matplotlib).

Charts are PNG images at 200 dpi (sharp on paper at the brief's 17 cm width, and several
times faster for WeasyPrint to lay out than SVG), each returned as a ``data:`` URI for an
``<img>``, so the brief needs no fonts or files to be opened. Text is drawn in
Noto Sans CJK, found through :mod:`matplotlib.font_manager`, so Hangul renders; a glyph that
no font has raises :class:`~yubi.errors.UsageError` rather than printing a box. Figures are
made with :class:`matplotlib.figure.Figure` directly (the Agg/SVG canvases, no pyplot), so
drawing a brief leaves matplotlib's global state alone.
"""

from __future__ import annotations

import base64
import io
import textwrap
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import matplotlib
import matplotlib.font_manager as font_manager
import numpy as np
from babel.numbers import format_compact_decimal
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter
from numpy.typing import NDArray

from yubi.brief.formatting import Formatter
from yubi.errors import UsageError

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

__all__ = [
    "CJK_FAMILIES",
    "PALETTE",
    "FanSeries",
    "Tornado",
    "TornadoBar",
    "chart_font",
    "fan_chart",
    "probability_chart",
    "tornado_chart",
]

#: Okabe & Ito's colour-blind-safe palette, darkest first (one colour per scenario).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
#: Preferred families, Korean first: every Noto Sans CJK face holds Hangul, Kana and Han.
CJK_FAMILIES = ("Noto Sans CJK KR", "Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans CJK TC",
                "Noto Sans KR", "Noto Sans CJK")
#: Line styles by scenario, so lines stay apart in grey print and where they overlap.
DASHES = ("-", (0, (5, 2)), (0, (1.2, 1.6)), (0, (6, 2, 1.2, 2)), "-", (0, (5, 2)), (0, (1.2, 1.6)))
CM = 1 / 2.54
WIDTH = 17.0 * CM
DPI = 200
INK = "#222222"
GRID = "#d9d9d9"
FloatArray = NDArray[np.float64]


@cache
def chart_font() -> str | None:
    """The family name of an installed Noto Sans CJK face, or ``None``."""
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    for path in font_manager.findSystemFonts():
        if "NotoSansCJK" in path.replace(" ", "") or "NotoSansKR" in path:
            font_manager.fontManager.addfont(path)
            return str(font_manager.FontProperties(fname=path).get_name())
    return None


def _style() -> dict[RcKeyType, Any]:
    family = chart_font()
    return {
        "font.family": "sans-serif",
        "font.sans-serif": ([family] if family else []) + ["DejaVu Sans"],
        "font.size": 7.5,
        "axes.titlesize": 7.5,
        "axes.labelsize": 7,
        "xtick.labelsize": 6.5,
        "ytick.labelsize": 6.5,
        "axes.edgecolor": "#888888",
        "axes.linewidth": 0.6,
        "axes.labelcolor": INK,
        "text.color": INK,
        "xtick.color": "#555555",
        "ytick.color": "#555555",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.unicode_minus": False,
        "figure.facecolor": "white",  # opaque: the charts are embedded as RGB
    }


@contextmanager
def _drawing() -> Iterator[None]:
    """matplotlib's style for the brief; a missing glyph becomes a :class:`UsageError`."""
    with matplotlib.rc_context(_style()), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for warning in caught:
        text = str(warning.message)
        if "Glyph" in text and "missing" in text:
            raise UsageError(
                f"the charts need a font with these characters ({text}); install Noto Sans "
                "CJK (Debian: apt-get install fonts-noto-cjk, or run scripts/system-deps.sh)"
            )
        warnings.warn_explicit(warning.message, warning.category, warning.filename,
                               warning.lineno)


def _data_uri(figure: Figure) -> str:
    """The figure as an RGB PNG at :data:`DPI`, in a data URI.

    RGB, not matplotlib's RGBA: the charts are opaque (a white face, :func:`_style`), and
    WeasyPrint splits an RGBA image into colour and an alpha mask, each re-encoded: about
    0.3 s of a brief's PDF, measured. Drawn on an Agg canvas, whose buffer knows its own
    size, so no setting of the user's ``matplotlibrc`` (``savefig.bbox: tight``) changes it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image  # matplotlib's own dependency

    canvas = FigureCanvasAgg(figure)
    figure.set_dpi(DPI)
    canvas.draw()  # type: ignore[no-untyped-call]
    pixels = np.asarray(canvas.buffer_rgba())  # type: ignore[no-untyped-call]
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels[..., :3])).save(buffer, format="PNG")
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"data:image/png;base64,{encoded}"


def _wrap(text: str, width: int) -> str:
    # Korean has spaces between words; a long unbroken run (Chinese, Japanese) is cut.
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=True)) or text


def _axis_number(formatter: Formatter) -> Callable[[float, object], str]:
    # Compact ticks from 10⁴ in languages that count in myriads (1만), else from 10³ (10K).
    compact_from = 1e4 if formatter.myriads else 1e3

    def label(value: float, _position: object) -> str:
        if abs(value) >= compact_from:
            return str(format_compact_decimal(value, format_type="short",
                                              locale=formatter.locale, fraction_digits=1))
        return formatter.number(value)

    return label


def _month_axis(axes: Axes, months: Sequence[str], formatter: Formatter,
                marker: int | None) -> None:
    januaries = [i for i, month in enumerate(months) if month.endswith("-01")]
    ticks = januaries if 1 <= len(januaries) <= 6 else list(range(0, len(months), 12))
    axes.set_xticks(ticks, [formatter.year(months[i]) for i in ticks])
    axes.set_xlim(0, len(months) - 1)
    if marker is not None:
        axes.axvline(marker, color="#777777", linewidth=0.6, linestyle=(0, (2, 2)))
    axes.grid(axis="y", color=GRID, linewidth=0.5)
    axes.set_axisbelow(True)


@dataclass(frozen=True)
class FanSeries:
    """One scenario's quantiles of one output over the months (declared unit)."""

    label: str
    color: str
    p05: FloatArray
    p25: FloatArray
    p50: FloatArray
    p75: FloatArray
    p95: FloatArray


def fan_chart(series: Sequence[FanSeries], months: Sequence[str], formatter: Formatter, *,
              marker: int | None = None) -> str:
    """A row of fan charts, one panel per scenario, sharing the y axis.

    Parameters
    ----------
    series
        One entry per scenario, in the case's order.
    months
        ``YYYY-MM`` labels of the x axis.
    formatter
        Numbers and months in the reader's language.
    marker
        Month index to mark with a dotted line (the month the brief reports).
    """
    with _drawing():
        columns = max(len(series), 1)
        # Fixed margins (cm) rather than constrained layout: a third of the drawing time.
        height = 4.6 * CM
        figure = Figure(figsize=(WIDTH, height))
        figure.subplots_adjust(left=1.05 * CM / WIDTH, right=1 - 0.15 * CM / WIDTH,
                               bottom=0.55 * CM / height, top=1 - 0.85 * CM / height,
                               wspace=0.06)
        axes_row = figure.subplots(1, columns, sharey=True, squeeze=False)
        x = np.arange(len(months))
        for axes, one in zip(axes_row[0], series, strict=False):
            axes.fill_between(x, one.p05, one.p95, color=one.color, alpha=0.18, linewidth=0)
            axes.fill_between(x, one.p25, one.p75, color=one.color, alpha=0.38, linewidth=0)
            axes.plot(x, one.p50, color=one.color, linewidth=1.4)
            axes.set_title(_wrap(one.label, 44 if columns < 3 else 34), loc="left",
                           color=one.color, fontweight="bold")
            _month_axis(axes, months, formatter, marker)
            axes.yaxis.set_major_formatter(FuncFormatter(_axis_number(formatter)))
        low, high = _limits(series)
        axes_row[0][0].set_ylim(low, high)
        return _data_uri(figure)


def _limits(series: Sequence[FanSeries]) -> tuple[float, float]:
    """Shared y limits: from zero (or the lowest 5th percentile) to above the highest 95th."""
    lows = [float(np.nanmin(one.p05)) for one in series if np.isfinite(one.p05).any()]
    highs = [float(np.nanmax(one.p95)) for one in series if np.isfinite(one.p95).any()]
    low = min([0.0, *lows])
    high = max([*highs, low + 1e-9])
    if high <= low:
        high = low + 1.0
    return low, high + 0.04 * (high - low)


def probability_chart(panels: Sequence[tuple[str, Sequence[tuple[str, str, FloatArray]]]],
                      months: Sequence[str], formatter: Formatter, *,
                      marker: int | None = None) -> str:
    """Small multiples of probabilities over time, one line per scenario.

    Parameters
    ----------
    panels
        ``(title, [(scenario label, colour, probabilities 0–1), ...])`` per panel.
    """
    with _drawing():
        columns = 3 if len(panels) > 2 else max(len(panels), 1)
        rows = -(-len(panels) // columns)
        figure = Figure(figsize=(WIDTH, rows * 4.0 * CM + 0.9 * CM), layout="constrained")
        grid = figure.subplots(rows, columns, sharey=True, squeeze=False)
        x = np.arange(len(months))
        handles = []
        for index, (title, lines) in enumerate(panels):
            axes = grid[index // columns][index % columns]
            for number, (label, color, values) in enumerate(lines):
                (line,) = axes.plot(x, 100 * values, color=color, linewidth=1.4, label=label,
                                    linestyle=DASHES[number % len(DASHES)])
                if index == 0:
                    handles.append(line)
            axes.set_title(_wrap(title, 36 if columns == 3 else 56), loc="left")
            axes.set_ylim(-2, 102)
            axes.set_yticks([0, 25, 50, 75, 100])
            axes.yaxis.set_major_formatter(
                FuncFormatter(lambda value, _p: formatter.gettext("{value}%").format(
                    value=f"{value:.0f}")))
            _month_axis(axes, months, formatter, marker)
        for index in range(len(panels), rows * columns):
            grid[index // columns][index % columns].set_visible(False)
        figure.legend(handles=handles, loc="outside upper left", ncols=min(len(handles), 3),
                      frameon=False, fontsize=7)
        return _data_uri(figure)


@dataclass(frozen=True)
class TornadoBar:
    """One input's bar: the output with the input at its low and at its high end."""

    label: str
    low_output: float
    high_output: float
    low_text: str
    high_text: str


@dataclass(frozen=True)
class Tornado:
    """The bars of a tornado diagram, largest swing first, around ``baseline``."""

    title: str
    unit_name: str
    baseline: float
    bars: Sequence[TornadoBar]
    low_label: str
    high_label: str


def _label_bar_end(axes: Axes, y: float, value: float, base: float, text: str, *,
                   inside: bool) -> None:
    """Write an end's input value beside the bar, or inside a long bar (white) to save room."""
    outward = 1 if value >= base else -1
    direction = -outward if inside else outward
    axes.annotate(text, (value, y), xytext=(3 * direction, 0), textcoords="offset points",
                  ha="left" if direction > 0 else "right", va="center", fontsize=6,
                  color="white" if inside else "#444444")


def tornado_chart(tornado: Tornado, formatter: Formatter) -> str:
    """A tornado diagram: a horizontal bar per input, low end in blue, high end in orange."""
    with _drawing():
        bars = list(tornado.bars)
        height = max(3.2, 0.62 * len(bars) + 1.6) * CM
        figure = Figure(figsize=(WIDTH, height), layout="constrained")
        axes = figure.subplots()
        positions = np.arange(len(bars))[::-1]
        base = tornado.baseline
        values = [base] + [v for bar in bars for v in (bar.low_output, bar.high_output)]
        span = (max(values) - min(values)) or 1.0
        for y, bar in zip(positions, bars, strict=True):
            axes.barh(y, bar.low_output - base, left=base, color=PALETTE[0], height=0.62)
            axes.barh(y, bar.high_output - base, left=base, color=PALETTE[4], height=0.62)
            for value, text in ((bar.low_output, bar.low_text), (bar.high_output, bar.high_text)):
                _label_bar_end(axes, y, value, base, text, inside=abs(value - base) > 0.3 * span)
        axes.axvline(base, color=INK, linewidth=0.8)
        axes.set_yticks(positions, [_wrap(bar.label, 38) for bar in bars])
        axes.xaxis.set_major_formatter(FuncFormatter(_axis_number(formatter)))
        axes.set_xlabel(tornado.unit_name)
        axes.grid(axis="x", color=GRID, linewidth=0.5)
        axes.set_axisbelow(True)
        axes.margins(x=0.18)
        axes.tick_params(axis="y", length=0)
        axes.spines["left"].set_visible(False)
        handles = [Rectangle((0, 0), 1, 1, color=PALETTE[0]),
                   Rectangle((0, 0), 1, 1, color=PALETTE[4])]
        figure.legend(handles, [tornado.low_label, tornado.high_label], loc="outside upper left",
                      ncols=2, frameon=False, fontsize=7)
        return _data_uri(figure)
