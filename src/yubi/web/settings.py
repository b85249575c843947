"""What ``yubi serve`` is configured with: where the store is, who may read, and the limits.

Kept free of FastAPI so the CLI can build settings without importing the web stack.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

__all__ = ["WebSettings"]


def _default_run_workers() -> int:
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class WebSettings:
    """Settings of one web app (see ``docs/web.md``).

    Attributes
    ----------
    database_url
        The store (``None``: ``$YUBI_DATABASE_URL``, else the user's SQLite file), the same
        store as the CLI's.
    public
        Let anonymous visitors read (never write). Off: anonymous requests read only
        ``/health``.
    behind_tls
        The server is reached over HTTPS through a proxy: session cookies are ``Secure``
        even when the proxy talks plain HTTP to us.
    max_samples
        Trajectories allowed in one run request.
    max_body_bytes
        Largest request body accepted (bytes); larger bodies get 413. Room for a case file
        as large as the loader accepts (4 MiB) in an upload form.
    run_timeout
        Seconds a run may take once started; then 503 (and the run stops).
    queue_timeout
        Seconds a run request may wait in line for a free worker; then 503 (busy).
    run_workers
        Simulations run at once (threads); further requests wait in line.
    session_lifetime
        How long a login lasts.
    warm_cases
        Compile the bundled default case in the background at start-up (``yubi serve``).
    brief_samples, brief_sobol_samples, brief_tornado_samples
        Sizes of the analyses behind a brief made on the server (see ``yubi brief``).
    """

    database_url: str | None = None
    public: bool = False
    behind_tls: bool = False
    max_samples: int = 200_000
    max_body_bytes: int = 5 * 1024 * 1024
    run_timeout: float = 30.0
    queue_timeout: float = 60.0
    run_workers: int = field(default_factory=_default_run_workers)
    session_lifetime: dt.timedelta = dt.timedelta(days=7)
    warm_cases: bool = False
    brief_samples: int = 100_000
    brief_sobol_samples: int = 1024
    brief_tornado_samples: int = 2000
