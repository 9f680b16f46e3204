"""The home page: what the signed-in person has to do today, by role."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from interfaces.web.render import render
from interfaces.web.session import SignedIn

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, who: SignedIn) -> HTMLResponse:
    return render(request, "home.html", title="Home", viewer=who)
