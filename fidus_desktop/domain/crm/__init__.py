"""CRM rules without storage or Qt: the pipeline's stages and moves, duplicate matching, follow-up
activities, referral-agent commissions, funnel figures and the Google outbox's retry policy."""
