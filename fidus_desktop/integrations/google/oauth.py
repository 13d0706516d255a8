"""Connecting a user's Google account: the installed-app OAuth flow, the token in the OS keyring, revocation.

The office registers one OAuth client ("Desktop app") in its Google Cloud project and an administrator points
``google.oauth_client_file`` at the JSON it downloads; nothing of it is in the repository. Each user then
connects their own account: ``InstalledAppFlow`` opens the browser on Google's consent page and waits on a
loopback port for the answer (PKCE on), asking only for ``port.SCOPES``. The refresh token and the scopes
granted go to the keyring entry ``google/<username>`` and nowhere else; access tokens live in memory only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.integrations.google.port import (
    GMAIL_READ,
    SCOPE_USES,
    SCOPES,
    GoogleError,
    GoogleNotConfigured,
    GoogleNotConnected,
)

if TYPE_CHECKING:  # the Google libraries take most of a second to import: only when Google is used
    from google.oauth2.credentials import Credentials

    from fidus_desktop.integrations.google.api import GoogleApi

REVOKE_URI = "https://oauth2.googleapis.com/revoke"
TIMEOUT_SECONDS = 30
CONSENT_TIMEOUT_SECONDS = 300  # how long the loopback port waits for the browser


def token_name(username: str) -> str:
    """The keyring entry holding ``username``'s Google refresh token."""
    return f"google/{username}"


@dataclass(frozen=True)
class StoredToken:
    refresh_token: str
    scopes: tuple[str, ...]
    email: str

    def to_json(self) -> str:
        return json.dumps({"refresh_token": self.refresh_token, "scopes": list(self.scopes), "email": self.email})

    @classmethod
    def from_json(cls, text: str) -> StoredToken:
        data = json.loads(text)
        return cls(data["refresh_token"], tuple(data.get("scopes", ())), data.get("email", ""))

    def missing_scopes(self) -> list[str]:
        return [SCOPE_USES[s] for s in SCOPES if s not in self.scopes]


def client_config(path: str) -> dict[str, Any]:
    """The office's OAuth client (a "Desktop app" client JSON), or ``GoogleNotConfigured`` saying what to fix."""
    if not path:
        raise GoogleNotConfigured("Google is not configured for this office: an administrator sets "
                                  "google.oauth_client_file in the settings file to the OAuth client JSON of a "
                                  "\"Desktop app\" client from the Google Cloud console (docs/CRM.md, Google "
                                  "Workspace).")
    file = Path(path).expanduser()
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise GoogleNotConfigured(f"The OAuth client file {file} cannot be read ({exc.strerror or exc}); check "
                                  "google.oauth_client_file in the settings file.") from exc
    except ValueError:
        raise GoogleNotConfigured(f"The OAuth client file {file} is not JSON; download it again from the Google "
                                  "Cloud console (Credentials › OAuth client › Download JSON).") from None
    installed = data.get("installed") if isinstance(data, dict) else None
    if not isinstance(installed, dict) or not installed.get("client_id") or not installed.get("token_uri"):
        kind = next(iter(data), "nothing") if isinstance(data, dict) else "nothing"
        raise GoogleNotConfigured(f"The OAuth client file {file} is for a {kind!r} client, not a \"Desktop app\" "
                                  "(installed) one; create a Desktop app client and download its JSON.")
    return data


Flow = Callable[[dict[str, Any], tuple[str, ...]], "Credentials"]


