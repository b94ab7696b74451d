"""The advisor over HTTP: `creator-advisor serve` (an ASGI app on Starlette, served by uvicorn).

- `POST /v1/plans`: a profile (or TikTok's own data) in, the plan out as JSON, Markdown or HTML;
- `GET /v1/programs`, `GET /v1/rules`: the rule pack's programmes and catalogue as JSON;
- `GET /healthz`, `GET /openapi.json` (built from the profile and plan JSON Schemas), `GET /docs`;
- `GET /` and `POST /`: a form for creators, answered with the HTML plan.

Every entry point only parses the request, calls the library (advisor.api, advisor.profile.importers) and formats the
answer; the verdicts are the CLI's. Errors are RFC 9457 `application/problem+json` carrying the CLI's located
messages. Install with `pip install 'creator-advisor[serve]'`; `create_app(ServiceConfig(...))` builds the app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor.service.config import ServiceConfig

if TYPE_CHECKING:
    from starlette.types import ASGIApp

__all__ = ["ServiceConfig", "create_app"]


def create_app(config: ServiceConfig | None = None) -> "ASGIApp":
    """The ASGI application (Starlette) for `config`; loads and checks the rule pack now, so a bad pack fails at
    start, not at the first request."""
    from advisor.service.app import build_app

    return build_app(config or ServiceConfig())
