"""The compliance permissions (the compliance feature declares which roles hold them)."""

from __future__ import annotations

from enum import StrEnum


class ScreeningPermission(StrEnum):
    READ = "screening.read"  # list versions, alerts, checking typed names
    RUN = "screening.run"  # screen investors, raising alerts
    LISTS_IMPORT = "screening.lists_import"
    DECIDE = "screening.decide"  # dispositions and the second officer's confirmation


class KycPermission(StrEnum):
    READ = "kyc.read"  # cases, checklists and what is missing
    MANAGE = "kyc.manage"  # open cases, record items and risk bands, submit for review
    APPROVE = "kyc.approve"  # the second officer's approval or rejection of a submitted case
    MODEL = "kyc.model"  # save a new version of the risk model (country lists, points, bounds)
    CHECKLIST = "kyc.checklist"  # save a new version of an investor kind's KYC checklist
