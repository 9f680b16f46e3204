"""``caseledger users …``: built-in accounts, their roles and scopes, and API tokens.

    caseledger users add USERNAME --name "Pat Example" --email pat@example.org \\
        --grant coordinator:cumberland [--grant …] [--password-stdin | --no-password]
    caseledger users list | disable | enable | reset | grant | revoke | changes
    caseledger users token create USERNAME --label "nightly export" [--expires-in-days 90]
    caseledger users token list [USERNAME] | revoke TOKEN_ID

A grant is a role within its scope: ``coordinator:PARTNERSHIP``, ``auditor:PARTNERSHIP``,
``hub-officer:PARTNERSHIP/HUB``, ``agency-contact:AGENCY``, ``board-member:PARTNERSHIP`` or
``board-member:county=COUNTY``, ``administrator``; what it names must be in the set-up (exit 4
if not). Secrets (a generated password, the TOTP secret and its ``otpauth://`` link, a token) are
printed once, by the command that makes them, and never again: nothing can show them later.
Accounts are disabled, never deleted: the facts they recorded keep their name.
"""

import getpass
import sys
from typing import Annotated, Any

import pyotp
import typer

from application.identity import (
    Account,
    AccountChange,
    AccountService,
    AddedAccount,
    ApiToken,
    format_grant,
    generate_password,
    parse_grant,
)
from application.principals import Grant
from domain.errors import InvalidInput
from infrastructure.accounts import SqlAccountStore
from interfaces.cli.common import Invocation, command, table

app = typer.Typer(help="Accounts: add, list, disable, reset; roles and scopes; API tokens.",
                  no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for systems: create (shown once), list, revoke.",
                         no_args_is_help=True)
app.add_typer(tokens_app, name="token")

GRANT_HELP = ("A role in its scope (repeatable): coordinator:PARTNERSHIP, auditor:PARTNERSHIP, "
              "hub-officer:PARTNERSHIP/HUB, agency-contact:AGENCY, board-member:PARTNERSHIP, "
              "board-member:county=COUNTY, administrator.")
Username = Annotated[str, typer.Argument(metavar="USERNAME", help="The account's username.")]
Grants = Annotated[list[str] | None, typer.Option("--grant", metavar="ROLE:SCOPE", help=GRANT_HELP)]
PasswordStdin = Annotated[bool, typer.Option(
    "--password-stdin", help="Read the password from the first line of standard input instead of "
                             "generating one (at least 12 characters).")]


# How this command line spells the fields an error can name.
FLAGS = {"username": "USERNAME", "display_name": "--name", "password": "--password-stdin",
         "token_id": "TOKEN_ID"}


def _accounts(inv: Invocation) -> AccountService:
    inv.flags.update(FLAGS)
    services = inv.services
    return AccountService(SqlAccountStore(services.engine), services.clock)


def _grants(inv: Invocation, service: AccountService, given: list[str] | None) -> list[Grant]:
    grants = [parse_grant(text) for text in given or []]
    inv.fresh()  # the set-up as the views know it, up to date
    service.check_setup(grants)
    return grants


def _password(from_stdin: bool) -> tuple[str, bool]:
    """The password, and whether it was generated (and so is to be shown)."""
    if not from_stdin:
        return generate_password(), True
    try:  # on a terminal, ask without echoing it
        typed = getpass.getpass("Password: ") if sys.stdin.isatty() else sys.stdin.readline()
    except (OSError, EOFError, ValueError, AttributeError):  # no usable standard input
        typed = ""
    line = typed.rstrip("\r\n")
    if not line:
        raise InvalidInput("No password on standard input (--password-stdin reads its first line).",
                           field="password")
    return line, False


def _account(account: Account) -> dict[str, Any]:
    return {"account_id": account.account_id, "username": account.username,
            "display_name": account.display_name, "email": account.email,
            "grants": [format_grant(g) for g in account.grants],
            "sso_grants": [format_grant(g) for g in account.sso_grants],
            "password": account.password_hash is not None, "second_factor": account.totp_secret is not None,
            "disabled": account.disabled,
            "locked_until": account.locked_until.isoformat() if account.locked_until else None,
            "created": account.created.isoformat()}


