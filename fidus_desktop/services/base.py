"""What every service shares: the store, the clock, the audit log, and the one way to make a change."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from fidus_desktop.clock import Clock, wall_time
from fidus_desktop.errors import UserError
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.audit import AuditLog
from fidus_desktop.services.permissions import require
from fidus_desktop.store.errors import TransactionConflict
from fidus_desktop.store.port import Document, Store

T = TypeVar("T")
log = logging.getLogger(__name__)


class ValidationError(UserError, ValueError):
    """Input a service refused; ``problems`` maps field names to what is wrong and how to fix it."""

    def __init__(self, problems: dict[str, str] | str) -> None:
        self.problems = {"": problems} if isinstance(problems, str) else dict(problems)
        super().__init__("; ".join(f"{k}: {v}" if k else v for k, v in self.problems.items()))


@dataclass
class ServiceContext:
    """Wiring shared by all services (built once by ``bootstrap``); ``clock`` is the office's (``fidus_desktop.clock``:
    the PC's, or the demo's timeline)."""

    store: Store
    clock: Callable[[], datetime] = field(default_factory=Clock)

    def __post_init__(self) -> None:
        self.audit = AuditLog(self.store, self.clock)


class ChangeRecorder:
    """Handed to the body of ``Service.changing``: records what changed, in the same transaction."""

    def __init__(self, audit: AuditLog, actor: Actor) -> None:
        self._audit = audit
        self._actor = actor

    def record(
        self, action: str, entity: str, entity_id: str, *, before: Document | None = None, after: Document | None = None
    ) -> None:
        self._audit.append(self._actor, action, entity, entity_id, before=before, after=after)


class Service:
    """Base of every use-case class."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    def now(self) -> datetime:
        return self.ctx.clock()

    def wall_now(self) -> datetime:
        """The PC's time even on the demo's timeline: for what is checked against a clock outside the office
        (an authenticator app's codes)."""
        return wall_time(self.ctx.clock)

    def change(self, actor: Actor, permission: StrEnum, body: Callable[[ChangeRecorder], T]) -> T:
        """Check ``permission``, then run ``body(recorder)`` in one transaction together with its audit entries.

        A transaction the server rolled back because of a concurrent one or a fail-over (MongoDB's
        ``TransactionConflict``) is run again whole (``Store.atomic``), so the user never has to. ``body`` may
        therefore run more than once: it reads what it needs and changes only the database; files, the keyring,
        messages and anything else outside it go after ``change`` returns.
        """
        require(actor, permission)
        return self.store.atomic(lambda: body(ChangeRecorder(self.ctx.audit, actor)))

    @contextmanager
    def changing(self, actor: Actor, permission: StrEnum) -> Iterator[ChangeRecorder]:
        """``change`` as a block, for a part of a change whose caller already runs it in ``change`` or
        ``Store.atomic``. On its own it is not run again after a ``TransactionConflict``: prefer ``change``."""
        require(actor, permission)
        with self.store.transaction():
            yield ChangeRecorder(self.ctx.audit, actor)

    @contextmanager
    def follow_up(self, what: str, otherwise: str) -> Iterator[None]:
        """Run a follow-up of a change already made (open a KYC case, screen an investor) so that its failure
        never undoes or hides that change: it is logged with ``otherwise``, what happens instead. Inside a
        larger change, a rollback by a concurrent transaction is not a failure: ``Store.atomic`` runs the whole
        change again, follow-up included, so it is only noted."""
        nested = self.store.in_transaction()
        try:
            yield
        except TransactionConflict:
            if not nested:
                log.exception("%s failed; %s", what, otherwise)
            else:
                log.info("%s met a concurrent change; the change it is part of runs again", what)
        except Exception:
            log.exception("%s failed; %s", what, otherwise)

    @staticmethod
    def required_text(value: Any, field: str, label: str, *, max_length: int = 200) -> str:
        """A trimmed non-empty string, or a ValidationError naming ``field`` (also blocks operator dicts)."""
        if not isinstance(value, str) or not value.strip():
            raise ValidationError({field: f"{label} is required."})
        text = value.strip()
        if len(text) > max_length:
            raise ValidationError({field: f"{label} is longer than {max_length} characters."})
        return text
