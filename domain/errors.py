"""One small exception tree for every refusal the domain can make.

The interfaces map these to exit codes and HTTP statuses (cli.md: 2 invalid input,
3 refused by a rule, 4 not found, 5 conflict). Messages name what was wrong and what
is allowed, and never contain personal data.

An error about one input names it by the command model's field (``date_of_death``), never by
an interface's spelling of it: the CLI renders the field as ``--date-of-death``, the HTTP API
as the JSON pointer ``/date_of_death``. ``field=None`` is an error about the command as a whole.
"""

from __future__ import annotations


class CaseledgerError(Exception):
    """Base of every error the application reports to a user."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(CaseledgerError):
    """Malformed or impossible input: a bad date, an unknown choice, a missing value."""

    code = "invalid-input"


class RuleRefused(CaseledgerError):
    """A statutory or procedural rule refuses the command; nothing was recorded."""

    code = "refused"


class WrongStage(RuleRefused):
    """The command is not allowed in the case's current stage."""

    code = "wrong-stage"

    def __init__(self, command: str, reference: str, stage: str, allowed: list[str]) -> None:
        allowed_text = ", ".join(sorted(allowed)) if allowed else "none (the case is closed)"
        super().__init__(
            f"'{command}' is not allowed while {reference} is at stage '{stage}'. "
            f"Allowed at '{stage}': {allowed_text}."
        )
        self.command = command
        self.stage = stage
        self.allowed = sorted(allowed)


class DateRuleViolated(RuleRefused):
    """An effective time is in the future or earlier than the fact it depends on."""

    code = "date-rule"


class NotFound(CaseledgerError):
    """An unknown case reference, partnership, hub, agency, deadline, return or action."""

    code = "not-found"


class ConcurrentChange(CaseledgerError):
    """Someone else changed the case at the same time and retrying did not settle it."""

    code = "conflict"
