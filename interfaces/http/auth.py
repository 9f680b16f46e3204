"""Who is calling: the principal behind an API token or a browser session.

(Placeholder until the identity work lands: every request is unauthenticated.)
"""

from __future__ import annotations

from fastapi import Request

from application.principals import Principal
from interfaces.http.problems import ApiProblem


def current_principal(request: Request) -> Principal:
    """The signed-in principal, or 401 (with ``WWW-Authenticate``)."""
    raise ApiProblem(401, "Sign in, or send an API token as 'Authorization: Bearer …'.",
                     kind="unauthenticated", headers={"WWW-Authenticate": "Bearer"})
