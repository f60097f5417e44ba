"""Errors the kit reports to a person: each names the file, and the row and column when known."""

from __future__ import annotations


class PumpkinError(Exception):
    """A problem the user can fix; the CLI prints it in one line and exits with code 2."""

    exit_code = 2

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback (notebooks, widgets): the one-line message."""
        return [f"{type(self).__name__}: {self}"]


class BookError(PumpkinError):
    """A file-level problem in the input: the message names the file (and the column/row if known)."""

    def __init__(
        self, reason: str, *, file: object = None, column: str | None = None, row: int | None = None
    ) -> None:
        self.reason, self.file, self.column, self.row = reason, file, column, row
        where = [
            f"file {file}" if file is not None else None,
            f"row {row}" if row is not None else None,
            f"column '{column}'" if column is not None else None,
        ]
        super().__init__(", ".join(w for w in where if w) + (": " if any(where) else "") + reason)


class SettingsError(PumpkinError):
    """A settings file or parameter with a wrong name, type or range."""
