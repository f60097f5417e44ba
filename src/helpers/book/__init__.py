"""The canonical client book: schema, validation, loading, settings, quarters and the demo generator.

This package only groups modules; import from them directly."""
