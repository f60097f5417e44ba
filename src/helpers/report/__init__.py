"""Quarterly reports: notebook parameters and rendering with papermill and nbconvert.

This package only groups modules; import from them directly."""
