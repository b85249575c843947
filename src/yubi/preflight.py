"""Checks of a command's arguments made before any work: output paths and Dask schedulers.

A simulation can take minutes; an output path in a missing or read-only folder, or with a
suffix yubi cannot write, must be refused before it starts, not after. Each check raises
:class:`~yubi.errors.UsageError` naming the option and the path (exit code 2).
"""

from __future__ import annotations

import socket
import tempfile
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from yubi.errors import UsageError

__all__ = ["check_output_file", "check_output_folder", "check_scheduler"]

#: Seconds to wait for a Dask scheduler to accept a connection.
CONNECT_TIMEOUT = 5.0
_SCHEDULER_SCHEMES = ("tcp", "tls", "ws", "wss")


def check_output_file(path: Path, option: str, suffixes: Sequence[str] = ()) -> None:
    """``path`` can be written: a known suffix, in an existing folder that takes new files."""
    if path.is_dir():
        raise UsageError(f"{option} {path} is a folder; give a file name")
    if suffixes and path.suffix.lower() not in suffixes:
        raise UsageError(f"{option} {path}: write {' or '.join(suffixes)}, "
                         f"not {path.suffix or '(no suffix)'}")
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(f"{option} {path}: folder {folder} does not exist")
    _probe(folder, option, path)


def check_output_folder(path: Path, option: str) -> None:
    """``path`` is, or can be created as, a folder that takes new files."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {path} is a file, not a folder")
    existing = path
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"{option} {path}: {existing} is a file, not a folder")
    _probe(existing, option, path)


def _probe(folder: Path, option: str, path: Path) -> None:
    # Creating (and at once deleting) a file is the one test that holds everywhere: as root,
    # on read-only mounts, in /proc, on network file systems.
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".yubi-probe-"):
            pass
    except OSError as error:
        raise UsageError(f"{option} {path}: cannot write in {folder} "
                         f"({error.strerror or error})") from None


def check_scheduler(address: str) -> None:
    """``address`` is a Dask scheduler's address, and something there accepts connections.

    Dask itself would retry for 30 s and then fail with a timeout; this answers in at most
    :data:`CONNECT_TIMEOUT` seconds with what is wrong.
    """
    text = address.strip()
    parts = urlsplit(text if "://" in text else f"tcp://{text}")
    try:
        port = parts.port
    except ValueError:
        port = None
    if (parts.scheme not in _SCHEDULER_SCHEMES or not parts.hostname or port is None
            or any(character.isspace() for character in text)):
        raise UsageError(f"--scheduler {address!r} is not a Dask scheduler address such as "
                         "tcp://10.0.0.5:8786")
    try:
        with socket.create_connection((parts.hostname, port), timeout=CONNECT_TIMEOUT):
            pass
    except OSError as error:
        reason = error.strerror or str(error) or type(error).__name__
        raise UsageError(f"--scheduler {address}: could not connect to a Dask scheduler "
                         f"there ({reason})") from None
