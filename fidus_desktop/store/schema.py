"""The database's schema version and the migrations that bring an older database up to date.

The version lives in collection ``meta``, document ``_id="schema"``, field ``schema_version``. Each
migration runs inside a transaction together with the bump of that number, so a database is never left
"half migrated" (on a standalone MongoDB server, which has no transactions, see docs/STORAGE.md). A
database written by a newer FIDUS Desktop is refused with ``SchemaTooNew`` instead of being misread.

Later changes register migrations here (documents only: indexes are declared by the services'
``ensure_indexes`` at start-up, because a MongoDB server refuses index creation inside a transaction)::

    @register(3, "give every deal a currency")
    def _deal_currency(store: Store) -> None:
        deals = store.collection("deals")
        for doc in deals.find({"currency": {"$exists": False}}):
            deals.update(doc["_id"], {"currency": "USD"}, expected_version=doc["version"])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fidus_desktop.clock import wall_now
from fidus_desktop.store.errors import ReadOnlyDatabase, SchemaTooNew
from fidus_desktop.store.port import Store
from fidus_desktop.store.restore_marker import refuse_unfinished

META = "meta"
SCHEMA_ID = "schema"


@dataclass(frozen=True)
class Migration:
    """One step: ``apply`` brings a database at ``version - 1`` to ``version``."""

    version: int
    description: str
    apply: Callable[[Store], None]


MIGRATIONS: list[Migration] = []


def register(version: int, description: str) -> Callable[[Callable[[Store], None]], Callable[[Store], None]]:
    """Decorator adding a migration; versions must be new and follow on from the last one registered."""

    def add(apply: Callable[[Store], None]) -> Callable[[Store], None]:
        expected = current_schema() + 1
        if version != expected:
            raise ValueError(f"Migration {description!r} has version {version}; the next one must be {expected}.")
        MIGRATIONS.append(Migration(version, description, apply))
        return apply

    return add


def current_schema(migrations: Sequence[Migration] | None = None) -> int:
    """The schema version this code writes: the highest registered migration."""
    found = MIGRATIONS if migrations is None else migrations
    return max((m.version for m in found), default=0)


def stored_schema(store: Store) -> int:
    """The database's schema version (0 for a new, empty database)."""
    doc = store.collection(META).get(SCHEMA_ID)
    return 0 if doc is None else int(doc["schema_version"])


def migrate(store: Store, migrations: Sequence[Migration] | None = None) -> list[int]:
    """Apply pending migrations in order, each atomically with its version bump; return the versions applied.

    A database left half-restored by an interrupted restore is refused first (``store.restore_marker``).
    """
    refuse_unfinished(store)
    steps = sorted(MIGRATIONS if migrations is None else migrations, key=lambda m: m.version)
    newest = current_schema(steps)
    at = stored_schema(store)
    if at > newest:
        raise SchemaTooNew(
            f"This database ({store.describe()}) has schema version {at}, but this FIDUS Desktop only knows up to "
            f"{newest}. Install the newer FIDUS Desktop that wrote it; nothing was changed."
        )
    if store.read_only and at < newest:
        raise ReadOnlyDatabase(
            f"This database ({store.describe()}) is open read-only but has schema version {at}; this FIDUS Desktop "
            f"reads version {newest}. Open a writable copy once to upgrade it; nothing was changed."
        )
    applied: list[int] = []
    for step in steps:
        if step.version <= at:
            continue
        with store.transaction():
            step.apply(store)
            _set_version(store, step.version)
        applied.append(step.version)
    return applied


def _set_version(store: Store, version: int) -> None:
    meta = store.collection(META)
    doc = meta.require(SCHEMA_ID)
    changes = {"schema_version": version, "migrated_at": wall_now()}
    meta.update(SCHEMA_ID, changes, expected_version=doc["version"])


@register(1, "create the schema version document")
def _create_meta(store: Store) -> None:
    store.collection(META).insert({"_id": SCHEMA_ID, "schema_version": 0, "created_at": wall_now()})


@register(2, "mark clear TOTP secrets as legacy until they are wrapped under the user's password")
def _legacy_totp_secrets(store: Store) -> None:
    """Wrapping needs the password, so ``services.users`` wraps at the next sign-in; until then the secret
    stays clear under a name that says so. The version bump also keeps older versions, which would read a
    wrapped-only user as having no second factor, from opening the database."""
    users = store.collection("users")
    for doc in users.find({"totp_secret": {"$exists": True}}):
        users.update(doc["_id"], {"legacy_totp_secret": doc["totp_secret"]}, expected_version=doc["version"],
                     unset=("totp_secret",))


CURRENT_SCHEMA = current_schema()