def browser_flow(config: dict[str, Any], scopes: tuple[str, ...]) -> Credentials:
    """Google's consent page in the browser, answered on a loopback port chosen by the system (PKCE)."""
    from google_auth_oauthlib.flow import InstalledAppFlow
    from oauthlib.oauth2.rfc6749.errors import AccessDeniedError, OAuth2Error

    flow = InstalledAppFlow.from_client_config(config, list(scopes))
    try:
        credentials: Credentials = flow.run_local_server(
            host="127.0.0.1", port=0, open_browser=True, timeout_seconds=CONSENT_TIMEOUT_SECONDS,
            authorization_prompt_message="Opening Google's consent page in your browser; if it does not open, "
                                         "visit:\n{url}\n",
            success_message="FIDUS Desktop is connected to your Google account. You can close this window.",
            access_type="offline", prompt="consent")
    except AccessDeniedError:
        raise GoogleNotConnected("Google access was not granted (the consent page was declined); connect again "
                                 "and choose Allow.") from None
    except OAuth2Error as exc:
        raise GoogleError(400, exc.error, f"Google refused the connection ({exc.error}: {exc.description}); "
                          "check the OAuth client file with `fidus doctor`, then connect again.") from None
    except AttributeError:  # the library's way of saying no answer reached the loopback port in time
        raise GoogleNotConnected(f"Google's consent page was not answered within {CONSENT_TIMEOUT_SECONDS // 60} "
                                 "minutes; connect again.") from None
    return credentials


class GoogleConnector:
    """Makes, finds and removes users' Google connections, and the ``GoogleApi`` acting for one of them."""

    def __init__(self, client_file: str, secrets: SecretStore, *, flow: Flow = browser_flow,
                 http: Callable[[], Any] | None = None) -> None:
        self.client_file = client_file
        self.secrets = secrets
        self._flow = flow
        self._http = http or _default_http

    def problem(self) -> str | None:
        """Why Google cannot be used at all on this installation (None: the OAuth client is configured)."""
        try:
            client_config(self.client_file)
        except GoogleNotConfigured as exc:
            return str(exc)
        return None

    def connect(self, username: str) -> StoredToken:
        """Run the consent flow and keep the refresh token in the keyring; returns what was granted."""
        config = client_config(self.client_file)
        credentials = self._flow(config, SCOPES)
        if not credentials.refresh_token:
            raise GoogleError(None, "no refresh token", "Google gave no long-lived consent; try connecting again "
                              "(FIDUS asks for offline access).")
        granted = tuple(credentials.granted_scopes or credentials.scopes or SCOPES)
        api = self._api(credentials)
        token = StoredToken(credentials.refresh_token, granted, api.account().email if GMAIL_READ in granted else "")
        self.secrets.set(token_name(username), token.to_json())
        return token

    def stored(self, username: str) -> StoredToken | None:
        text = self.secrets.get(token_name(username))
        return StoredToken.from_json(text) if text else None

    def _api(self, credentials: Credentials) -> GoogleApi:
        from google_auth_httplib2 import AuthorizedHttp

        from fidus_desktop.integrations.google.api import GoogleApi

        return GoogleApi(lambda: AuthorizedHttp(credentials, http=self._http()))

    def credentials(self, username: str) -> Credentials:
        from google.oauth2.credentials import Credentials

        config = client_config(self.client_file)["installed"]
        token = self.stored(username)
        if token is None:
            raise GoogleNotConnected(f"{username} has not connected a Google account; connect it first "
                                     "(Admin › Google, or `fidus google connect`).")
        return Credentials(None, refresh_token=token.refresh_token, token_uri=config["token_uri"],
                           client_id=config["client_id"], client_secret=config.get("client_secret"),
                           scopes=list(token.scopes))

    def workspace(self, username: str) -> GoogleApi:
        """The Google account ``username`` connected, refreshed as needed (a refused refresh is a 401)."""
        return self._api(self.credentials(username))

    def disconnect(self, username: str) -> bool:
        """Revoke the consent at Google (best effort: offline, it is still forgotten here) and forget the token.
        True when Google confirmed the revocation."""
        import httplib2

        token = self.stored(username)
        revoked = False
        if token is not None:
            try:
                response, _ = self._http().request(
                    REVOKE_URI, "POST", body=urlencode({"token": token.refresh_token}),
                    headers={"content-type": "application/x-www-form-urlencoded"})
                revoked = int(response.status) == 200
            except (httplib2.HttpLib2Error, OSError):
                revoked = False
        self.secrets.delete(token_name(username))
        return revoked


def _default_http() -> Any:
    import httplib2

    return httplib2.Http(timeout=TIMEOUT_SECONDS)
