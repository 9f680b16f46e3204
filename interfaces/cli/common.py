"""What every command of the command line shares (cli.md, "Everywhere").

- ``State``: the global options of one invocation (``--database``) and the services, built once
  (``build(Settings.from_env(...))``) on first use and closed when the invocation ends.
- ``command(app, name)``: the one way a command is registered (by hand for queries, or by
  ``verbs.register`` for the command models). It adds ``--on``, ``--as``, ``--reason`` and
  ``--json``. The function receives an ``Invocation`` first; the wrapper times it, maps errors to
  exit codes (2 invalid input, 3 refused, 4 not found, 5 conflict or a busy database, 6 a
  database that cannot be used, 1 anything else), prints them (``{"error": {"code", "message",
  "field"}}`` on stderr with ``--json``, ``error: message`` otherwise; an error about one field
  names the option that gave it) and logs one line per command without personal data.
- Storage faults are worded by ``infrastructure.faults`` (never the database's own text, which
  can quote SQL and its parameters); an unexpected error is named by its type and where it was
  raised, never by its text (which can quote input).
- Output helpers: JSON on stdout for machines, plain tables for people. Text for people never
  carries raw control characters: stored text could otherwise move the cursor, rewrite the
  screen or reverse the reading order (``printable``).
"""

import csv
import inspect
import io
import json
import logging
import os
import re
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO, cast

import structlog
import typer

from application.commands import InvalidValue
from application.queries import parse_time as parse_time  # the commands take it from here
from application.service import CaseResult, Meta
from domain.errors import (
    CaseledgerError,
    ConcurrentChange,
    InvalidInput,
    NotFound,
    RuleRefused,
)
from infrastructure.faults import DatabaseUnavailable, storage_fault
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

(EXIT_OK, EXIT_UNEXPECTED, EXIT_INVALID, EXIT_REFUSED, EXIT_NOT_FOUND, EXIT_CONFLICT,
 EXIT_UNAVAILABLE) = range(7)

REF_HELP = "Case reference (e.g. CUM-DARDR-2026-003) or UUID."
Ref = Annotated[str, typer.Argument(metavar="REF", help=REF_HELP)]
TIME_HELP = ("YYYY-MM-DD or YYYY-MM-DDTHH:MM (Europe/London unless an offset such as +01:00 "
             "is given)")


# --------------------------------------------------------------------------- errors


def exit_code_for(error: BaseException) -> int:
    """cli.md: 2 invalid input, 3 refused by a rule, 4 not found, 5 conflict (a busy database
    included), 6 the database cannot be used, 1 anything else. 6 is not 1 because nothing is
    wrong with caseledger or the command: a script may wait and retry, or alert whoever runs the
    database, where 1 asks for a bug report."""
    if isinstance(error, DatabaseUnavailable):
        return EXIT_UNAVAILABLE
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
        message = error.format_message()
        if message.startswith("Got unexpected extra argument"):
            # Most often an unquoted name or description: say so without repeating it.
            return ("Got unexpected extra words after the options; put a value with spaces in "
                    "quotes (--text \"like this\").")
        # Typer reports a failed conversion as "Value error, …": keep the useful part.
        return message.replace("Value error, ", "")
    return (f"unexpected error ({type(error).__name__}{raised_at(error)}); please report it "
            f"(CASELEDGER_DEBUG=1 prints the details).")


PACKAGES = ("domain", "application", "infrastructure", "interfaces")


def raised_at(error: BaseException) -> str:
    """`` in package/module.py line N``: the innermost frame of caseledger's own code. The
    error's text is left out on purpose: it can quote what was typed or stored."""
    where = ""
    for frame, line in traceback.walk_tb(error.__traceback__):
        parts = Path(frame.f_code.co_filename).parts
        for index, part in enumerate(parts):
            if part in PACKAGES:
                where = f" in {'/'.join(parts[index:])} line {line}"
                break
    return where


def plain_error(error: BaseException, database_url: str | None = None) -> BaseException:
    """A storage fault in plain words (``infrastructure.faults``), the original kept as its
    cause for CASELEDGER_DEBUG; any other error as it is."""
    try:
        settings = Settings.from_env(database_url=database_url)
    except Exception:  # the settings are what failed: nothing to word
        return error
    fault = storage_fault(error, settings.database_url, settings.lock_timeout)
    if fault is None:
        return error
    fault.__cause__ = error
    return fault


def print_error(error: BaseException, as_json: bool,
                flag_for: Callable[[str], str] = flag_of) -> None:
    """The error on stderr: JSON for machines, ``error: message`` for people."""
    message = error_message(error, flag_for)
    if as_json:
        payload: dict[str, Any] = {"code": error_code_for(error), "message": message}
        if isinstance(error, CaseledgerError) and error.field is not None:
            payload["field"] = error.field
        print(json_text({"error": payload}), file=sys.stderr)
    else:
        print(f"error: {printable(message, newlines=True)}", file=sys.stderr)
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


