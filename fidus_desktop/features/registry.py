"""What the front ends read from ``features.FEATURES``: the registries the features contribute to.

Each function reads the list when called (pass ``features`` to ask about another list), so a test may plug a
feature in by replacing ``features.FEATURES``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fidus_desktop import features as catalog
from fidus_desktop.config.settings import SettingsSchema
from fidus_desktop.features.spec import Feature, StatusItem, TabDecl, resolve
from fidus_desktop.services.personal_data import PersonalDataRegistry
from fidus_desktop.store.schema import MIGRATIONS, Migration

if TYPE_CHECKING:
    from fidus_desktop.services.documents import DocumentOwner

PERSONAL_DATA = PersonalDataRegistry.merged(f.personal_data for f in catalog.FEATURES)
"""Where personal data lives, across every feature (key rotation, data-protection requests)."""


def _chosen(features: tuple[Feature, ...] | None) -> tuple[Feature, ...]:
    return catalog.FEATURES if features is None else features


def personal_data(features: tuple[Feature, ...] | None = None) -> PersonalDataRegistry:
    """``PERSONAL_DATA`` for the shipped list; a fresh merge for another."""
    if features is None or features is catalog.FEATURES:
        return PERSONAL_DATA
    return PersonalDataRegistry.merged(f.personal_data for f in features)


def document_owners(features: tuple[Feature, ...] | None = None) -> dict[str, str | DocumentOwner]:
    """Owner entity → collection (or its rules), for every feature that lets documents be attached to its
    records."""
    features = _chosen(features)
    owners: dict[str, str | DocumentOwner] = {}
    for feature in features:
        for entity, collection in feature.document_owners.items():
            if entity in owners:
                raise ValueError(f"Two features declare the document owner {entity!r}.")
            owners[entity] = collection
    return owners


def settings_schema(features: tuple[Feature, ...] | None = None) -> SettingsSchema:
    features = _chosen(features)
    return SettingsSchema.of((s for f in features for s in f.settings), (r for f in features for r in f.renames))


def migrations(features: tuple[Feature, ...] | None = None) -> list[Migration]:
    """The store's own migrations and every feature's (versions are one sequence; ``migrate`` orders them)."""
    features = _chosen(features)
    found = [*MIGRATIONS, *(m for f in features for m in f.migrations)]
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ValueError(f"Two migrations share a schema version: {sorted(versions)}; give the new one the next.")
    return found


def demo_builders(features: tuple[Feature, ...] | None = None) -> list[Callable[[Any], None]]:
    """The demo builders in their order (ties by declaration order), imported now."""
    features = _chosen(features)
    ordered = sorted(((order, i, target) for i, f in enumerate(features) for order, target in f.demo))
    return [resolve(target) for _, _, target in ordered]


def cli_modules(features: tuple[Feature, ...] | None = None) -> list[str]:
    """Every command module; sorted, so ``fidus --help`` lists the commands alphabetically."""
    features = _chosen(features)
    return sorted(m for f in features for m in f.cli)


def doctor_checks(features: tuple[Feature, ...] | None = None) -> list[str]:
    features = _chosen(features)
    return [check for f in features for check in f.doctor]


def tabs(features: tuple[Feature, ...] | None = None) -> list[TabDecl]:
    features = _chosen(features)
    return [f.tab for f in features if f.tab is not None]


def status_items(features: tuple[Feature, ...] | None = None) -> list[StatusItem]:
    features = _chosen(features)
    return [item for f in features for item in f.status_items]


def session_jobs(features: tuple[Feature, ...] | None = None) -> list[tuple[str, str]]:
    """``(name, "module:factory")`` of every feature's session jobs, in feature order."""
    return [job for f in _chosen(features) for job in f.session_jobs]


def admin_sections(features: tuple[Feature, ...] | None = None) -> list[tuple[str, str]]:
    """``(title, "module:factory")`` of the Admin tab's pages, in feature order."""
    return [section for f in _chosen(features) for section in f.admin_sections]
