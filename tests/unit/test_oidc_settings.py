"""Single sign-on settings (CASELEDGER_OIDC_*) and the signed sign-in flow cookie, without a
provider: what is accepted, and the plain message for each thing refused."""

from __future__ import annotations

import json

import pytest

from application.principals import Grant, Role
from domain.errors import InvalidInput
from infrastructure.oidc import FLOW_SECONDS, OidcFailure, OidcSettings, SignInFlow

SECRET = "Zq3-very-random-client-secret-value"
BASE = {"CASELEDGER_OIDC_ISSUER": "https://login.microsoftonline.com/tenant-id/v2.0",
        "CASELEDGER_OIDC_CLIENT_ID": "0b1c2d3e-caseledger", "CASELEDGER_OIDC_CLIENT_SECRET": SECRET}


def refused(env: dict[str, str]) -> str:
    with pytest.raises(InvalidInput) as error:
        OidcSettings.from_env(env)
    return error.value.message


def test_not_configured_without_an_issuer() -> None:
    """Given no single sign-on settings, then there is no single sign-on; given some of them but
    no issuer, then the settings are refused, naming the variable that is set."""
    assert OidcSettings.from_env({"CASELEDGER_DATABASE_URL": "sqlite:///x.db"}) is None
    assert OidcSettings.from_env({"CASELEDGER_OIDC_ISSUER": ""}) is None
    assert "CASELEDGER_OIDC_CLIENT_ID is set but CASELEDGER_OIDC_ISSUER is not" in refused(
        {"CASELEDGER_OIDC_CLIENT_ID": "caseledger"})


def test_a_full_configuration_is_read() -> None:
    """Given every setting, then each is read as written: grants in the users command's
    notation, provisioning and trusted email as 1/0, the scopes normalised."""
    settings = OidcSettings.from_env({
        **BASE, "CASELEDGER_OIDC_REDIRECT_URL": "https://caseledger.cumberland.gov.uk/auth/oidc/callback",
        "CASELEDGER_OIDC_GROUPS_CLAIM": "roles", "CASELEDGER_OIDC_PROVISION": "1",
        "CASELEDGER_OIDC_TRUST_EMAIL": "1", "CASELEDGER_OIDC_SCOPES": " openid  email groups ",
        "CASELEDGER_OIDC_ROLE_MAP": json.dumps({
            "csp": ["coordinator:cumberland", "auditor:cumberland"],
            "hub": ["hub-officer:cumberland/allerdale"], "police": ["agency-contact:cumbria-police"],
            "board": ["board-member:county=cumbria"], "it": ["administrator"]}),
    })
    assert settings is not None
    assert settings.redirect_url == "https://caseledger.cumberland.gov.uk/auth/oidc/callback"
    assert (settings.groups_claim, settings.provision, settings.trust_email, settings.scopes) == (
        "roles", True, True, "openid email groups")
    assert settings.role_map == {
        "csp": (Grant(Role.COORDINATOR, partnership="cumberland"), Grant(Role.AUDITOR, partnership="cumberland")),
        "hub": (Grant(Role.HUB_OFFICER, partnership="cumberland", hub="allerdale"),),
        "police": (Grant(Role.AGENCY_CONTACT, agency="cumbria-police"),),
        "board": (Grant(Role.BOARD_MEMBER, county="cumbria"),),
        "it": (Grant(Role.ADMINISTRATOR),),
    }
    assert SECRET not in repr(settings)
    defaults = OidcSettings.from_env(BASE)
    assert defaults is not None
    assert (defaults.redirect_url, defaults.groups_claim, defaults.provision, defaults.trust_email,
            defaults.scopes, dict(defaults.role_map)) == (None, "groups", False, False, "openid email profile", {})


