"""What a feature declares: everything it plugs into the application, in one ``Feature`` value.

The composition root (``bootstrap``), the main window's tab list, the ``fidus`` command, the personal-data
registry, the settings schema, ``fidus doctor``, the status bar and the role matrix loop over
``features.FEATURES``; none of them names a feature. Qt and CLI parts are named by dotted path
(``"package.module:attribute"``) and imported only by the front end that shows them, so declaring a tab
never loads Qt into ``fidus`` and declaring a command never loads argparse code into the GUI.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any

from fidus_desktop.config.settings import Rename, Setting
from fidus_desktop.services.permissions import Role
from fidus_desktop.services.personal_data import PersonalDataRegistry
from fidus_desktop.store.schema import Migration

if TYPE_CHECKING:
    from fidus_desktop.bootstrap import Wiring
    from fidus_desktop.services.documents import DocumentOwner

ServiceFactory = Callable[["Wiring"], Any]
"""Builds one service (or bundle) from the wiring: the context, settings, secrets and the services built so far."""


@dataclass(frozen=True)
class TabDecl:
    """The feature's main-window tab: ``factory`` is ``"module:callable(session) -> QWidget"``.

    The tab is listed for users holding ``permission`` (None: every signed-in user) and built when first shown;
    work that must run from sign-in belongs in a session job (``Feature.session_jobs``), not in the tab."""

    name: str  # stable id used by --tab and saved as the last tab
    title: str
    factory: str = ""  # empty: a "not available yet" panel saying ``note``
    permission: str | None = None
    note: str = ""
    opens: tuple[str, ...] = ()  # record kinds the tab shows on request: its widget's open_record(kind, key)


@dataclass(frozen=True)
class StatusItem:
    """A status-bar slot: ``factory`` is ``"module:callable(session, parent) -> QWidget"``, right-aligned."""

    name: str
    factory: str


@dataclass(frozen=True)
class Feature:
    """One area of the product and everything it contributes (all optional but ``name``).

    - ``services``: attribute name on ``bootstrap.Services`` → factory, built in declaration order;
      ``needs`` names the services (of earlier features) the factories read, checked when wiring.
    - ``wire``: runs once every feature's services exist, to connect one feature to another.
    - ``migrations``: schema steps (``store.schema.Migration``), versions unique across features.
    - ``permissions``: every permission it defines, in the order docs/SECURITY.md lists them;
      ``grants``: which roles hold which (the administrator holds all but ``not_for_admin``).
    - ``tab``, ``status_items``: its part of the main window. ``session_jobs``: ``(name, "module:factory")``,
      background work of a signed-in session: the main window makes ``factory(session, window)`` before the
      tabs (``session.jobs[name]``), calls its ``start()`` and, when it closes, its ``stop()``.
    - ``admin_sections``: ``(title, "module:factory(session) -> QWidget")`` pages of the Admin tab.
    - ``cli``: modules with ``register(subparsers)``.
    - ``demo``: ``(order, "module:builder(run)")`` for ``--demo`` (users 10, funds 20, MT5 50 …).
    - ``personal_data``: encrypted fields and person collections; ``document_owners``: owner entity → collection
      (or a ``DocumentOwner`` naming the permissions its documents need).
    - ``settings``/``renames``: typed keys with defaults and upgrade steps.
    - ``doctor``: ``"module:check(DoctorInput) -> Check"`` for ``fidus doctor``, run in declaration order.
    - ``announces``: the change topics its services emit (audit entity names, as ``changes_since`` reports
      them and ``SessionSignals.data_changed`` carries them), for the screens and watchers that reload on them.
    """

    name: str
    services: Mapping[str, ServiceFactory] = field(default_factory=dict)
    needs: tuple[str, ...] = ()
    wire: Callable[[Wiring], None] | None = None
    migrations: tuple[Migration, ...] = ()
    permissions: tuple[str, ...] = ()
    grants: Mapping[Role, frozenset[str]] = field(default_factory=dict)
    not_for_admin: frozenset[str] = frozenset()
    tab: TabDecl | None = None
    status_items: tuple[StatusItem, ...] = ()
    session_jobs: tuple[tuple[str, str], ...] = ()
    admin_sections: tuple[tuple[str, str], ...] = ()
    cli: tuple[str, ...] = ()
    demo: tuple[tuple[int, str], ...] = ()
    personal_data: PersonalDataRegistry = field(default_factory=PersonalDataRegistry)
    document_owners: Mapping[str, str | DocumentOwner] = field(default_factory=dict)
    settings: tuple[Setting, ...] = ()
    renames: tuple[Rename, ...] = ()
    doctor: tuple[str, ...] = ()
    announces: tuple[str, ...] = ()


def resolve(target: str) -> Any:
    """Import ``"package.module:attribute"`` (a tab, status item or demo builder) when it is first needed."""
    module, _, attribute = target.partition(":")
    found = import_module(module)
    return getattr(found, attribute) if attribute else found
