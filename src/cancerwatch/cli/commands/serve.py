"""``cancerwatch serve``: the web dashboard and JSON API (uvicorn), or one request with ``--get``.

``--get PATH`` runs a single GET through the app in-process and prints the response body, as
datasette's ``serve --get`` does: handy for scripts and tests, with no server or port. Its exit
code is 0 for a 2xx/3xx response, 2 for a 4xx (bad request, like the rest of the CLI) and 1
otherwise.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from cancerwatch.cli.options import DbOption, db_path


def register(app: typer.Typer) -> None:
    """Add the command to the app."""

    @app.command("serve")
    def serve_command(
        host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="port to listen on", min=0, max=65535)] = 8000,
        public: Annotated[
            bool,
            typer.Option("--public", help="public read-only site: suppress small numbers, no uploads"),
        ] = False,
        get: Annotated[
            str | None,
            typer.Option("--get", metavar="PATH", help="run one GET request in-process, print the body and exit"),
        ] = None,
        db: DbOption = None,
    ) -> None:
        """Serve the dashboard and the JSON API (API docs at /api/docs)."""
        from cancerwatch.web.app import create_app

        application = create_app(db_path(db), public=public, warm=get is None)
        if get is not None:
            _get(application, get)
            return
        import uvicorn

        config = uvicorn.Config(application, host=host, port=port, log_level="info", proxy_headers=False)
        server = uvicorn.Server(config)
        typer.echo(f"cancerwatch on http://{host}:{server.config.port}/ ({'public' if public else 'internal'} mode)")
        server.run()


def _get(application, path: str) -> None:
    import asyncio

    import httpx

    async def fetch() -> httpx.Response:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://cancerwatch.local") as client:
            return await client.get(path)

    if not path.startswith("/"):
        path = "/" + path
    try:
        response = asyncio.run(fetch())
    finally:
        application.state.cancerwatch.warehouse.close()
    sys.stdout.write(response.text)
    if not response.text.endswith("\n"):
        sys.stdout.write("\n")
    if 300 <= response.status_code < 400:
        typer.echo(f"cancerwatch: GET {path} redirects to {response.headers.get('location')}", err=True)
    if response.status_code >= 400:
        typer.echo(f"cancerwatch: GET {path} returned HTTP {response.status_code}", err=True)
        raise typer.Exit(2 if response.status_code < 500 else 1)
