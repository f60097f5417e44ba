"""The audit: measures per client (measures), value and headache scores and segments (scores), the action rules (rules).

This package only groups modules; import from them directly."""
