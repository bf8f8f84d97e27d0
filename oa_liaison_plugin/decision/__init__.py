"""The decision: resolve the issuer, apply the content rules, qualify, record one decision, backfill."""
