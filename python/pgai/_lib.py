"""ctypes access to libpgai: finding the library, its prototypes, errors, logging.

Nothing here runs at import time: the library is loaded by the first call to
`load()`, so `import pgai` works on machines without libpgai and the error
(an OSError naming every place that was tried) appears where it is used.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import threading

# Status codes (pgai.h).
OK = 0
NOTHING_TO_DO = 1
E_INVALID = -1
E_CONNECT = -2
E_UNSUPPORTED = -3
E_PRIVILEGE = -4
E_ALREADY_INSTALLED = -5
E_SQL = -6
E_NOMEM = -7
E_TIMEOUT = -8
E_STATE = -9

logger = logging.getLogger("pgai")


class PgaiError(Exception):
    """An error reported by libpgai.

    `code` is the library's PGAI_E_* status (a negative int) and `sqlstate`
    the SQLSTATE when the database reported the error, else "". str() of the
    exception is the library's one-line message.
    """

    def __init__(self, message: str, code: int = E_SQL, sqlstate: str = ""):
        super().__init__(message)
        self.code = code
        self.sqlstate = sqlstate


class AlreadyInstalledError(PgaiError):
    """install(strict=True) found this pgai version already installed."""


PgaiError.__module__ = AlreadyInstalledError.__module__ = "pgai"  # as users import them


class Error(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_int),
        ("sqlstate", ctypes.c_char * 6),
        ("message", ctypes.c_char * 1024),
    ]

    def exception(self, rc: int) -> PgaiError:
        code = self.code or rc
        message = self.message.decode("utf-8", "replace") or f"libpgai error {code}"
        cls = AlreadyInstalledError if code == E_ALREADY_INSTALLED else PgaiError
        return cls(message, code, self.sqlstate.decode("ascii", "replace"))


# void (*pgai_log_fn)(void *userdata, pgai_log_level level, const char *event, const char *fields)
LOG_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p)


class InstallOptions(ctypes.Structure):
    _fields_ = [
        ("strict", ctypes.c_int),
        ("log", LOG_FN),
        ("log_userdata", ctypes.c_void_p),
        ("log_level", ctypes.c_int),
    ]


class WorkerOptions(ctypes.Structure):
    _fields_ = [
        ("struct_size", ctypes.c_size_t),
        ("db_url", ctypes.c_char_p),
        ("vectorizer_ids", ctypes.POINTER(ctypes.c_int)),
        ("n_vectorizer_ids", ctypes.c_size_t),
        ("poll_interval", ctypes.c_double),
        ("once", ctypes.c_int),
        ("exit_on_error", ctypes.c_int),
        ("concurrency", ctypes.c_int),
        ("log", LOG_FN),
        ("log_userdata", ctypes.c_void_p),
        ("log_level", ctypes.c_int),
        ("http_timeout", ctypes.c_double),
        ("max_document_bytes", ctypes.c_longlong),
        ("max_chunks_per_document", ctypes.c_longlong),
        ("max_response_bytes", ctypes.c_longlong),
        ("max_parallel_vectorizers", ctypes.c_int),
    ]


def _forward_log(userdata, level, event, fields):
    """The pgai_log_fn handed to the library: C threads call it; it feeds `logging`.

    It must never raise into C, so everything is caught; a failure to log is
    dropped (logging's own handlers report their errors themselves).
    """
    try:
        if not logger.isEnabledFor(level):
            return
        text = event.decode("utf-8", "replace") if event else ""
        extra = fields.decode("utf-8", "replace") if fields else ""
        message = f"{text} {extra}" if extra else text
        logger.log(level, message, extra={"pgai_event": text, "pgai_fields": extra})
    except BaseException:  # noqa: BLE001 - nothing may escape into C
        pass


# One callback object for the whole process, referenced from this module
# forever, so C never calls a freed trampoline.
log_callback = LOG_FN(_forward_log)


def log_level() -> int:
    """The minimum level to ask the library for: what the `pgai` logger lets through."""
    level = logger.getEffectiveLevel()
    return min(max(level, logging.DEBUG), logging.CRITICAL)


def _candidates() -> list[str]:
    """Where libpgai may be, in order (PGAI_LIBRARY is handled by load())."""
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))  # python/pgai -> the source tree
    paths = []
    build = os.environ.get("BUILD")
    if build:
        paths.append(os.path.join(root, build, "libpgai.so"))
    paths.append(os.path.join(root, "build", "libpgai.so"))
    found = ctypes.util.find_library("pgai")
    if found:
        paths.append(found)
    paths.append("libpgai.so.0")
    return paths


_lib = None
_lock = threading.Lock()


def _declare(lib: ctypes.CDLL) -> ctypes.CDLL:
    c_int, c_char_p, c_void_p, c_long = ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_long
    err_p = ctypes.POINTER(Error)
    protos = {
        "pgai_version": (c_char_p, []),
        "pgai_compatible_version": (c_char_p, []),
        "pgai_library_version": (c_char_p, []),
        "pgai_install": (c_int, [c_char_p, ctypes.POINTER(InstallOptions), err_p]),
        "pgai_worker_new": (c_int, [ctypes.POINTER(WorkerOptions), ctypes.POINTER(c_void_p), err_p]),
        "pgai_worker_run": (c_int, [c_void_p, err_p]),
        "pgai_worker_request_shutdown": (None, [c_void_p]),
        "pgai_worker_request_abort": (None, [c_void_p]),
        "pgai_worker_start": (c_int, [c_void_p, err_p]),
        "pgai_worker_wait": (c_int, [c_void_p, c_long, err_p]),
        "pgai_worker_free": (None, [c_void_p]),
    }
    for name, (restype, argtypes) in protos.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


def load() -> ctypes.CDLL:
    """Loads libpgai once; raises OSError naming every place that was tried."""
    global _lib
    with _lock:
        if _lib is not None:
            return _lib
        explicit = os.environ.get("PGAI_LIBRARY")
        if explicit:
            try:
                _lib = _declare(ctypes.CDLL(explicit))
            except (OSError, AttributeError) as e:
                raise OSError(f"cannot load libpgai from PGAI_LIBRARY={explicit}: {e}") from e
            return _lib
        tried = []
        for path in _candidates():
            if os.sep in path and not os.path.exists(path):
                tried.append(f"{path} (no such file)")
                continue
            try:
                _lib = _declare(ctypes.CDLL(path))
                return _lib
            except (OSError, AttributeError) as e:
                tried.append(f"{path} ({e})")
        raise OSError(
            "libpgai not found; tried: " + "; ".join(tried)
            + ". Build it (make) or install it, or set PGAI_LIBRARY to the path of libpgai.so"
        )


def text(value: bytes | None) -> str:
    return value.decode("utf-8", "replace") if value else ""
