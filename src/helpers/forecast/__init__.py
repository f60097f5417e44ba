"""Future potential per client: expected revenue over the next four quarters.

This package only groups modules; import from them directly."""
