"""Serving the app with uvicorn: `creator-advisor serve` calls `serve(config, host, port, workers)`.

Several worker processes (uvicorn's `workers`) are how the service uses several cores: the durable-rules engine
serialises the evaluations of one process behind a lock, and Python threads share one interpreter lock anyway.
Each worker builds the app through `app_factory`, which reads the configuration from the environment (uvicorn
starts workers by importing the factory by name). The rule pack is checked once in the parent before any worker
starts, so a bad pack is one `Error: ...` line, not a crash per worker.

Logging: uvicorn's access log is off (it would log the path and the client's address); the service logs one line
per request, status and duration (app.Guard), and uvicorn's own start and stop lines.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from typing import TYPE_CHECKING

from advisor.service.config import ENVIRONMENT_KEY, ServiceConfig

if TYPE_CHECKING:
    from starlette.types import ASGIApp

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def app_factory() -> "ASGIApp":
    """The ASGI app for a uvicorn worker, configured from CREATOR_ADVISOR_SERVE_CONFIG."""
    from advisor.service import create_app

    config = ServiceConfig.from_environment()
    configure_logging(config.log_level)  # a worker is a fresh interpreter: the parent's set-up is not inherited
    return create_app(config)


def configure_logging(level: str) -> None:
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO), format=LOG_FORMAT)


def serve(config: ServiceConfig, *, host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          limit_concurrency: int | None = None, proxy_headers: bool = False,
          forwarded_allow_ips: str | None = None, log_level: str = "info") -> None:
    """Run the service until interrupted. Raises the library's errors for a bad rule pack before listening."""
    import uvicorn

    from advisor.service.app import advisor_for

    advisor_for(config)  # the pack checked now, before any worker starts
    os.environ[ENVIRONMENT_KEY] = replace(config, log_level=log_level).to_environment()
    configure_logging(log_level)
    uvicorn.run("advisor.service.run:app_factory", factory=True, host=host, port=port, workers=workers,
                access_log=False, log_config=None, log_level=log_level, server_header=False,
                limit_concurrency=limit_concurrency, proxy_headers=proxy_headers,
                forwarded_allow_ips=forwarded_allow_ips, timeout_keep_alive=5, timeout_graceful_shutdown=10)
