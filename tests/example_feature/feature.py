"""Everything the Memos feature plugs in, in one place."""

from __future__ import annotations

from fidus_desktop.config.settings import Setting, at_least
from fidus_desktop.features.spec import Feature, TabDecl
from fidus_desktop.services.permissions import Role
from tests.example_feature.service import MemoPermission, MemoService

READ, WRITE = MemoPermission.READ, MemoPermission.WRITE

MEMOS = Feature(
    name="memos",
    services={"memos": lambda w: MemoService(w.ctx, w.setting("memos.max_length"))},
    permissions=(READ, WRITE),
    grants={Role.PORTFOLIO_MANAGER: frozenset({READ, WRITE}), Role.COMPLIANCE_OFFICER: frozenset({READ}),
            Role.BACK_OFFICE: frozenset({READ})},
    tab=TabDecl("memos", "Memos", "tests.example_feature.tab:MemosTab", permission=READ),
    cli=("tests.example_feature.cli",),
    demo=((60, "tests.example_feature.demo:demo_memos"),),
    settings=(Setting("memos.max_length", int, 2000, "longest memo, in characters", at_least(1)),),
    announces=("memo",),
)
