"""pgai.install() / pgai.ainstall(): create or upgrade the `ai` schema."""

from __future__ import annotations

import asyncio
import ctypes

from . import _lib


def install(db_url: str, vector_extension_schema: str | None = None, strict: bool = False) -> None:
    """Installs or upgrades pgai in the database at `db_url`, in one transaction.

    Installing the installed version again does nothing, unless `strict`, in
    which case AlreadyInstalledError ("... has already been installed ...")
    is raised. Other failures raise PgaiError. Progress is logged to the
    `pgai` logger ("pgai 0.12.1 installed").
    """
    if vector_extension_schema is not None:
        # libpgai has no option for it; pgai itself renders invalid SQL here.
        raise NotImplementedError(
            "vector_extension_schema is not supported: create the extension first "
            "(CREATE EXTENSION vector SCHEMA ...); install() then uses its schema"
        )
    lib = _lib.load()
    opts = _lib.InstallOptions(
        strict=1 if strict else 0,
        log=_lib.log_callback,
        log_userdata=None,
        log_level=_lib.log_level(),
    )
    err = _lib.Error()
    url = db_url.encode() if db_url is not None else None
    rc = lib.pgai_install(url, ctypes.byref(opts), ctypes.byref(err))
    if rc < 0:
        raise err.exception(rc)


async def ainstall(db_url: str, vector_extension_schema: str | None = None, strict: bool = False) -> None:
    """install() without blocking the event loop."""
    await asyncio.to_thread(install, db_url, vector_extension_schema, strict)
