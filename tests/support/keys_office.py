"""An office for keys, personal data, audit and backup tests: an administrator, cheap KDFs, and a test
registry of personal data (``people`` with a national id and notes; ``kyc_files`` with scans under the KYC
retention rule). Used by tests/keys_backup and the Admin and Portfolio tab tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from fidus_desktop.bootstrap import AppContext, open_context
from fidus_desktop.config.paths import AppPaths
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.keys import KeyService
from fidus_desktop.services.personal_data import (
    KYC_RETENTION,
    PersonalDataRegistry,
    PersonalDataService,
    PersonalField,
    PersonCollection,
    Vault,
)
from tests.support.cost import CHEAP_KDF
from tests.support.users import ADMIN_PASSWORD

PASSPHRASE = "office safe combination 7"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

REGISTRY = PersonalDataRegistry(
    fields=[
        PersonalField("people", "national_id", "national_id", "person.national_id", index_field="national_id_bi"),
        PersonalField("people", "notes", "text", "person.notes"),
        PersonalField("kyc_files", "scan", "blob", "kyc.scan"),
    ],
    people=[
        PersonCollection("people", "_id", ("name", "email", "national_id", "notes")),
        PersonCollection("kyc_files", "person_id", ("holder", "scan"), KYC_RETENTION),
    ],
)


@dataclass
class Office:
    """One database and the services under test, built with cheap KDFs over the test registry."""

    ctx: AppContext
    admin: Actor
    keys: KeyService
    vault: Vault
    privacy: PersonalDataService

    def actor(self, username: str, role: str) -> Actor:
        users = self.ctx.services.users
        return users.create_user(self.admin, username, ADMIN_PASSWORD, role, username).actor()

    def add_person(self, person_id: str, national_id: str, notes: str = "likes sailing") -> None:
        self.ctx.store.collection("people").insert({
            "_id": person_id, "name": f"Name {person_id}", "email": f"{person_id}@example.org",
            "national_id": self.vault.seal(national_id, "person.national_id"),
            "national_id_bi": self.vault.blind_index(national_id, "national_id"),
            "notes": self.vault.seal(notes, "person.notes"),
        })

    def add_kyc(self, doc_id: str, person_id: str, ended: date | None, scan: bytes = b"%PDF scan") -> None:
        self.ctx.store.collection("kyc_files").insert({
            "_id": doc_id, "person_id": person_id, "holder": f"Name {person_id}", "relationship_ended_on": ended,
            "scan": self.vault.seal_blob(scan, REGISTRY.fields[2], doc_id),
        })


def make_office(ctx: AppContext, secrets: SecretStore) -> Office:
    admin = ctx.services.users.create_first_admin("admin", ADMIN_PASSWORD, "Administrator").actor()
    keys = KeyService(ctx.services.ctx, secrets, kdf=CHEAP_KDF)
    vault = Vault(ctx.services.ctx, keys)
    return Office(ctx, admin, keys, vault, PersonalDataService(ctx.services.ctx, vault, ctx.settings, REGISTRY))


def open_db(path: Path, secrets: SecretStore) -> AppContext:
    paths = AppPaths(path.parent / "config", path.parent / "data", path.parent / "logs")
    return open_context(f"sqlite:///{path.as_posix()}", paths=paths, secrets=secrets, log_to_file=False,
                        clock=lambda: NOW)
