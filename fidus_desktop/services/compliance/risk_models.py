"""The stored AML risk model: versions an officer saves (whole, as JSON, or one dated country list at a time),
each kept with who saved it, when, why and what changed, and every scored investor re-scored when a new version
is saved.

Until a version is saved the shipped model is used (``resources/compliance/risk-model.json``: FATF's lists as
dated in that file), under the version name ``shipped``. Saving needs ``kyc.model`` (compliance officers; the
administrator too). An old version stays readable, so a band decided with it can be explained after the model
changed (every scoring run names its model version).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from babel import Locale

from fidus_desktop.domain.compliance.risk import (
    RiskError,
    RiskModel,
    model_changes,
    model_from_dict,
    model_to_dict,
)
from fidus_desktop.security.resources import resources_dir
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.compliance.kyc import KycService, RescoreSummary
from fidus_desktop.services.compliance.permissions import KycPermission
from fidus_desktop.services.permissions import require
from fidus_desktop.store.port import Document

MODELS = "kyc_risk_models"
SHIPPED = "shipped"


def shipped_model() -> RiskModel:
    """The model FIDUS ships with (dated FATF lists), used until an officer saves one."""
    data = json.loads((resources_dir() / "compliance" / "risk-model.json").read_text(encoding="utf-8"))
    return model_from_dict(data, SHIPPED)


@dataclass(frozen=True)
class ModelVersion:
    version: str
    model: RiskModel
    saved_at: datetime | None
    saved_by: str | None
    reason: str
    changes: tuple[str, ...]

    @classmethod
    def from_doc(cls, doc: Document) -> ModelVersion:
        # ``model_version``: the store's own ``version`` field counts the document's writes
        return cls(doc["model_version"], model_from_dict(doc["model"], doc["model_version"]), doc["saved_at"],
                   doc["saved_by"], doc["reason"], tuple(doc["changes"]))


@dataclass(frozen=True)
class SavedModel:
    saved: ModelVersion
    rescored: RescoreSummary


class RiskModelService(Service):
    def __init__(self, ctx: ServiceContext, kyc: KycService) -> None:
        super().__init__(ctx)
        self.models = ctx.store.collection(MODELS)
        self.kyc = kyc

    def ensure_indexes(self) -> None:
        self.models.ensure_index(["number"], unique=True)
        self.models.ensure_index(["model_version"], unique=True)

    # -- reading -------------------------------------------------------------------------------------
    def _latest(self) -> Document | None:
        found = self.models.find({}, sort=[("number", -1)], limit=1)
        return found[0] if found else None

    def current(self, actor: Actor) -> ModelVersion:
        """The model in use: the latest saved version, else the shipped one."""
        require(actor, KycPermission.READ)
        latest = self._latest()
        if latest is not None:
            return ModelVersion.from_doc(latest)
        return ModelVersion(SHIPPED, shipped_model(), None, None, "the model FIDUS ships with", ())

    def version(self, actor: Actor, version: str) -> ModelVersion:
        """One version (``shipped`` or a saved number), to explain a band decided with it."""
        require(actor, KycPermission.READ)
        if version == SHIPPED:
            return ModelVersion(SHIPPED, shipped_model(), None, None, "the model FIDUS ships with", ())
        doc = self.models.find_one({"model_version": str(version).strip()})
        if doc is None:
            raise ValidationError({"version": f"There is no risk model version {version!r}; see "
                                              "`fidus kyc model versions`."})
        return ModelVersion.from_doc(doc)

    def versions(self, actor: Actor) -> list[ModelVersion]:
        """Every saved version, newest first."""
        require(actor, KycPermission.READ)
        return [ModelVersion.from_doc(d) for d in self.models.find({}, sort=[("number", -1)])]

    # -- changing ------------------------------------------------------------------------------------
    def save(self, actor: Actor, data: Any, reason: Any) -> SavedModel:
        """Save ``data`` (the model's JSON form) as the next version, then re-score every scored investor with
        it. Nothing is written when the model is not valid or does not differ from the current one."""
        require(actor, KycPermission.MODEL)
        why = self.required_text(reason, "reason", "The reason for the new risk model", max_length=2000)
        if not isinstance(data, dict):
            raise ValidationError({"model": "A risk model is a JSON object (see `fidus kyc model export`)."})
        current = self.current(actor)
        latest = self._latest()
        number = (latest["number"] if latest else 0) + 1
        try:
            model = model_from_dict(data, str(number))
        except RiskError as exc:
            raise ValidationError({"model": str(exc)}) from None
        changes = model_changes(current.model, model)
        if not changes:
            raise ValidationError({"model": f"This model is the same as version {current.version}; nothing saved."})
        doc = {"number": number, "model_version": str(number), "model": model_to_dict(model), "saved_at": self.now(),
               "saved_by": actor.username, "reason": why, "changes": changes}

        def write(rec: ChangeRecorder) -> Document:
            stored = self.models.insert(doc)
            rec.record("kyc.risk_model", "kyc_risk_model", stored["_id"],
                       before={"version": current.version}, after={"version": str(number), "changes": changes,
                                                                   "reason": why})
            return stored

        stored = self.change(actor, KycPermission.MODEL, write)
        saved = ModelVersion.from_doc(stored)
        return SavedModel(saved, self.kyc.rescore(Actor.system(f"re-score with risk model {number}"), model))

    def save_country_list(self, actor: Actor, name: Any, as_of: Any, codes: Any, points: Any, reason: Any, *,
                          source: Any = None, based_on: str | None = None) -> SavedModel:
        """A new dated version of one country list (e.g. FATF's grey list after a plenary), the rest unchanged;
        a new name adds a list. ``source`` (where it was published) is kept from the version before when None.
        The date is the publication's, so not in the future; every code must be an ISO 3166 country. With
        ``based_on`` (the model version a form started from), a version saved meanwhile is refused rather than
        silently undone."""
        require(actor, KycPermission.MODEL)
        list_name = self.required_text(name, "name", "The country list's name")
        try:
            day = date.fromisoformat(str(as_of).strip())
        except ValueError:
            raise ValidationError({"as_of": f"{as_of!r} is not a date; write it as YYYY-MM-DD."}) from None
        if day > self.now().date():
            raise ValidationError({"as_of": f"{day} is in the future; give the date the list was published."})
        wanted = sorted({c.strip().upper() for c in (codes if isinstance(codes, list | tuple) else
                                                     str(codes).replace(";", ",").split(",")) if c.strip()})
        unknown = [c for c in wanted if c not in country_names()]
        if unknown:
            raise ValidationError({"codes": f"{', '.join(unknown)}: not ISO 3166 country code(s); use two letters "
                                            "such as IR for Iran."})
        current = self.current(actor)
        if based_on is not None and based_on != current.version:
            raise ValidationError({"name": f"{current.saved_by} saved risk model version {current.version} after you "
                                           f"started from version {based_on}; close this form, look at the new "
                                           "version and make your change again."})
        data = model_to_dict(current.model)
        lists = [c for c in data["country_lists"] if c["name"] != list_name]  # type: ignore[attr-defined]
        was = next((c for c in data["country_lists"] if c["name"] == list_name), None)  # type: ignore[attr-defined]
        try:
            given = int(str(points).strip()) if points not in (None, "") else (was["points"] if was else None)
        except ValueError:
            given = None
        if given is None:
            raise ValidationError({"points": f"Give the points a link to {list_name} adds (a whole number, 0-100)."})
        where = (was or {}).get("source", "") if source is None else str(source).strip()
        lists.append({"name": list_name, "as_of": day.isoformat(), "codes": wanted, "points": given, "source": where})
        data["country_lists"] = lists
        return self.save(actor, data, reason)


EXCLUDED_TERRITORIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ",  # CLDR groupings and pseudo-regions
                                  "AC", "CP", "DG", "EA", "IC", "TA"})  # reserved, not ISO 3166-1 countries


@cache
def country_names() -> dict[str, str]:
    """ISO 3166 alpha-2 code → English name (CLDR through Babel): what a country list may hold, and the names
    the form completes on."""
    return {code: name for code, name in sorted(Locale("en").territories.items())
            if len(code) == 2 and code.isalpha() and code not in EXCLUDED_TERRITORIES}
