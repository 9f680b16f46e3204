"""What every command of the command line shares (cli.md, "Everywhere").

- ``State``: the global options of one invocation (``--database``) and the services, built once
  (``build(Settings.from_env(...))``) on first use and closed when the invocation ends.
- ``command(app, name)``: the one way a command is registered (by hand for queries, or by
  ``verbs.register`` for the command models). It adds ``--on``, ``--as``, ``--reason`` and
  ``--json``. The function receives an ``Invocation`` first; the wrapper times it, maps errors to
  exit codes (2 invalid input, 3 refused, 4 not found, 5 conflict, 1 anything else), prints them
  (``{"error": {"code", "message", "field"}}`` on stderr with ``--json``, ``error: message``
  otherwise; an error about one field names the option that gave it) and logs one line per
  command without personal data.
- Output helpers: JSON on stdout for machines, plain tables for people.
"""

import csv
import inspect
import io
import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import structlog
import typer

from application.commands import InvalidValue
from application.service import CaseResult, Meta
from domain import times
from domain.errors import (
    CaseledgerError,
    ConcurrentChange,
    InvalidInput,
    NotFound,
    RuleRefused,
)
from infrastructure.settings import Settings

if TYPE_CHECKING:
    from interfaces.bootstrap import Services

try:  # Typer >= 0.20 vendors Click; older releases use Click itself.
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover - depends on the installed Typer
    from click import exceptions as click_exceptions  # type: ignore[no-redef]

ClickException = click_exceptions.ClickException
UsageError = click_exceptions.UsageError
NoArgsIsHelpError = getattr(click_exceptions, "NoArgsIsHelpError", None)

EXIT_OK, EXIT_UNEXPECTED, EXIT_INVALID, EXIT_REFUSED, EXIT_NOT_FOUND, EXIT_CONFLICT = range(6)

REF_HELP = "Case reference (e.g. CUM-DARDR-2026-003) or UUID."
Ref = Annotated[str, typer.Argument(metavar="REF", help=REF_HELP)]
TIME_HELP = ("YYYY-MM-DD or YYYY-MM-DDTHH:MM (Europe/London unless an offset such as +01:00 "
             "is given)")


# --------------------------------------------------------------------------- errors


def exit_code_for(error: BaseException) -> int:
    """cli.md: 2 invalid input, 3 refused by a rule, 4 not found, 5 conflict, 1 anything else."""
    if isinstance(error, InvalidInput):
        return EXIT_INVALID
    if isinstance(error, RuleRefused):
        return EXIT_REFUSED
    if isinstance(error, NotFound):
        return EXIT_NOT_FOUND
    if isinstance(error, ConcurrentChange):
        return EXIT_CONFLICT
    if isinstance(error, ClickException):
        return int(error.exit_code)
    return EXIT_UNEXPECTED


def error_code_for(error: BaseException) -> str:
    if isinstance(error, CaseledgerError):
        return error.code
    if isinstance(error, UsageError):
        return InvalidInput.code
    return "unexpected"


META_FLAGS = {"actor": "--as", "on": "--on", "reason": "--reason", "ref": "REF"}


def flag_of(field: str) -> str:
    """How the command line spells a field it has no particular spelling for."""
    if field.startswith("-"):
        return field
    return META_FLAGS.get(field) or "--" + field.replace("_", "-")


def error_message(error: BaseException, flag_for: Callable[[str], str] = flag_of) -> str:
    """The message for people and machines alike; an error about one field names it as the
    option that gave it (``--due: 'next week' is not a date…``, ``Say why… (--reason).``)."""
    if isinstance(error, CaseledgerError):
        if error.field is None:
            return error.message
        flag = flag_for(error.field)
        if isinstance(error, InvalidValue):
            return f"{flag}: {error.message}"
        if flag in error.message:
            return error.message
        return f"{error.message.rstrip('.')} ({flag})."
    if isinstance(error, ClickException):
        # Typer reports a failed conversion as "Value error, …": keep the useful part.
        return error.format_message().replace("Value error, ", "")
    return f"unexpected error ({type(error).__name__}): {error}"


def print_error(error: BaseException, as_json: bool,
                flag_for: Callable[[str], str] = flag_of) -> None:
    """The error on stderr: JSON for machines, ``error: message`` for people."""
    message = error_message(error, flag_for)
    if as_json:
        payload: dict[str, Any] = {"code": error_code_for(error), "message": message}
        if isinstance(error, CaseledgerError) and error.field is not None:
            payload["field"] = error.field
        print(json.dumps({"error": payload}, ensure_ascii=False), file=sys.stderr)
    else:
        print(f"error: {message}", file=sys.stderr)
    if exit_code_for(error) == EXIT_UNEXPECTED and os.environ.get("CASELEDGER_DEBUG"):
        traceback.print_exception(error, file=sys.stderr)


