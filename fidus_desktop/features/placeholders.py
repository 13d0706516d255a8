"""Compliance and Signing: tabs that say what is coming until their features land (later issues).

Each will replace its line here with a package of its own, as in the worked example of docs/DEVELOPERS.md.
"""

from __future__ import annotations

from fidus_desktop.features.spec import Feature, TabDecl

COMPLIANCE = Feature(
    name="compliance", tab=TabDecl("compliance", "Compliance", note="KYC/AML files, risk scoring and screening.")
)
SIGNING = Feature(
    name="signing", tab=TabDecl("signing", "Signing", note="Signature capture, signed PDFs and validation.")
)
