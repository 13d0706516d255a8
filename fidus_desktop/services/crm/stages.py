"""The pipeline's stages and lost reasons, stored as data (defaults on first use), edited by an admin."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from fidus_desktop.domain.crm.stages import (
    DEFAULT_STAGES,
    PipelineError,
    Stage,
    StageKind,
    check_stage_set,
    reordered,
)
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.crm import CrmPermission
from fidus_desktop.services.permissions import require
from fidus_desktop.store.port import Document

STAGES = "crm_stages"
SETTINGS_ID = "pipeline"
DEFAULT_LOST_REASONS = ("Fees too high", "Chose another manager", "Timing", "Not qualified", "No response")


def _stage(doc: Document) -> Stage:
    return Stage(doc["name"], StageKind(doc["kind"]), Decimal(str(doc["probability"])), doc["colour"], doc["order"])


def _doc(stage: Stage) -> Document:
    return {"name": stage.name, "kind": stage.kind.value, "probability": stage.probability, "colour": stage.colour,
            "order": stage.order}


class StageService(Service):
    """One document holds the whole pipeline (stages and lost reasons), so an edit is one atomic change."""

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.pipelines = ctx.store.collection(STAGES)

    def _pipeline(self) -> Document:
        return self.pipelines.get(SETTINGS_ID) or {
            "_id": SETTINGS_ID, "stages": [_doc(s) for s in DEFAULT_STAGES], "lost_reasons": list(DEFAULT_LOST_REASONS),
            "version": 0}

    def stages(self) -> tuple[Stage, ...]:
        return check_stage_set([_stage(d) for d in self._pipeline()["stages"]])

    def stage(self, name: str) -> Stage:
        for stage in self.stages():
            if stage.name.casefold() == (name or "").strip().casefold():
                return stage
        raise ValidationError({"stage": f"There is no stage {name!r}; the stages are "
                                        f"{', '.join(s.name for s in self.stages())}."})

    def first_open(self) -> Stage:
        return next(s for s in self.stages() if s.kind is StageKind.OPEN)

    def lost_reasons(self) -> list[str]:
        return list(self._pipeline()["lost_reasons"])

    def add_stage(self, actor: Actor, name: Any, kind: Any, probability: Any, colour: Any = "#7F8C8D") -> Stage:
        try:
            stage = Stage(str(name or "").strip(), StageKind(kind), Decimal(str(probability)), str(colour),
                          max(s.order for s in self.stages()) + 10)
        except (ValueError, ArithmeticError) as exc:
            raise ValidationError({"stage": str(exc) or "Give a name, a kind (open, won, lost) and a probability "
                                                        "between 0 and 1."}) from None
        self._save(actor, [*self.stages(), stage], self.lost_reasons(), "crm.stage_add")
        return stage

    def reorder(self, actor: Actor, names: Sequence[str]) -> tuple[Stage, ...]:
        return self._save(actor, reordered(self.stages(), names), self.lost_reasons(), "crm.stage_reorder")

    def set_lost_reasons(self, actor: Actor, reasons: Sequence[str]) -> list[str]:
        cleaned = list(dict.fromkeys(r.strip() for r in reasons if r.strip()))
        if not cleaned:
            raise ValidationError({"lost_reasons": "Keep at least one lost reason."})
        self._save(actor, self.stages(), cleaned, "crm.lost_reasons")
        return cleaned

    def _save(self, actor: Actor, stages: Sequence[Stage], reasons: list[str], action: str) -> tuple[Stage, ...]:
        try:
            ordered = check_stage_set(stages)
        except PipelineError as exc:
            raise ValidationError({"stage": str(exc)}) from None
        require(actor, CrmPermission.STAGES)

        def write(rec: ChangeRecorder) -> None:
            before = self.pipelines.get(SETTINGS_ID)
            body = {"stages": [_doc(s) for s in ordered], "lost_reasons": reasons}
            if before is None:
                after = self.pipelines.insert({"_id": SETTINGS_ID, **body})
            else:
                after = self.pipelines.update(SETTINGS_ID, body, expected_version=before["version"])
            rec.record(action, "crm_pipeline", SETTINGS_ID, before=before, after=after)

        self.change(actor, CrmPermission.STAGES, write)
        return ordered
