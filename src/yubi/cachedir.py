"""Where yubi keeps what it can compute again but would rather not: compiled kernels and the
inverse-CDF tables of distributions (``$YUBI_KERNEL_CACHE``, or the user cache folder's
``yubi/kernels``). Deleting the folder is always safe: everything in it is rebuilt on use."""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import cache
from pathlib import Path

__all__ = ["cache_folder", "source_digest", "write_atomically"]


def cache_folder() -> Path:
    """The cache folder (not created here)."""
    configured = os.environ.get("YUBI_KERNEL_CACHE")
    if configured:
        return Path(configured)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("yubi")) / "kernels"


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@cache
def source_digest(path: str) -> str:
    """SHA-256 of a module's own source file (``__file__``): part of the key of what that
    module computes and keeps here, so a change to the code makes the kept files stale."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
