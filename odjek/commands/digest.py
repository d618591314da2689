"""``odjek digest daily|weekly``: render a period's digest to HTML and PDF, and send it with ``--send``."""

from __future__ import annotations

import click

from odjek.context import echo_json, settings_from_env


def _period_start(kind: str, date: str | None, week: str | None, tz: str):
    """The period's first day from --date/--week, else the previous day or week in the digest timezone."""
    import datetime as dt

    from odjek.errors import InputError
    from reports.periods import parse_day, parse_week, previous_day, previous_week

    if date and week:
        raise InputError("give either --date or --week, not both")
    if week and kind != "weekly":
        raise InputError("--week is for the weekly digest; use --date for the daily one")
    try:
        if week:
            return parse_week(week)
        if date:
            return parse_day(date)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    now = dt.datetime.now(dt.UTC)
    return (previous_day(now, tz) if kind == "daily" else previous_week(now, tz)).start


@click.command("digest")
@click.argument("kind", type=click.Choice(["daily", "weekly"]))
@click.option("--date", "date", metavar="YYYY-MM-DD", help="Day of the daily digest (weekly: any day of the week)."
              " Default: yesterday (daily) or last week (weekly) in the digest timezone.")
@click.option("--week", metavar="YYYY-Www", help="ISO week of the weekly digest, e.g. 2026-W11.")
@click.option("--script", type=click.Choice(["cyrl", "latn"]), default=None,
              help="Output script (default: the output_script setting).")
@click.option("--send", is_flag=True, help="Email it (or write the .eml to the outbox without SMTP settings).")
@click.option("--resend", is_flag=True, help="Send again to recipients who already got this period (implies --send).")
@click.option("--json", "as_json", is_flag=True, help="Print paths, status and deliveries as JSON.")
def command(kind: str, date: str | None, week: str | None, script: str | None, send: bool, resend: bool,
            as_json: bool) -> None:
    """Render the daily or weekly digest into the digests folder and print the HTML and PDF paths.

    With review_digests on, the digest is held until an operator releases it in the web UI; --send then
    sends nothing. Each recipient gets a period once; --resend overrides that deliberately.
    """
    from archive import open_archive
    from reports.digest import render_digest, send_digest

    settings = settings_from_env()
    start = _period_start(kind, date, week, settings.locale.timezone)
    db = open_archive(settings.resolved_database_url)
    run = render_digest(settings, db, kind, start, script)
    deliveries = send_digest(settings, db, run, resend=resend) if (send or resend) else []
    if as_json:
        echo_json({"kind": run.kind, "period_start": run.period_start, "period_end": run.period_end,
                   "script": run.script, "status": run.status, "html": run.html_path, "pdf": run.pdf_path,
                   "deliveries": [{"recipient": d.recipient, "state": d.state, "detail": d.detail}
                                  for d in deliveries]})
        _fail_if_undelivered(deliveries)
        return
    click.echo(run.html_path)
    click.echo(run.pdf_path)
    if (send or resend) and run.status == "held":
        click.echo("held for review: release it in the web UI to send", err=True)
    for d in deliveries:
        click.echo(f"{d.state}: {d.recipient}{' ' + d.detail if d.detail else ''}", err=True)
    _fail_if_undelivered(deliveries)


def _fail_if_undelivered(deliveries) -> None:
    """Exit 5 when any recipient did not get the digest (the scheduler then retries the send)."""
    from odjek.errors import EXIT_NOT_DELIVERED, RunFailed
    from reports.mailer import failed_deliveries

    failed = failed_deliveries(deliveries)
    if failed:
        raise RunFailed(f"digest not delivered to {len(failed)} of {len(deliveries)} recipient(s): "
                        + "; ".join(f"{d.recipient} ({d.detail})" for d in failed), EXIT_NOT_DELIVERED)
