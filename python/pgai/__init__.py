"""pgai in C, from Python: pgai's library API on top of libpgai (ctypes, standard library only).

    import pgai
    pgai.install("postgres://user:password@host:5432/database")

    from pgai import Worker            # or: from pgai.vectorizer import Worker
    worker = Worker(db_url="postgres://user:password@host:5432/database")
    task = asyncio.create_task(worker.run())

libpgai is looked up at first use: $PGAI_LIBRARY, then the source tree's
build directory, then the system's library path (libpgai.so.0).
"""

from ._install import ainstall, install
from ._lib import AlreadyInstalledError, PgaiError
from .vectorizer import Worker

__all__ = ["install", "ainstall", "Worker", "PgaiError", "AlreadyInstalledError", "__version__"]


def __getattr__(name: str):
    # __version__ comes from the library (the pgai version it is compatible
    # with, e.g. "0.12.1"), loaded on first access so that importing never fails.
    if name == "__version__":
        from . import _lib

        try:
            return _lib.text(_lib.load().pgai_compatible_version())
        except OSError as e:
            raise AttributeError(f"pgai.__version__ is unavailable: {e}") from e
    raise AttributeError(f"module 'pgai' has no attribute {name!r}")
