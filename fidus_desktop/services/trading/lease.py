"""One writer per account: a lease in the database that every poller (GUI, ``fidus mt5 sync``, every workstation)
takes before reading an account and confirms in the transaction that stores what it read.

Two pollers following one account at once (the GUI and a scheduled ``fidus mt5 sync``, or two workstations on
one office database) would both move its cursor, positions, equity peak and alerts, and if either terminal had
switched accounts in between, file one account's data under the other. The lease is a document per login in
``mt5_sync_leases``: the holder and until when. It is taken when free, expired or already ours, renewed by every
stored poll, and released when the poller stops. Operational state, not business data: not audited.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from fidus_desktop.services.base import Service, ServiceContext
from fidus_desktop.store.errors import ConcurrencyError, DuplicateKey
from fidus_desktop.store.port import Document

LEASES = "mt5_sync_leases"


def holder_name(program: str) -> str:
    """Who holds a lease, as people read it ("FIDUS Desktop on WS-3"). The same program restarted on the same
    workstation is the same holder, so it takes its accounts back at once instead of waiting for the lease to end."""
    return f"{program} on {socket.gethostname()}"


@dataclass(frozen=True)
class Lease:
    login: int
    holder: str
    expires_at: datetime

    def describe(self) -> str:
        return f"{self.holder} until {self.expires_at:%H:%M:%S} UTC"


class SyncedElsewhere(Exception):
    """Another poller holds this account's lease; nothing was read or stored."""

    def __init__(self, lease: Lease) -> None:
        super().__init__(f"Account {lease.login} is being synced by {lease.describe()}; this poller leaves it "
                         "alone until that lease ends (it is renewed while that program polls).")
        self.lease = lease


class SyncLeaseService(Service):
    """Take, confirm and release per-account sync leases."""

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.leases = ctx.store.collection(LEASES)

    def ensure_indexes(self) -> None:
        self.leases.ensure_index(["login"], unique=True)

    def acquire(self, login: int, holder: str, duration: timedelta) -> None:
        """Take or renew the lease of ``login`` for ``holder``; :class:`SyncedElsewhere` when someone else has it."""
        try:
            self.store.atomic(lambda: self._take(login, holder, duration))
        except (ConcurrencyError, DuplicateKey):  # another poller took it in the same instant
            doc = self.leases.find_one({"login": login})
            if doc is None or doc["holder"] != holder:
                raise SyncedElsewhere(_lease(doc) if doc else Lease(login, "another poller", self.now())) from None

    def confirm(self, login: int, holder: str, duration: timedelta) -> None:
        """Inside the transaction storing a poll: still ours (renewed), or :class:`SyncedElsewhere` (rolls back)."""
        self._take(login, holder, duration, take_free=False)

    def release(self, holder: str) -> None:
        """Give up every lease ``holder`` has (the poller stopped)."""

        def release() -> None:
            for doc in self.leases.find({"holder": holder}):
                self.leases.delete(doc["_id"], expected_version=doc["version"])

        self.store.atomic(release)

    def current(self, login: int) -> Lease | None:
        doc = self.leases.find_one({"login": login})
        return _lease(doc) if doc else None

    def _take(self, login: int, holder: str, duration: timedelta, *, take_free: bool = True) -> None:
        now = self.now()
        doc = self.leases.find_one({"login": login})
        expires = now + duration
        if doc is None:
            if not take_free:
                raise SyncedElsewhere(Lease(login, "nobody (the lease was released)", now))
            self.leases.insert({"login": login, "holder": holder, "expires_at": expires})
        elif doc["holder"] == holder or (take_free and doc["expires_at"] <= now):
            self.leases.update(doc["_id"], {"holder": holder, "expires_at": expires}, expected_version=doc["version"])
        else:
            raise SyncedElsewhere(_lease(doc))


def _lease(doc: Document) -> Lease:
    return Lease(doc["login"], doc["holder"], doc["expires_at"])
