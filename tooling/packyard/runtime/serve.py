"""``packyard serve NAME...``: one FastAPI application holding the routes of each
installed package under ``/NAME`` (its import name), served by uvicorn.

Each package's ``packyard.routes`` entry point names a FastAPI ``APIRouter``
(``NAME.routes:router``, from the package's ``routes.py``). The application also answers
``GET /`` with the mounted packages, ``/docs`` with the OpenAPI (Swagger UI) page and
``/openapi.json`` with the schema.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from packyard import __version__
from packyard.errors import RunError
from packyard.runtime.bodylimit import DEFAULT_MAX_BODY_BYTES, BodyLimit
from packyard.runtime.installed import InstalledPackage, find_installed, require_modules

ROUTES_GROUP = "packyard.routes"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def build_app(names: Sequence[str]) -> Any:
    """The FastAPI application mounting each package's router under ``/IMPORT_NAME``.

    Args:
        names: installed packages (distribution or import names); duplicates count once.

    Returns:
        A ``fastapi.FastAPI`` instance; ``app.state.packyard_prefixes`` lists the
        prefixes (import names, without ``/``) in order.

    Raises:
        RunError: fastapi is missing (``packyard[serve]``), a package is not installed,
            ships no routes, cannot be imported (its ``api`` extra), or its ``router`` is
            not an ``APIRouter``.
    """
    require_modules(["fastapi"], command="packyard serve")
    from fastapi import APIRouter, FastAPI

    packages: dict[str, InstalledPackage] = {}
    for name in names:
        package = find_installed(name)
        packages.setdefault(package.import_name, package)
    app = FastAPI(
        title="packyard serve: " + ", ".join(packages),
        version=__version__,
        description="The routes of: "
        + ", ".join(f"`{p.name}` {p.version} under `/{n}`" for n, p in packages.items()),
    )
    for prefix, package in packages.items():
        router = package.load(ROUTES_GROUP)
        if not isinstance(router, APIRouter):
            point = package.require_entry_point(ROUTES_GROUP)
            raise RunError(
                f"{point.value} of {package.name} is a {type(router).__name__}, "
                "not a FastAPI APIRouter",
                hint="define router = fastapi.APIRouter() in routes.py and add routes to it",
            )
        app.include_router(router, prefix=f"/{prefix}", tags=[prefix])

    index = {
        "packages": {
            prefix: {"distribution": p.name, "version": p.version, "prefix": f"/{prefix}"}
            for prefix, p in packages.items()
        },
        "docs": "/docs",
        "openapi": "/openapi.json",
    }

    @app.get("/", include_in_schema=False)
    def _index() -> dict[str, Any]:
        return index

    app.state.packyard_prefixes = list(packages)
    return app


def serve(
    names: Sequence[str],
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    progress: Callable[[str], None] = print,
) -> None:
    """Serve the packages' routes with uvicorn until interrupted (Ctrl-C or SIGTERM).

    Args:
        names: installed packages (distribution or import names).
        host: the address to listen on; loopback by default.
        port: the TCP port.
        max_body_bytes: the largest request body accepted, in bytes; a larger one gets
            HTTP 413 without being read (:class:`~packyard.runtime.bodylimit.BodyLimit`).
        progress: called with the URLs before the server starts.

    Raises:
        RunError: see :func:`build_app`; uvicorn is missing (``packyard[serve]``).
    """
    require_modules(["fastapi", "uvicorn"], command="packyard serve")
    import uvicorn

    app = build_app(names)
    base = f"http://{host}:{port}"
    for prefix in app.state.packyard_prefixes:
        progress(f"{prefix}: {base}/{prefix}/")
    progress(f"OpenAPI page: {base}/docs")
    uvicorn.run(BodyLimit(app, max_body_bytes), host=host, port=port, log_level="info")
