"""``flask xapi forward``: one pass of the forwarding outbox."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

xapi_cli = AppGroup("xapi", help="xAPI learning records and forwarding to an external LRS.")


def register(app: Flask) -> None:
    app.cli.add_command(xapi_cli)


@xapi_cli.command("forward")
@click.option("--limit", default=500, show_default=True, help="At most this many statements.")
def forward(limit: int):
    """Send the statements that are due to the external LRS (UPREST_XAPI_FORWARD_URL) once. The worker
    (`flask mail worker`) does this continuously."""
    from uprest.xapi.forward import forward_pending

    if not current_app.config.get("XAPI_FORWARD_URL"):
        raise click.ClickException("UPREST_XAPI_FORWARD_URL is not set: nothing is forwarded")
    sent, failed = forward_pending(limit)
    click.echo(f"sent {sent}, failed {failed}")
