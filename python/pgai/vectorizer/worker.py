"""pgai's vectorizer `Worker`, backed by libpgai's worker.

Each `run()` creates a libpgai worker and runs it in a thread of its own
(ctypes releases the GIL during the call), so the event loop stays free; the
coroutine resolves when the C worker returns. Log events go to the `pgai`
logger of the standard `logging` module.
"""

from __future__ import annotations

import asyncio
import atexit
import ctypes
import operator
import threading
from collections.abc import Sequence
from datetime import timedelta

from .. import _lib

# Workers whose C worker is running, so that interpreter exit can stop them
# (atexit handlers run before the interpreter is torn down).
_active: set[Worker] = set()
_active_lock = threading.Lock()


class Worker:
    """Embeds what the vectorizers queue until stopped (or once, with `once=True`).

    Arguments and defaults are pgai's library ones:
      db_url          libpq URI or conninfo string
      poll_interval   time between passes (timedelta, or seconds); whole seconds are used
      once            run one pass, then return
      vectorizer_ids  only these vectorizers; empty: all of them, re-listed each pass
      exit_on_error   stop at the first error and return it; None: True with `once`
      concurrency     executors per vectorizer; None: each vectorizer's own setting
    """

    def __init__(
        self,
        db_url: str,
        poll_interval: timedelta = timedelta(minutes=1),
        once: bool = False,
        vectorizer_ids: Sequence[int] = (),
        exit_on_error: bool | None = None,
        concurrency: int | None = None,
    ):
        self._lib = _lib.load()  # fail here, clearly, when libpgai is missing
        if not isinstance(db_url, str):
            raise TypeError("db_url must be a str")
        if isinstance(poll_interval, timedelta):
            seconds = poll_interval.total_seconds()
        elif isinstance(poll_interval, (int, float)) and not isinstance(poll_interval, bool):
            seconds = float(poll_interval)
        else:
            raise TypeError("poll_interval must be a datetime.timedelta (or a number of seconds)")
        ids = [operator.index(i) for i in vectorizer_ids]
        if any(not -(2**31) <= i < 2**31 for i in ids):
            raise ValueError("vectorizer ids must fit in a 32-bit integer")
        if concurrency is not None:
            concurrency = operator.index(concurrency)
            if not 1 <= concurrency < 2**31:
                raise ValueError("concurrency must be at least 1")

        self.db_url = db_url
        self.poll_interval = int(seconds)  # pgai keeps whole seconds
        self.once = bool(once)
        self.vectorizer_ids = ids
        self.dynamic_mode = not ids
        self.exit_on_error = exit_on_error
        if self.once and exit_on_error is None:
            self.exit_on_error = True  # once implies exit-on-error
        self.concurrency = concurrency

        # pgai has an asyncio.Event here; a threading.Event has the same
        # is_set()/set()/clear() and is not tied to one event loop.
        self.shutdown_requested = threading.Event()
        self._lock = threading.Lock()
        self._handle: int | None = None  # the C worker while it runs
        self._thread: threading.Thread | None = None

    async def request_graceful_shutdown(self) -> None:
        """Asks the worker to stop: the batch in flight finishes and commits, then run() returns None.

        Requested before run(), it makes run() return None at once without
        touching the database.
        """
        with self._lock:
            self.shutdown_requested.set()
            if self._handle is not None:
                self._lib.pgai_worker_request_shutdown(self._handle)

    async def run(self) -> Exception | None:
        """Runs the worker until it is done; returns None, or the error that stopped it.

        The error (with exit_on_error) is returned, not raised: a PgaiError
        whose str() is the worker's message. Cancelling the task aborts the
        worker at once: work in flight rolls back, nothing is lost.
        """
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._thread is not None:
                raise RuntimeError("this Worker is already running")
            if self.shutdown_requested.is_set():
                return None
            handle = self._new_handle()
            done = loop.create_future()
            thread = threading.Thread(
                target=self._run_in_thread, args=(handle, loop, done), name="pgai-worker", daemon=True
            )
            self._handle, self._thread = handle, thread
            with _active_lock:
                _active.add(self)
            try:
                thread.start()
            except BaseException:
                self._handle = self._thread = None
                with _active_lock:
                    _active.discard(self)
                self._lib.pgai_worker_free(handle)
                raise
        try:
            rc, err = await done
        except asyncio.CancelledError:
            self._abort()
            raise
        return err.exception(rc) if rc < 0 else None

    def _new_handle(self) -> int:
        ids = (ctypes.c_int * len(self.vectorizer_ids))(*self.vectorizer_ids)
        opts = _lib.WorkerOptions(
            struct_size=ctypes.sizeof(_lib.WorkerOptions),
            db_url=self.db_url.encode(),
            vectorizer_ids=ids if self.vectorizer_ids else None,
            n_vectorizer_ids=len(self.vectorizer_ids),
            poll_interval=float(max(self.poll_interval, 0)),
            once=1 if self.once else 0,
            exit_on_error=-1 if self.exit_on_error is None else (1 if self.exit_on_error else 0),
            concurrency=self.concurrency or 0,
            log=_lib.log_callback,
            log_userdata=None,
            log_level=_lib.log_level(),
        )
        handle = ctypes.c_void_p()
        err = _lib.Error()
        rc = self._lib.pgai_worker_new(ctypes.byref(opts), ctypes.byref(handle), ctypes.byref(err))
        if rc < 0:
            e = err.exception(rc)
            raise ValueError(str(e)) if rc == _lib.E_INVALID else e
        return handle.value

    def _run_in_thread(self, handle: int, loop: asyncio.AbstractEventLoop, done: asyncio.Future) -> None:
        err = _lib.Error()
        rc = _lib.E_STATE
        try:
            rc = self._lib.pgai_worker_run(handle, ctypes.byref(err))
        finally:
            with self._lock:
                self._handle = self._thread = None
            with _active_lock:
                _active.discard(self)
            self._lib.pgai_worker_free(handle)
            try:
                loop.call_soon_threadsafe(_settle, done, (rc, err))
            except RuntimeError:  # the event loop is gone (closed after a cancellation)
                pass

    def _abort(self) -> None:
        with self._lock:
            if self._handle is not None:
                self._lib.pgai_worker_request_abort(self._handle)


def _settle(future: asyncio.Future, result) -> None:
    if not future.done():
        future.set_result(result)


@atexit.register
def _stop_running_workers() -> None:
    """At interpreter exit, abort the workers still running and wait for them."""
    with _active_lock:
        workers = list(_active)
    for w in workers:
        w._abort()
    for w in workers:
        thread = w._thread
        if thread is not None:
            thread.join(timeout=30)
