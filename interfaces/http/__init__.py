"""The HTTP interface (``caseledger serve``): the JSON API under ``/api/v1`` on the same typed
commands and application service as the command line."""