def print_usage_error(error: Any, as_json: bool) -> int:
    """Click's usage errors (exit 2): the usage line and a hint, then the message."""
    if NoArgsIsHelpError is not None and isinstance(error, NoArgsIsHelpError):
        error.show()
        return int(error.exit_code)
    if as_json:
        print_error(error, True)
        return int(error.exit_code)
    ctx = getattr(error, "ctx", None)
    if ctx is not None:
        print(ctx.get_usage(), file=sys.stderr)
        print(f"Try '{ctx.command_path} --help' for help.", file=sys.stderr)
    print_error(error, False)
    return int(error.exit_code)


# --------------------------------------------------------------------------- logging

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def configure_logging(env: dict[str, str] | None = None) -> None:
    """structlog to stderr; WARNING unless CASELEDGER_LOG_LEVEL says otherwise; JSON on request."""
    env = dict(os.environ) if env is None else env
    level_name = env.get("CASELEDGER_LOG_LEVEL", "WARNING").upper()
    if level_name not in LOG_LEVELS:
        raise InvalidInput(
            f"CASELEDGER_LOG_LEVEL={level_name!r}: use one of {', '.join(LOG_LEVELS)}."
        )
    log_format = env.get("CASELEDGER_LOG_FORMAT", "console")
    if log_format not in ("console", "json"):
        raise InvalidInput(f"CASELEDGER_LOG_FORMAT={log_format!r}: use console or json.")
    renderer: Any
    if log_format == "json":
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level_name)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


log = structlog.get_logger("caseledger.cli")


# --------------------------------------------------------------------------- state


#: How the services are built from the settings; in-process callers (tests, an embedding
#: program) may replace it, e.g. to inject a fixed clock. Default: ``bootstrap.build``.
services_factory: "Callable[[Settings], Services] | None" = None


@dataclass
class State:
    """One invocation: the global options and the services, built once on first use."""

    database: str | None = None
    json: bool = False
    _settings: Settings | None = None
    _services: "Services | None" = None

    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings.from_env(database_url=self.database)
        return self._settings

    def services(self) -> "Services":
        if self._services is None:
            from interfaces.bootstrap import build  # not needed for --help

            self._services = (services_factory or build)(self.settings())
        return self._services

    def close(self) -> None:
        if self._services is not None:
            services, self._services = self._services, None
            services.close()


def state_of(ctx: typer.Context) -> State:
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
        root.call_on_close(root.obj.close)
    return root.obj


# --------------------------------------------------------------------------- invocation


@dataclass
class Invocation:
    """What a command function gets: the services, --on/--as/--reason/--json and output helpers."""

    state: State
    command: str
    on: str | None
    actor_option: str | None
    reason: str | None
    json: bool
    case_id: str | None = None
    extra_log: dict[str, Any] = field(default_factory=dict)
    flags: dict[str, str] = field(default_factory=dict)

    def flag_for(self, name: str) -> str:
        """The option that gave a field of this command."""
        return self.flags.get(name) or flag_of(name)

    @property
    def actor(self) -> str:
        return self.actor_option if self.actor_option is not None else self.state.settings().actor

    @property
    def services(self) -> "Services":
        return self.state.services()

    def meta(self) -> Meta:
        return Meta(actor=self.actor, on=self.on, reason=self.reason)

    def fresh(self) -> "Services":
        """The services with the views brought up to date (read-your-writes)."""
        services = self.services
        services.catch_up()
        return services

    def refresh_views(self) -> None:
        """After a command: the views are brought up to date; a failure here loses nothing."""
        try:
            self.services.catch_up()
        except Exception as error:  # the command is saved; the views catch up next time
            log.warning("views-not-updated", command=self.command, error_type=type(error).__name__)
            print("warning: the command was recorded but the views could not be updated now; "
                  "they will catch up on the next command.", file=sys.stderr)

    # -- results of commands on cases -------------------------------------------------

    def done(self, result: CaseResult, note: str | None = None, *, refresh: bool = True) -> None:
        self.case_id = result.id
        if refresh:
            self.refresh_views()
        summary = f"{result.reference} → {result.stage} (version {result.version})"
        created = (result.detail or {}).get("created")
        if created:
            summary += f"; created {created}"
        if note:
            summary += f"; {note}"
        self.emit(result.to_dict(), summary)

    # -- output ---------------------------------------------------------------------------

    def emit(self, data: Any, human: str | Callable[[], str] | None = None) -> None:
        """JSON on stdout with --json; otherwise the human text (or JSON when there is none)."""
        if self.json or human is None:
            print_json(data)
            return
        text = human() if callable(human) else human
        if text:
            print(text)


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


# --------------------------------------------------------------------------- tables


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], empty: str = "(none)") -> str:
    """A plain fixed-width table for people."""
    cells = [[_cell(v) for v in row] for row in rows]
    if not cells:
        return empty
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
              for row in cells]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "-"
    return str(value)


