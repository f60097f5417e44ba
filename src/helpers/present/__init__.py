"""Words and tables for people: text, display tables, anonymised names.

This package only groups modules; import from them directly."""
