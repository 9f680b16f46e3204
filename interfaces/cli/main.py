"""``caseledger``: the command line (cli.md).

    caseledger [--database URL] <area> <verb> [REF] [--flag value …] [--on TIME] [--as ACTOR]
               [--reason TEXT] [--json]

``run()`` is the console script. It runs the Typer app without Click's standalone mode so that
every failure ends in one place with the contract's exit codes: 0 done, 1 unexpected, 2 invalid
input (including Click's own usage errors), 3 refused by a rule, 4 not found, 5 conflict (or a
database busy for longer than CASELEDGER_LOCK_TIMEOUT), 6 the database cannot be used.
"""

import sys
from collections.abc import Sequence
from typing import Annotated

import typer

from interfaces.cli import (
    asb,
    audit,
    backup,
    case,
    dardr,
    demo,
    documents,  # noqa: F401 - adds case submit-document and case upload-link
    encampment,
    keys,
    partnership,
    projections,
    queries,
    reminders,
    reports,
    retention,
    rules,
    scheduler,
    serve,
    subject,
    users,
    where,
)
from interfaces.cli.common import (
    EXIT_UNEXPECTED,
    ClickException,
    State,
    UsageError,
    exit_code_for,
    plain_error,
    print_error,
    print_usage_error,
)

app = typer.Typer(
    name="caseledger",
    help="Case management for Community Safety Partnerships: DARDR reviews, deadlines, history.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help: it wraps at the terminal's width and shows no <bool>/<str> type placeholders.
    rich_markup_mode=None,
)


@app.callback()
def main_options(
    ctx: typer.Context,
    database: Annotated[str | None, typer.Option(
        "--database", metavar="URL",
        help="sqlite:///path/file.db or postgresql://user:pass@host:port/db. "
             "Default: $CASELEDGER_DATABASE_URL, else a SQLite file in your data folder "
             "($CASELEDGER_DATA_DIR, else ~/.local/share/caseledger; see `caseledger where`).")] = None,
) -> None:
    """caseledger [--database URL] AREA VERB … [--on TIME] [--as ACTOR] [--reason TEXT] [--json]"""
    state = State(database=database)
    ctx.obj = state
    ctx.call_on_close(state.close)


app.add_typer(dardr.app, name="dardr")
app.add_typer(asb.app, name="asb")
app.add_typer(encampment.app, name="encampment")
app.add_typer(case.app, name="case")
app.add_typer(queries.top)
app.add_typer(partnership.app, name="partnership")
app.add_typer(projections.app, name="projections")
app.add_typer(demo.top)
app.add_typer(reports.app, name="report")
app.add_typer(reminders.app, name="reminders")
app.add_typer(audit.app, name="audit")
app.add_typer(scheduler.top)
app.add_typer(serve.top)
app.add_typer(where.top)
app.add_typer(users.app, name="users")
app.add_typer(keys.app, name="keys")
app.add_typer(backup.top)
app.add_typer(subject.app, name="subject")
app.add_typer(retention.app, name="retention")
app.add_typer(rules.top)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one invocation; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in args
    command = typer.main.get_command(app)
    try:
        result = command.main(args=args, prog_name="caseledger", standalone_mode=False)
    except UsageError as error:
        return print_usage_error(error, as_json)
    except ClickException as error:
        print_error(error, as_json)
        return int(error.exit_code)
    except typer.Abort:
        print("error: aborted", file=sys.stderr)
        return EXIT_UNEXPECTED
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as raised:  # errors outside a command, e.g. closing the services
        shown = plain_error(raised, database_option(args))
        print_error(shown, as_json)
        return exit_code_for(shown)
    return result if isinstance(result, int) else 0


def database_option(args: Sequence[str]) -> str | None:
    """The ``--database`` given before the command, for wording a fault outside a command."""
    for index, arg in enumerate(args):
        if arg.startswith("--database="):
            return arg.split("=", 1)[1]
        if arg == "--database" and index + 1 < len(args):
            return args[index + 1]
    return None


def run() -> None:
    """The console script ``caseledger``."""
    sys.exit(main())


if __name__ == "__main__":
    run()