def _secrets(added: AddedAccount, password: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {"account_id": added.account_id, "username": added.username}
    if password is not None:
        data["password"] = password
    if added.totp_secret:
        data["totp_secret"] = added.totp_secret
        data["totp_uri"] = added.totp_uri
    return data


def _secrets_text(data: dict[str, Any], done: str) -> str:
    lines = [done]
    if "password" in data:
        lines.append(f"  password:     {data['password']}")
    if "totp_secret" in data:
        lines += [f"  TOTP secret:  {data['totp_secret']}",
                  f"  TOTP link:    {data['totp_uri']}",
                  "Give these to the person by a safe route: they are shown only now. They add the "
                  "secret (or the link, as a QR code) to an authenticator app."]
    return "\n".join(lines)


@command(app, "add", "users")
def add(
    inv: Invocation,
    username: Username,
    name: Annotated[str, typer.Option("--name", metavar="TEXT", help="The person's or system's name.")],
    email: Annotated[str | None, typer.Option("--email", metavar="ADDRESS", help="Email address.")] = None,
    grant: Grants = None,
    password_stdin: PasswordStdin = False,
    no_password: Annotated[bool, typer.Option(
        "--no-password", help="No password: the account signs in only by single sign-on, or is a "
                              "system using API tokens.")] = False,
) -> None:
    """Add an account; prints its password (unless read from stdin) and TOTP secret, once."""
    if password_stdin and no_password:
        raise InvalidInput("Give --password-stdin or --no-password, not both.", field="password")
    service = _accounts(inv)
    grants = _grants(inv, service, grant)
    password, generated = (None, False) if no_password else _password(password_stdin)
    added = service.add(username, display_name=name, email=email, grants=grants, password=password,
                        by=inv.actor)
    data = _secrets(added, password if generated else None)
    inv.emit(data, lambda: _secrets_text(data, f"Account {added.username} added."))


@command(app, "list", "users", query=True)
def list_accounts(inv: Invocation) -> None:
    """List the accounts with their roles (no secrets)."""
    rows = [_account(a) for a in _accounts(inv).accounts()]
    inv.emit(rows, lambda: table(
        ("username", "name", "roles", "sign-in", "status"),
        [(r["username"], r["display_name"], r["grants"] + r["sso_grants"],
          "password + code" if r["password"] else "single sign-on or token",
          "disabled" if r["disabled"] else "locked" if r["locked_until"] else "active") for r in rows],
        empty="No accounts yet: caseledger users add USERNAME --name … --grant …"))


@command(app, "disable", "users")
def disable(inv: Invocation, username: Username) -> None:
    """Disable an account (never deleted): its sessions end and its tokens stop working."""
    account = _accounts(inv).disable(username, by=inv.actor)
    inv.emit(_account(account), f"Account {account.username} disabled.")


@command(app, "enable", "users")
def enable(inv: Invocation, username: Username) -> None:
    """Enable a disabled account again."""
    account = _accounts(inv).enable(username, by=inv.actor)
    inv.emit(_account(account), f"Account {account.username} enabled.")


@command(app, "code", "users")
def current_code(inv: Invocation, username: Username) -> None:
    """The one-time code the account's authenticator app shows now, for trying the web
    application on this machine (the demo's accounts) without setting up an app. Recorded as
    a change of the account; whoever can run it could reset the account anyway."""
    service = _accounts(inv)
    account = service.get(username)
    if account.totp_secret is None:
        raise InvalidInput(f"{account.username} has no second factor (single sign-on or tokens only).",
                           field="username")
    now = inv.services.clock.now()
    service.store.record_change(AccountChange(now, inv.actor, account.username,
                                              "one-time code shown at the command line"))
    code = pyotp.TOTP(account.totp_secret).at(now)
    inv.emit({"username": account.username, "code": code},
             f"{code}  (the code for {account.username} now; a code works once, for about 30 seconds)")


@command(app, "reset", "users")
def reset(inv: Invocation, username: Username, password_stdin: PasswordStdin = False) -> None:
    """A new password and TOTP secret (printed once); sessions end and any lock-out clears."""
    password, generated = _password(password_stdin)
    added = _accounts(inv).reset(username, password=password, by=inv.actor)
    data = _secrets(added, password if generated else None)
    inv.emit(data, lambda: _secrets_text(data, f"Account {added.username} reset."))


@command(app, "grant", "users")
def grant_roles(inv: Invocation, username: Username, grant: Grants = None) -> None:
    """Give an account roles (--grant, repeatable)."""
    service = _accounts(inv)
    grants = _grants(inv, service, grant)
    if not grants:
        raise InvalidInput("Name at least one --grant.", field="grant")
    account = service.grant(username, grants, by=inv.actor)
    inv.emit(_account(account), f"{account.username}: {', '.join(format_grant(g) for g in account.grants)}.")


@command(app, "revoke", "users")
def revoke_roles(inv: Invocation, username: Username, grant: Grants = None) -> None:
    """Take roles away from an account (--grant, repeatable)."""
    grants = [parse_grant(text) for text in grant or []]
    if not grants:
        raise InvalidInput("Name at least one --grant.", field="grant")
    account = _accounts(inv).revoke(username, grants, by=inv.actor)
    held = ", ".join(format_grant(g) for g in account.grants) or "no roles"
    inv.emit(_account(account), f"{account.username}: {held}.")


@command(app, "changes", "users", query=True)
def changes(inv: Invocation, username: Annotated[str | None, typer.Argument(
        metavar="[USERNAME]", help="Only this account's changes.", show_default=False)] = None) -> None:
    """Who changed which account, how and when."""
    rows = [{"at": c.at.isoformat(), "by": c.by, "username": c.username, "change": c.change}
            for c in _accounts(inv).changes(username)]
    inv.emit(rows, lambda: table(("at", "by", "username", "change"),
                                 [(r["at"][:19], r["by"], r["username"], r["change"]) for r in rows]))


# --------------------------------------------------------------------------- tokens


def _token(token: ApiToken, service: AccountService) -> dict[str, Any]:
    return {"token_id": token.token_id, "username": token.username, "label": token.label,
            "created": token.created.isoformat(), "expires": token.expires.isoformat(),
            "revoked": token.revoked.isoformat() if token.revoked else None,
            "status": token.status(service.clock.now())}


@command(tokens_app, "create", "users token")
def create_token(
    inv: Invocation,
    username: Username,
    label: Annotated[str, typer.Option("--label", metavar="TEXT", help="What the token is for.")],
    expires_in_days: Annotated[int, typer.Option(
        "--expires-in-days", metavar="DAYS", help="1 to 366.")] = 90,
) -> None:
    """Create an API token for an account: printed once, stored only as a hash."""
    service = _accounts(inv)
    raw = service.create_token(username, label=label, expires_in_days=expires_in_days, by=inv.actor)
    made = max(service.tokens(username), key=lambda t: t.created)
    data = {**_token(made, service), "token": raw}
    inv.emit(data, lambda: "\n".join([
        f"API token {made.token_id} for {made.username}, expiring {made.expires.date()}:",
        f"  {raw}",
        "It is shown only now: keep it in the system's secret store. Send it as "
        "'Authorization: Bearer <token>'."]))


@command(tokens_app, "list", "users token", query=True)
def list_tokens(inv: Invocation, username: Annotated[str | None, typer.Argument(
        metavar="[USERNAME]", help="Only this account's tokens.", show_default=False)] = None) -> None:
    """List API tokens (ids, labels, expiry, status; never the tokens themselves)."""
    service = _accounts(inv)
    rows = [_token(t, service) for t in service.tokens(username)]
    inv.emit(rows, lambda: table(("token_id", "username", "label", "expires", "status"),
                                 [(r["token_id"], r["username"], r["label"], r["expires"][:10], r["status"])
                                  for r in rows], empty="No API tokens."))


@command(tokens_app, "revoke", "users token")
def revoke_token(inv: Invocation, token_id: Annotated[str, typer.Argument(
        metavar="TOKEN_ID", help="The token's id (caseledger users token list).")]) -> None:
    """Revoke an API token: it stops working at once."""
    service = _accounts(inv)
    revoked = service.revoke_token(token_id, by=inv.actor)
    inv.emit(_token(revoked, service), f"API token {revoked.token_id} of {revoked.username} revoked.")
