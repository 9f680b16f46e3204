"""What every route needs from the running server: its services."""

from __future__ import annotations

from fastapi import Request

from interfaces.bootstrap import Services


def services(request: Request) -> Services:
    """The services built once, when the server started (the composition root)."""
    built: Services = request.app.state.services
    return built