class _CurrentStderr:
    """Whatever ``sys.stderr`` is when a line is written, not when logging was configured: a
    server started from a program that swaps its streams (a test's capture, a notebook) must not
    write to one that has since been closed."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


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
        logger_factory=structlog.PrintLoggerFactory(file=cast(TextIO, _CurrentStderr())),
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
            keys = self._services.keys
            # People are told (stderr); a program reading --json output gets only its JSON.
            if keys is not None and keys.loaded.created is not None and not self.json:
                print(f"A new master key was made for this database's personal data: "
                      f"{keys.loaded.created} (readable only by you). Keep a copy of it somewhere "
                      "safe and apart from the database's backups: without it the personal data "
                      "cannot be read (docs/data-protection.md).", file=sys.stderr)
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
        """Who the facts this command records are by. The command line runs on the server as a
        local operator: a name given (``--as``, ``$CASELEDGER_ACTOR``) is recorded with the OS
        user who gave it, so that it is never a way to be someone else."""
        settings = self.state.settings()
        named = self.actor_option if self.actor_option is not None else settings.actor
        if named == settings.os_user:
            return named
        return f"{named} (local operator {settings.os_user})"

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
            print(printable(text, newlines=True))


def print_json(data: Any) -> None:
    print(json_text(data, indent=2))


# --------------------------------------------------------------------------- terminal safety

# C0 and C1 controls, DEL, the bidirectional marks, embeddings, overrides and isolates, and the
# line and paragraph separators: what can move the cursor, rewrite or hide what is shown, or make
# text read in another order than it was stored (Trojan Source, CVE-2021-42574).
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                    "\u2066-\u2069]")
UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                            "\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, newlines: bool = False) -> str:
    """``text`` with every control character shown as an escape (ESC as ``\\x1b``, a
    right-to-left override as ``\\u202e``); ``newlines=True`` keeps line breaks and tabs, for
    text shown on several lines."""
    if newlines:
        return UNSAFE.sub(lambda m: m.group() if m.group() in "\n\t" else _escaped(m), text)
    return UNSAFE.sub(_escaped, text)


def json_text(data: Any, indent: int | None = None) -> str:
    """JSON that is safe on a terminal and decodes to the same values: json.dumps escapes the C0
    controls but not C1, DEL, the bidirectional controls or U+2028/U+2029, which can only occur
    inside strings, where ``\\uXXXX`` is their exact equivalent."""
    text = json.dumps(data, indent=indent, ensure_ascii=False, default=str)
    return UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


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
    """One line per row: a line break or tab in stored text is shown escaped."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return printable(", ".join(str(v) for v in value)) or "-"
    return printable(str(value))


def csv_text(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV for a spreadsheet or a terminal: control characters in stored text are escaped as in
    tables (line breaks and tabs stay, quoted); ``--json`` gives the text exactly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else printable(v, newlines=True) if isinstance(v, str)
                         else v for v in row])
    return out.getvalue()


def day(iso: str | None) -> str | None:
    """The date part of a stored time, for tables."""
    return iso[:10] if iso else None


# --------------------------------------------------------------------------- input


# --------------------------------------------------------------------------- registration

def _common_parameters(query: bool) -> list[inspect.Parameter]:
    """--on, --as, --reason, --json (and the context). Queries accept the first three without
    using them, so they are hidden from a query's help."""
    on = Annotated[str | None, typer.Option(
        "--on", metavar="TIME", hidden=query,
        help=f"When it happened (effective time): {TIME_HELP}. Default: now.")]
    actor = Annotated[str | None, typer.Option(
        "--as", metavar="ACTOR", hidden=query,
        help="Who records it (up to 200 characters, one line). Default: $CASELEDGER_ACTOR, "
             "then the OS user.")]
    reason = Annotated[str | None, typer.Option(
        "--reason", metavar="TEXT", hidden=query,
        help="Why (kept with the recorded fact; up to 2,000 characters).")]
    as_json = Annotated[bool, typer.Option(
        "--json", metavar="", help="Machine-readable output on stdout; errors as JSON on stderr.")]
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
    except Exception as raised:
        shown = plain_error(raised, inv.state.database)
        code = exit_code_for(shown)
        outcome = error_code_for(shown)
        if code == EXIT_UNEXPECTED:
            inv.extra_log["error_type"] = type(shown).__name__
        if isinstance(shown, UsageError):
            print_usage_error(shown, inv.json)
        else:
            print_error(shown, inv.json, inv.flag_for)
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
