"""``odjek serve``: run the web UI with uvicorn on settings.web.web_host / web_port."""

from __future__ import annotations

import click

from odjek.context import settings_from_env


@click.command("serve")
@click.option("--host", help="Address to listen on (default: settings web_host).")
@click.option("--port", type=int, help="Port to listen on (default: settings web_port).")
@click.option("--forwarded-allow-ips", help="Addresses of a reverse proxy whose X-Forwarded-For is trusted "
                                            "(rate limits and the audit log then see client addresses).")
def command(host: str | None, port: int | None, forwarded_allow_ips: str | None) -> None:
    """Serve the search web UI for press officers."""
    import uvicorn

    from web.app import create_app

    settings = settings_from_env()
    app = create_app(settings)
    uvicorn.run(app, host=host or settings.web.web_host, port=port or settings.web.web_port,
                proxy_headers=bool(forwarded_allow_ips), forwarded_allow_ips=forwarded_allow_ips,
                server_header=False, log_level="info")
