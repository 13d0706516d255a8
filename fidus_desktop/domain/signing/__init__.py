"""Electronic signing rules without storage or Qt: envelopes, signers, fields and their statuses."""
