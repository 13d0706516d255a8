"""Connecting a Google account: the office's client file checked with clear messages, the refresh token kept
in the keyring only, revocation on disconnect (the consent page itself needs a browser and a Google account,
so the flow is replaced by one returning credentials as Google's would)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from google.oauth2.credentials import Credentials
from google_auth_oauthlib.flow import InstalledAppFlow
from googleapiclient.http import HttpMockSequence
from oauthlib.oauth2.rfc6749.errors import AccessDeniedError, InvalidClientError

from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.errors import UserError
from fidus_desktop.integrations.google.oauth import (
    GoogleConnector,
    StoredToken,
    browser_flow,
    client_config,
    token_name,
)
from fidus_desktop.integrations.google.port import SCOPES, GoogleNotConfigured, GoogleNotConnected

CLIENT = {"installed": {"client_id": "123.apps.googleusercontent.com", "client_secret": "office-secret",
                        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                        "token_uri": "https://oauth2.googleapis.com/token", "redirect_uris": ["http://localhost"]}}


@pytest.fixture
def client_file(tmp_path: Path) -> str:
    path = tmp_path / "client.json"
    path.write_text(json.dumps(CLIENT))
    return str(path)


def granting(scopes: tuple[str, ...] = SCOPES) -> Any:
    def flow(config: dict[str, Any], asked: tuple[str, ...]) -> Credentials:
        assert asked == SCOPES
        assert config == CLIENT
        return Credentials("access", refresh_token="refresh-1", token_uri=config["installed"]["token_uri"],
                           client_id="id", client_secret="s", scopes=list(scopes))
    return flow


def test_not_configured_says_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(GoogleNotConfigured, match=r"google\.oauth_client_file"):
        client_config("")
    with pytest.raises(GoogleNotConfigured, match="cannot be read"):
        client_config(str(tmp_path / "missing.json"))
    web = tmp_path / "web.json"
    web.write_text(json.dumps({"web": CLIENT["installed"]}))
    with pytest.raises(GoogleNotConfigured, match="'web' client, not a \"Desktop app\""):
        client_config(str(web))
    assert GoogleConnector("", SecretStore()).problem() is not None


def test_connect_keeps_the_refresh_token_in_the_keyring(client_file: str, secrets: SecretStore) -> None:
    http = HttpMockSequence([({"status": "200"}, json.dumps({"emailAddress": "maria@office.example",
                                                             "historyId": "1"}))])
    connector = GoogleConnector(client_file, secrets, flow=granting(), http=lambda: http)
    token = connector.connect("maria")
    assert token == StoredToken("refresh-1", SCOPES, "maria@office.example")
    assert json.loads(secrets.get(token_name("maria")))["refresh_token"] == "refresh-1"
    assert connector.stored("maria") == token
    assert token.missing_scopes() == []
    credentials = connector.credentials("maria")
    assert credentials.refresh_token == "refresh-1"
    assert credentials.client_secret == "office-secret"


def test_scopes_the_user_unticked_are_named(client_file: str, secrets: SecretStore) -> None:
    http = HttpMockSequence([({"status": "200"}, json.dumps({"emailAddress": "m@o.example"}))])
    token = GoogleConnector(client_file, secrets, flow=granting(SCOPES[:2]), http=lambda: http).connect("maria")
    assert token.missing_scopes() == ["schedule meetings", "keep documents in Drive folders"]


def test_not_connected_names_the_fix(client_file: str, secrets: SecretStore) -> None:
    with pytest.raises(GoogleNotConnected, match="fidus google connect"):
        GoogleConnector(client_file, secrets).workspace("lena")


def test_disconnect_revokes_and_forgets(client_file: str, secrets: SecretStore) -> None:
    secrets.set(token_name("maria"), StoredToken("refresh-1", SCOPES, "m@o.example").to_json())
    http = HttpMockSequence([({"status": "200"}, "")])
    assert GoogleConnector(client_file, secrets, http=lambda: http).disconnect("maria") is True
    uri, method, body, _ = http.request_sequence[0]
    assert (uri, method) == ("https://oauth2.googleapis.com/revoke", "POST")
    assert parse_qs(body) == {"token": ["refresh-1"]}
    assert secrets.get(token_name("maria")) is None


def test_disconnect_offline_still_forgets(client_file: str, secrets: SecretStore) -> None:
    class Offline:
        def request(self, *args: Any, **kwargs: Any) -> Any:
            raise OSError("network unreachable")

    secrets.set(token_name("maria"), StoredToken("r", SCOPES, "").to_json())
    assert GoogleConnector(client_file, secrets, http=lambda: Offline()).disconnect("maria") is False
    assert secrets.get(token_name("maria")) is None


class Flow:
    def __init__(self, outcome: BaseException) -> None:
        self.outcome = outcome

    def run_local_server(self, **kwargs: Any) -> Credentials:
        assert (kwargs["host"], kwargs["port"], kwargs["access_type"]) == ("127.0.0.1", 0, "offline")
        raise self.outcome


@pytest.mark.parametrize(("outcome", "message"), [
    (AccessDeniedError(), "choose Allow"), (AttributeError("'NoneType' object has no attribute 'replace'"),
                                            "not answered within 5 minutes"),
    (InvalidClientError(description="The OAuth client was not found."), "check the OAuth client file")])
def test_a_consent_that_fails_says_what_to_do(outcome: BaseException, message: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(InstalledAppFlow, "from_client_config", classmethod(lambda cls, c, s: Flow(outcome)))
    with pytest.raises(UserError, match=message):
        browser_flow(CLIENT, SCOPES)
