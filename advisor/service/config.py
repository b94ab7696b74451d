"""What a running service is told: the rule pack, the bounds of a request, the workers. One frozen value, passed to
each worker process through an environment variable (uvicorn starts workers by importing a factory)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass

ENVIRONMENT_KEY = "CREATOR_ADVISOR_SERVE_CONFIG"
DEFAULT_MAX_BODY = 1024 * 1024  # 1 MiB: a hand-written profile is a few kB, a year of videos ~100 kB


@dataclass(frozen=True)
class ServiceConfig:
    """`rules`: pack folders (empty: the shipped pack), later ones overlays. `max_body_bytes`: a request body over
    this is refused with 413 before it is read whole. `body_timeout`: seconds within which the whole body must
    arrive (a slow body is cut off with 408). `time_limit`: seconds one plan may take before the answer is 503.
    `threads`: plans worked on at once in one worker process. `engine`: the rule engine implementation, when the
    installed advisor offers a choice (None: its default). `log_level`: of the service's log (one line per request
    at info)."""

    rules: tuple[str, ...] = ()
    max_body_bytes: int = DEFAULT_MAX_BODY
    body_timeout: float = 10.0
    time_limit: float = 10.0
    threads: int = 4
    engine: str | None = None
    log_level: str = "info"

    def to_environment(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_environment(cls) -> "ServiceConfig":
        text = os.environ.get(ENVIRONMENT_KEY)
        if not text:
            return cls()
        data = json.loads(text)
        data["rules"] = tuple(data.get("rules") or ())
        return cls(**data)
