"""`creator-advisor serve`: the HTTP service and the creators' page (advisor/service), in its own module so the
command's options sit apart from the other commands'. It parses options and calls `advisor.service.run.serve`."""

from __future__ import annotations

import os

import click

from advisor.cli.common import engine_option, fail_cleanly, overlay_option, pack_folders, rules_option


def _default_workers() -> int:
    """One worker process per core the process may run on: the durable-rules engine serialises one process's
    evaluations, so more cores need more processes."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. The default answers this machine only; put a reverse proxy in front "
                   "to serve others (docs/http-api.md).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes. Default: one per CPU core available.")
@rules_option
@overlay_option
@click.option("--max-body", "max_body", type=click.IntRange(min=1), default=None,
              help="Largest request body in bytes, uploads included (default 1 MiB); larger ones get 413.")
@click.option("--time-limit", "time_limit", type=click.FloatRange(min=0.001), default=10.0, show_default=True,
              help="Seconds one plan may take before the answer is 503.")
@click.option("--body-timeout", "body_timeout", type=click.FloatRange(min=0.001), default=10.0,
              show_default=True, help="Seconds within which a request body must arrive (else 408).")
@click.option("--limit-concurrency", "limit_concurrency", type=click.IntRange(min=1), default=256,
              show_default=True, help="Connections and requests at once per worker; more get 503.")
@click.option("--proxy-headers", is_flag=True,
              help="Trust X-Forwarded-For/-Proto from the addresses in --forwarded-allow-ips (behind a proxy).")
@click.option("--forwarded-allow-ips", "forwarded_allow_ips", default=None,
              help="Comma-separated proxy addresses whose forwarded headers are trusted (default 127.0.0.1).")
@click.option("--log-level", "log_level", type=click.Choice(["critical", "error", "warning", "info", "debug"]),
              default="info", show_default=True, help="Log level; each request is one line at info.")
@engine_option
@fail_cleanly
def serve(host: str, port: int, workers: int | None, rules: tuple[str, ...], overlays: tuple[str, ...],
          max_body: int | None, time_limit: float, body_timeout: float, limit_concurrency: int, proxy_headers: bool,
          forwarded_allow_ips: str | None, log_level: str, engine: str | None) -> None:
    """Serve the advisor over HTTP: the JSON API (/v1/plans, /docs) and a page for creators (/)."""
    try:
        from advisor.service.config import DEFAULT_MAX_BODY, ServiceConfig
        from advisor.service.run import serve as run
    except ImportError as error:
        raise click.ClickException(f"the service needs its extra: pip install 'creator-advisor[serve]' "
                                   f"({error.name or error} is missing)") from None
    if overlays:
        rules = tuple(str(folder) for folder in pack_folders(rules, overlays))
    config = ServiceConfig(rules=rules, max_body_bytes=max_body or DEFAULT_MAX_BODY, time_limit=time_limit,
                           body_timeout=body_timeout, engine=engine)
    run(config, host=host, port=port, workers=workers or _default_workers(), limit_concurrency=limit_concurrency,
        proxy_headers=proxy_headers, forwarded_allow_ips=forwarded_allow_ips, log_level=log_level)


def register_commands(main: click.Group) -> None:
    main.add_command(serve)
