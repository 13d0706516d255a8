"""Compliance use cases: sanctions and PEP list versions (``lists``), screening with alerts and four-eyes
dispositions (``screening``). Pure rules live in ``domain.compliance``; file readers in
``integrations.sanctions``."""
