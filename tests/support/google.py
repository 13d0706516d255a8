"""Google in tests: a connector over ``FakeGoogle`` (no browser, no network) and an office wired to it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fidus_desktop.bootstrap import AppContext, open_context
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.integrations.google.fake import FakeGoogle
from fidus_desktop.integrations.google.oauth import StoredToken
from fidus_desktop.integrations.google.port import SCOPES, GoogleNotConnected
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.crm.google import GoogleService
from fidus_desktop.services.permissions import Role
from tests.support.clock import FakeClock
from tests.support.users import ADMIN_PASSWORD


@dataclass
class FakeConnector:
    """``Connector`` over one ``FakeGoogle`` per user; ``problem`` set: the office has no OAuth client."""

    google: FakeGoogle = field(default_factory=FakeGoogle)
    problem_text: str | None = None
    tokens: dict[str, StoredToken] = field(default_factory=dict)
    scopes: tuple[str, ...] = SCOPES
    client_file: str = "client.json"

    def problem(self) -> str | None:
        return self.problem_text

    def connect(self, username: str) -> StoredToken:
        self.tokens[username] = StoredToken("refresh", self.scopes, self.google.email)
        return self.tokens[username]

    def stored(self, username: str) -> StoredToken | None:
        return self.tokens.get(username)

    def workspace(self, username: str) -> FakeGoogle:
        if username not in self.tokens:
            raise GoogleNotConnected(f"{username} has not connected a Google account; connect it first.")
        return self.google

    def disconnect(self, username: str) -> bool:
        return self.tokens.pop(username, None) is not None


@dataclass
class GoogleOffice:
    ctx: AppContext
    clock: FakeClock
    connector: FakeConnector
    manager: Actor
    prospect_id: str

    @property
    def google(self) -> GoogleService:
        return self.ctx.services.google

    @property
    def fake(self) -> FakeGoogle:
        return self.connector.google


@contextmanager
def google_office(tmp_path: Path, secrets: SecretStore, *, connected: bool = True) -> Iterator[GoogleOffice]:
    """A database with a portfolio manager, one prospect (Anna Muster, anna@example.com) and Google over a fake."""
    clock = FakeClock()
    ctx = open_context(f"sqlite:///{(tmp_path / 'google.db').as_posix()}", secrets=secrets, log_to_file=False,
                       clock=clock)
    try:
        admin = ctx.services.users.create_first_admin("admin", ADMIN_PASSWORD, "Administrator").actor()
        manager = ctx.services.users.create_user(admin, "maria", ADMIN_PASSWORD, Role.PORTFOLIO_MANAGER).actor()
        connector = FakeConnector()
        ctx.services.google = GoogleService(ctx.services.ctx, ctx.services.crm_outbox, connector,
                                             investors=ctx.services.portfolio.investors,
                                             activities=ctx.services.crm_activities)
        prospect = ctx.services.prospects.create(manager, {
            "first_name": "Anna", "last_name": "Muster", "organisation": "Muster AG", "email": "anna@example.com",
            "country": "DE", "expected_amount": "250000", "currency": "EUR", "next_step": "send the proposal"})
        if connected:
            ctx.services.google.connect(manager)
        yield GoogleOffice(ctx, clock, connector, manager, prospect.prospect_id)
    finally:
        ctx.close()
