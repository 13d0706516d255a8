"""Memos: short dated notes the office keeps about a fund. One collection, audited, permission-checked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext
from fidus_desktop.services.permissions import require
from fidus_desktop.services.portfolio._common import parse_code
from fidus_desktop.store.port import Document

MEMOS = "memos"


class MemoPermission(StrEnum):
    READ = "memos.read"
    WRITE = "memos.write"


@dataclass(frozen=True)
class Memo:
    memo_id: str
    fund_code: str
    text: str
    written_by: str
    written_at: datetime

    @classmethod
    def from_doc(cls, doc: Document) -> Memo:
        return cls(doc["_id"], doc["fund_code"], doc["text"], doc["written_by"], doc["written_at"])


class MemoService(Service):
    def __init__(self, ctx: ServiceContext, max_length: int) -> None:
        super().__init__(ctx)
        self.memos = ctx.store.collection(MEMOS)
        self.max_length = max_length

    def ensure_indexes(self) -> None:
        self.memos.ensure_index(["fund_code", "written_at"])

    def write(self, actor: Actor, fund_code: str, text: str) -> Memo:
        doc = {"fund_code": parse_code(fund_code, "fund_code", "The fund code"),
               "text": self.required_text(text, "text", "The memo", max_length=self.max_length),
               "written_by": actor.username, "written_at": self.now()}

        def write(rec: ChangeRecorder) -> Document:
            stored = self.memos.insert(doc)
            rec.record("memo.write", "memo", stored["_id"], after=stored)
            return stored

        return Memo.from_doc(self.change(actor, MemoPermission.WRITE, write))

    def list(self, actor: Actor, fund_code: str | None = None) -> list[Memo]:
        require(actor, MemoPermission.READ)
        query = {"fund_code": parse_code(fund_code, "fund_code", "The fund code")} if fund_code else {}
        return [Memo.from_doc(d) for d in self.memos.find(query, sort=[("written_at", -1)])]
