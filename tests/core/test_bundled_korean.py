"""The bundled case speaks Korean to a Korean reader: every text it gives has a Korean version.

The Korean brief quotes the case's own words (assumptions, source titles and notes, claim notes,
labels, descriptions). A text with only ``en`` falls back to English there, so a Korean reader
would meet English sentences the case could have given in Korean.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from yubi.case.loader import read_case_file
from yubi.case.schema import LocalText

HANGUL = re.compile("[\uac00-\ud7a3]")


def local_texts(node: Any, path: str = "") -> Iterator[tuple[str, LocalText]]:
    """Every ``LocalText`` under ``node``, with its dotted path in the case file."""
    if isinstance(node, LocalText):
        yield path, node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from local_texts(getattr(node, name), f"{path}.{name}".lstrip("."))
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from local_texts(value, f"{path}.{key}".lstrip("."))
    elif isinstance(node, list | tuple):
        for index, value in enumerate(node):
            yield from local_texts(value, f"{path}.{index}")


@pytest.fixture(scope="module")
def texts(bundled_path: Path) -> list[tuple[str, LocalText]]:
    return list(local_texts(read_case_file(bundled_path).file))


def test_the_walk_finds_the_case_texts(texts: list[tuple[str, LocalText]]) -> None:
    """Guard against a walk that finds nothing and so passes vacuously."""
    paths = {path for path, _ in texts}
    assert "title" in paths
    assert "quantities.troops_cap.assumption" in paths
    assert "sources.column.title" in paths
    assert len(texts) > 300


def test_every_text_of_the_bundled_case_has_korean(texts: list[tuple[str, LocalText]]) -> None:
    missing = [path for path, text in texts if not (text.ko or "").strip()]
    assert not missing, f"{len(missing)} texts without ko, e.g. {missing[:5]}"


def test_the_korean_texts_are_korean(texts: list[tuple[str, LocalText]]) -> None:
    """A ``ko`` that copies the English (or has no Hangul) is not a translation."""
    copied = [path for path, text in texts
              if text.ko and (not HANGUL.search(text.ko)
                              or (text.ko.strip() == text.en.strip()
                                  and not HANGUL.search(text.en)))]
    assert not copied, f"ko is not Korean at {copied[:5]}"
