"""``/healthz``: the process is up. ``/readyz``: the database answers, its schema is current and
the read models are no more than ``CASELEDGER_READY_MAX_LAG`` events behind the log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from infrastructure import migrate
from interfaces.bootstrap import Services
from interfaces.http.deps import services

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Ready to serve: database, schema and read models",
            responses={503: {"description": "Not ready"}})
def readyz(built: Annotated[Services, Depends(services)]) -> JSONResponse:
    checks: dict[str, Any] = {}
    ready = True
    try:
        revision = migrate.current_revision(built.engine)
        checks["schema"] = {"revision": revision, "current": revision == migrate.HEAD}
        ready = ready and revision == migrate.HEAD
        lag = built.projections.lag()
        allowed = built.settings.ready_max_lag
        checks["read_models"] = {"behind": lag, "allowed": allowed}
        ready = ready and lag <= allowed
        checks["database"] = "reachable"
    except Exception:  # noqa: BLE001 - any failure to reach the database means not ready
        checks["database"] = "unreachable"
        ready = False
    return JSONResponse({"status": "ready" if ready else "not-ready", "checks": checks},
                        status_code=200 if ready else 503)
