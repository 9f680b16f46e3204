"""The accessibility statement: public (no sign-in), as the Public Sector Bodies Accessibility
Regulations 2018 expect of a service a council runs."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from interfaces.web.render import render
from interfaces.web.session import signed_in_viewer

router = APIRouter(include_in_schema=False)


@router.get("/accessibility")
def accessibility_statement(request: Request) -> HTMLResponse:
    return render(request, "accessibility.html", title="Accessibility statement",
                  viewer=signed_in_viewer(request))
