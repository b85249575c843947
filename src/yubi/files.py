"""Reading a user's input file safely: regular files only, and never more than a cap.

A case or evidence file named by a user may be a named pipe (``open`` would block until a
writer comes, i.e. forever), a device such as ``/dev/zero`` (endless bytes) or a huge file.
:func:`read_capped` opens without blocking, refuses anything that is not a regular file, and
reads at most ``limit`` bytes (one more to tell "exactly at the cap" from "over it"), so memory
and time are bounded before any parser sees the bytes.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from yubi.errors import UsageError

__all__ = ["read_capped"]


def read_capped(path: str | Path, limit: int, what: str = "file") -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Parameters
    ----------
    path
        The file to read.
    limit
        The largest size accepted, in bytes.
    what
        What the file is, for messages (``"case file"``, ``"evidence file"``).

    Raises
    ------
    UsageError
        If the file cannot be opened, is not a regular file, or is larger than ``limit``;
        the message names the path.
    """
    display = str(path)
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
        descriptor = os.open(display, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise UsageError(f"{display}: cannot read {what}: {error.strerror}") from None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise UsageError(f"{display}: a {what} must be a regular file, not a pipe, "
                         "device or folder")
    with os.fdopen(descriptor, "rb", closefd=True) as handle:
        try:
            data = handle.read(limit + 1)
        except OSError as error:
            raise UsageError(f"{display}: cannot read {what}: {error.strerror}") from None
    if len(data) > limit:
        raise UsageError(f"{display}: {what} larger than {limit:,} bytes")
    return data