@pytest.mark.parametrize(("changes", "says"), [
    ({"CASELEDGER_OIDC_ISSUER": "http://login.example.com"}, "must be an https URL"),
    ({"CASELEDGER_OIDC_ISSUER": "https://login.example.com/?tenant=x"}, "no query"),
    ({"CASELEDGER_OIDC_ISSUER": "https://user:pw@login.example.com"}, "credentials"),
    ({"CASELEDGER_OIDC_CLIENT_ID": ""}, "CASELEDGER_OIDC_CLIENT_ID must be the client id"),
    ({"CASELEDGER_OIDC_CLIENT_ID": "case ledger"}, "no spaces"),
    ({"CASELEDGER_OIDC_CLIENT_SECRET": ""}, "CASELEDGER_OIDC_CLIENT_SECRET is not set"),
    ({"CASELEDGER_OIDC_CLIENT_SECRET": "changeme"}, "is a placeholder"),
    ({"CASELEDGER_OIDC_CLIENT_SECRET": "xxxxxxxxxxxxxxxxxxxxxxxx"}, "is a placeholder"),
    ({"CASELEDGER_OIDC_CLIENT_SECRET": "sh0rt-s3cret"}, "too short"),
    ({"CASELEDGER_OIDC_REDIRECT_URL": "http://caseledger.example/cb"}, "CASELEDGER_OIDC_REDIRECT_URL must be"),
    ({"CASELEDGER_OIDC_GROUPS_CLAIM": "my groups"}, "is not a claim name"),
    ({"CASELEDGER_OIDC_SCOPES": "email profile"}, "including openid"),
    ({"CASELEDGER_OIDC_PROVISION": "yes"}, "CASELEDGER_OIDC_PROVISION='yes': use 1 (yes) or 0 (no)"),
    ({"CASELEDGER_OIDC_TRUST_EMAIL": "true"}, "use 1 (yes) or 0 (no)"),
    ({"CASELEDGER_OIDC_ROLE_MAP": "{csp: coordinator}"}, "is not JSON"),
    ({"CASELEDGER_OIDC_ROLE_MAP": "[]"}, "must be a JSON object"),
    ({"CASELEDGER_OIDC_ROLE_MAP": '{"csp": "coordinator:cumberland"}'}, "must map to a list of grants"),
    ({"CASELEDGER_OIDC_ROLE_MAP": '{"csp": ["chief:cumberland"]}'}, "group 'csp': 'chief' is not a role"),
    ({"CASELEDGER_OIDC_ROLE_MAP": '{"csp": ["hub-officer:cumberland"]}'}, "hub-officer:PARTNERSHIP/HUB"),
    ({"CASELEDGER_OIDC_ROLE_MAP": '{"csp": ["administrator:cumberland"]}'}, "administrator (no scope)"),
])
def test_bad_values_are_refused_plainly_without_repeating_the_secret(changes: dict[str, str], says: str) -> None:
    """Given one bad setting, then the settings are refused with a message naming it and what
    to write instead, and never the client secret."""
    message = refused({**BASE, **changes})
    assert says in message
    assert (changes.get("CASELEDGER_OIDC_CLIENT_SECRET") or SECRET) not in message


def test_http_is_accepted_on_the_loopback_address_only() -> None:
    """Given an http issuer on this machine's loopback address (a test provider), then it is
    accepted; anywhere else it is refused (see above)."""
    for issuer in ("http://127.0.0.1:5123", "http://localhost:8080/realms/csp"):
        assert OidcSettings.from_env({**BASE, "CASELEDGER_OIDC_ISSUER": issuer}) is not None


def test_the_flow_cookie_comes_back_only_as_sealed_and_in_time() -> None:
    """Given a sealed sign-in flow, then it unseals to itself until it expires; a changed
    payload or signature, another key, no cookie or an expired one is refused, and a state
    other than its own is refused."""
    key, other_key = b"k" * 32, b"o" * 32
    flow = SignInFlow.start("https://caseledger.example/auth/oidc/callback", "/cases", now=1_000_000)
    sealed = flow.seal(key)
    assert SignInFlow.unseal(sealed, key, now=1_000_000 + FLOW_SECONDS) == flow
    assert flow.expires == 1_000_000 + FLOW_SECONDS
    payload, signature = sealed.split(".")
    for bad in (None, "", f"{payload}x.{signature}", f"{payload}.{signature[:-2]}", "é.é"):
        with pytest.raises(OidcFailure, match="start again"):
            SignInFlow.unseal(bad, key, now=1_000_000)
    with pytest.raises(OidcFailure, match="start again"):
        SignInFlow.unseal(sealed, other_key, now=1_000_000)
    with pytest.raises(OidcFailure, match="took too long"):
        SignInFlow.unseal(sealed, key, now=1_000_001 + FLOW_SECONDS)
    flow.check_state(flow.state)
    for state in (None, "", flow.state + "x", "ß"):
        with pytest.raises(OidcFailure, match="start again"):
            flow.check_state(state)
    assert len({flow.state, flow.nonce, flow.verifier}) == 3 and len(flow.verifier) >= 43
    assert flow.challenge != flow.verifier and "=" not in flow.challenge
