"""Decisions on top of the audit: the metric contract, pruning, offboarding plans, prospect screens.

This package only groups modules; import from them directly."""
