"""What saving a risk model version changes: the model, and every scored case (re-scored with it)."""

MODEL_CHANGES = frozenset({"kyc_risk_model", "kyc_case"})
