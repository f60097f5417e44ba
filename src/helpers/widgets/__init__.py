"""Interactive widgets for the notebooks: the patch explorer and the pruning planner.

This package only groups modules; import from them directly."""
