"""CRM use cases: the pipeline's stages, prospects with duplicate checks, stage moves with their log, and
conversion of a won prospect into an investor."""

from __future__ import annotations

from enum import StrEnum


class CrmPermission(StrEnum):
    READ = "crm.read"
    MANAGE = "crm.manage"
    STAGES = "crm.stages"  # edit the pipeline's stages and lost reasons
    COMMISSIONS = "crm.commissions"  # approve referral agents' commission statements and mark them paid
    GOOGLE = "crm.google"  # connect one's Google account; e-mail, meetings and Drive through the outbox