def csv_text(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()


def day(iso: str | None) -> str | None:
    """The date part of a stored time, for tables."""
    return iso[:10] if iso else None


# --------------------------------------------------------------------------- input


def parse_time(value: str | None, field: str) -> str | None:
    """A date or date-time option, normalised; InvalidInput (exit 2) naming the field."""
    if value is None:
        return None
    try:
        return times.parse_effective(value)
    except InvalidInput as error:
        raise InvalidValue(error.message, field=field) from None


# --------------------------------------------------------------------------- registration

def _common_parameters(query: bool) -> list[inspect.Parameter]:
    """--on, --as, --reason, --json (and the context). Queries accept the first three without
    using them, so they are hidden from a query's help."""
    on = Annotated[str | None, typer.Option(
        "--on", metavar="TIME", hidden=query,
        help=f"When it happened (effective time): {TIME_HELP}. Default: now.")]
    actor = Annotated[str | None, typer.Option(
        "--as", metavar="ACTOR", hidden=query,
        help="Who records it. Default: $CASELEDGER_ACTOR, then the OS user.")]
    reason = Annotated[str | None, typer.Option(
        "--reason", metavar="TEXT", hidden=query, help="Why (kept with the recorded fact).")]
    as_json = Annotated[bool, typer.Option(
        "--json", help="Machine-readable output on stdout; errors as JSON on stderr.")]
    kw = inspect.Parameter.KEYWORD_ONLY
    return [
        inspect.Parameter("cl_ctx", kw, annotation=typer.Context),
        inspect.Parameter("cl_on", kw, default=None, annotation=on),
        inspect.Parameter("cl_as", kw, default=None, annotation=actor),
        inspect.Parameter("cl_reason", kw, default=None, annotation=reason),
        inspect.Parameter("cl_json", kw, default=False, annotation=as_json),
    ]


_KW = inspect.Parameter.KEYWORD_ONLY
COMMON_PARAMETERS = _common_parameters(query=False)
QUERY_PARAMETERS = _common_parameters(query=True)
COMMON_NAMES = tuple(p.name for p in COMMON_PARAMETERS)


def command(app: typer.Typer, name: str, area: str | None = None, *, query: bool = False,
            **settings: Any) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register ``func(inv, **options)`` as ``<area> <name>``, with the common options added
    (``query=True``: a command that changes nothing; --on/--as/--reason are accepted, unlisted)."""

    def decorate(func: Callable[..., None]) -> Callable[..., None]:
        own = list(inspect.signature(func, eval_str=True).parameters.values())[1:]
        full_name = f"{area} {name}" if area else name

        def wrapper(**kwargs: Any) -> None:
            common = {k: kwargs.pop(k) for k in COMMON_NAMES}
            execute(func, full_name, common, kwargs)

        wrapper.__name__ = func.__name__
        wrapper.__qualname__ = func.__qualname__
        wrapper.__doc__ = func.__doc__
        wrapper.__module__ = func.__module__
        wrapper.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [p.replace(kind=_KW) for p in own] + (QUERY_PARAMETERS if query else COMMON_PARAMETERS)
        )
        app.command(name, **settings)(wrapper)
        return func

    return decorate


def execute(func: Callable[..., None], name: str, common: dict[str, Any],
            kwargs: dict[str, Any]) -> None:
    """Run one command: time it, map and print its errors, log one line about it."""
    state = state_of(common["cl_ctx"])
    state.json = state.json or bool(common["cl_json"])
    inv = Invocation(state=state, command=name, on=common["cl_on"], actor_option=common["cl_as"],
                     reason=common["cl_reason"], json=state.json)
    try:
        configure_logging()
    except InvalidInput as error:
        print_error(error, inv.json)
        raise typer.Exit(EXIT_INVALID) from None
    started = time.perf_counter()
    outcome, code = "ok", EXIT_OK
    try:
        func(inv, **kwargs)
    except (typer.Exit, typer.Abort):
        raise
    except BrokenPipeError:  # e.g. `caseledger case history REF --csv | head`
        outcome, code = "broken-pipe", EXIT_UNEXPECTED
        _silence_stdout()
    except Exception as error:
        code = exit_code_for(error)
        outcome = error_code_for(error)
        if code == EXIT_UNEXPECTED:
            inv.extra_log["error_type"] = type(error).__name__
        if isinstance(error, UsageError):
            print_usage_error(error, inv.json)
        else:
            print_error(error, inv.json, inv.flag_for)
    finally:
        _log_command(inv, outcome, code, started)
    if code != EXIT_OK:
        raise typer.Exit(code)


def _silence_stdout() -> None:
    """The reader went away: send the rest of stdout nowhere instead of failing at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _log_command(inv: Invocation, outcome: str, code: int, started: float) -> None:
    """One line per command: command, case id, actor, outcome, duration; no personal data."""
    actor: str | None
    try:
        actor = inv.actor
    except Exception:
        actor = inv.actor_option
    fields: dict[str, Any] = {
        "command": inv.command, "case_id": inv.case_id, "actor": actor, "outcome": outcome,
        "exit_code": code, "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        **inv.extra_log,
    }
    try:
        if code == EXIT_UNEXPECTED:
            log.error("command", **fields)
        else:
            log.info("command", **fields)
    except Exception:  # logging must never change the outcome of a command
        pass
