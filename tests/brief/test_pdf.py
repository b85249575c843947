"""The PDF: every page has content, the Korean one embeds a CJK font and reads as Korean.

Pages are rendered with poppler's ``pdftoppm`` and read with matplotlib (PNG); fonts are
listed with ``pdffonts`` and text extracted with ``pdftotext``. The tests are skipped where
poppler-utils is missing (``scripts/system-deps.sh`` installs it).
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from pathlib import Path

import matplotlib
import matplotlib.image
import numpy as np
import pytest

from yubi.brief import Analyses, Formatter, charts, load_translations, write_brief
from yubi.brief.pdf import WORD_JOINER, keep_korean_words
from yubi.errors import UsageError

POPPLER = all(shutil.which(tool) for tool in ("pdftoppm", "pdffonts", "pdftotext"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils is not installed")
KOREAN_HEADINGS = ["핵심 판단", "시나리오별 전망", "상황과 동인", "영향", "결과를 좌우하는 요인",
                   "주시할 징후", "역사적 비교", "출처의 주장 검증", "대비", "방법과 가정"]
#: Share of non-white pixels a page's body (header and footer cut off) must exceed: a short
#: last page with two lines has about 0.6%, a page left blank 0%.
MIN_INK = 0.002


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory, starter_analyses: Analyses) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pdf")
    written = {}
    for language in ("en", "ko"):
        files = write_brief(starter_analyses.case, folder, language=language, pdf=True,
                            analyses=starter_analyses)
        assert files.pdf is not None and files.html.exists()
        written[language] = files.pdf
    return written


def _pages(pdf: Path, folder: Path) -> list[Path]:
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(folder / "page")], check=True)
    return sorted(folder.glob("page-*.png"))


@needs_poppler
@pytest.mark.parametrize("language", ["en", "ko"])
def test_every_page_has_content(pdfs: dict[str, Path], tmp_path: Path, language: str) -> None:
    pages = _pages(pdfs[language], tmp_path)
    assert len(pages) >= 4
    for page in pages:
        pixels = matplotlib.image.imread(page)[..., :3]
        height = pixels.shape[0]
        body = pixels[int(0.08 * height): int(0.92 * height)]  # without header and footer
        ink = float(np.mean(body.min(axis=-1) < 0.9))
        assert ink > MIN_INK, f"{page.name} of the {language} PDF is nearly empty ({ink:.2%})"


@needs_poppler
def test_the_korean_pdf_embeds_a_cjk_font(pdfs: dict[str, Path]) -> None:
    listing = subprocess.run(["pdffonts", str(pdfs["ko"])], check=True, capture_output=True,
                             text=True).stdout
    cjk = [line for line in listing.splitlines() if "CJK" in line]
    assert cjk, listing
    assert all(" yes " in line for line in cjk), listing  # embedded (emb = yes)


@needs_poppler
def test_the_korean_pdf_reads_as_korean(pdfs: dict[str, Path]) -> None:
    text = subprocess.run(["pdftotext", str(pdfs["ko"]), "-"], check=True, capture_output=True,
                          text=True).stdout
    for heading in KOREAN_HEADINGS:
        assert heading in text
    assert "2025년 12월 기준 핵심 수치" in text
    assert WORD_JOINER not in text  # the line-break guard leaves the text layer clean
    for english in ("Bottom line", "Outlook by scenario", "Key figures", "Method and"):
        assert english not in text


def test_korean_words_are_joined_for_weasyprint_only_inside_words() -> None:
    joined = keep_korean_words('<td class="x">장기전 2024년 (성공)</td>')
    j = WORD_JOINER
    assert joined == f'<td class="x">장{j}기{j}전 2024{j}년 ({j}성{j}공{j})</td>'
    assert keep_korean_words("plain English <b>text</b>") == "plain English <b>text</b>"


def test_charts_render_hangul_without_missing_glyphs(starter_analyses: Analyses) -> None:
    formatter = Formatter("ko", load_translations("ko"))
    result = starter_analyses.result
    series = [charts.FanSeries("쿠르스크 조기 탈환(김정은의 도박 성공)", charts.PALETTE[0],
                               *(result.statistic("deployed", q, "steady")
                                 for q in ("p05", "p25", "p50", "p75", "p95")))]
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r".*Glyph .* missing.*")
        uri = charts.fan_chart(series, starter_analyses.case.months, formatter, marker=3)
    assert uri.startswith("data:image/png;base64,")


def test_charts_are_opaque_rgb_pngs_at_the_brief_resolution(starter_analyses: Analyses) -> None:
    """WeasyPrint re-encodes an RGBA image as colour plus an alpha mask; an RGB chart is
    embedded once. The pixels must still be the chart's (not black where alpha was)."""
    import base64
    import io

    from PIL import Image

    formatter = Formatter("en", load_translations("en"))
    result = starter_analyses.result
    series = [charts.FanSeries("deployed", charts.PALETTE[0],
                               *(result.statistic("deployed", q, "all")
                                 for q in ("p05", "p25", "p50", "p75", "p95")))]
    uri = charts.fan_chart(series, starter_analyses.case.months, formatter)
    # A user's matplotlibrc may crop saved figures or make them transparent: not the brief's.
    with matplotlib.rc_context({"savefig.bbox": "tight", "savefig.transparent": True,
                                "figure.facecolor": (0.0, 0.0, 0.0, 0.0)}):
        again = charts.fan_chart(series, starter_analyses.case.months, formatter)
    for encoded in (uri, again):
        image = Image.open(io.BytesIO(base64.b64decode(encoded.split(",", 1)[1])))
        assert image.mode == "RGB"
        assert image.width == int(charts.WIDTH * charts.DPI)
        pixels = np.asarray(image)
        assert (pixels[0, 0] == 255).all()  # the white face, corner pixel
        assert (pixels.reshape(-1, 3) != 255).any(axis=1).mean() > 0.01  # and something drawn
    assert again == uri


def test_a_character_no_font_has_is_an_error_not_a_box(starter_analyses: Analyses) -> None:
    formatter = Formatter("en", load_translations("en"))
    result = starter_analyses.result
    series = [charts.FanSeries("\U00013000 hieroglyph", charts.PALETTE[0],
                               *(result.statistic("deployed", q, "all")
                                 for q in ("p05", "p25", "p50", "p75", "p95")))]
    with pytest.raises(UsageError, match="fonts-noto-cjk"):
        charts.fan_chart(series, starter_analyses.case.months, formatter)
