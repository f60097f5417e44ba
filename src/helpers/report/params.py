"""Check notebook parameters: papermill never casts types and only warns on unknown names.

A notebook's first cell (tagged ``parameters``) holds annotated literals::

    quarter: str = "2025Q4"
    data_dir: str = "../data/sample"

and the next cell calls ``check_parameters(globals())``, which compares every annotated name with
its current value (after papermill's injected cell) and refuses, in one message, wrong types and
names papermill injected that the notebook does not know.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from helpers.errors import PumpkinError

#: Globals an IPython kernel defines by itself (never parameters).
_KERNEL_NAMES = frozenset({"In", "Out", "get_ipython", "exit", "quit", "open"})


class ParameterError(PumpkinError):
    """A notebook parameter with a wrong type or an unknown name."""


def _accepts(expected: Any, value: Any) -> bool:
    if isinstance(value, bool) and expected is not bool:
        options = expected.__args__ if isinstance(expected, types.UnionType) else (expected,)
        return bool in options
    if expected is float and isinstance(value, int):
        return True
    if (
        isinstance(expected, types.UnionType)
        and float in expected.__args__
        and isinstance(value, int)
    ):
        return True
    return isinstance(value, expected)


def _type_name(expected: Any) -> str:
    return getattr(expected, "__name__", None) or str(expected)


def _looks_like_parameter(name: str, value: Any) -> bool:
    """A literal global (what papermill injects), not a name the kernel or an import defined."""
    return (
        not name.startswith("_")
        and name not in _KERNEL_NAMES
        and (value is None or isinstance(value, str | int | float | bool | list | dict))
    )


def _refusal(check: Callable[[Any], object], value: Any) -> str | None:
    """The message of the :class:`PumpkinError` ``check(value)`` raises, or None."""
    try:
        check(value)
    except PumpkinError as exc:
        return str(exc)
    return None


def _quarter(value: str) -> str | None:
    from helpers.book.quarters import parse_quarter

    return _refusal(parse_quarter, value)


def _existing(value: str) -> str | None:
    return None if Path(value).exists() else f"{value} does not exist (from {Path.cwd()})"


def _book_path(value: str) -> str | None:
    """A book is a folder of tables or an .xlsx workbook: any other file is refused by name."""
    if not Path(value).exists():
        return _existing(value)
    if Path(value).is_file() and Path(value).suffix.lower() != ".xlsx":
        return "is a file, not a folder of tables or an .xlsx workbook: give the folder it is in"
    return None


def _optional_file(value: str) -> str | None:
    return None if not value or Path(value).is_file() else f"no file {value} (from {Path.cwd()})"


def _settings_file(value: str) -> str | None:
    """An existing settings TOML whose keys and types the settings accept."""
    from helpers.book.settings import load_settings

    missing = _optional_file(value)
    if missing or not value:
        return missing
    return _refusal(load_settings, value)


def _one_of(*choices: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if value in choices else f"must be one of {', '.join(map(repr, choices))}"

    return check


def _date(value: str) -> str | None:
    import pandas as pd

    if pd.isna(pd.to_datetime(value, errors="coerce")):
        return "must be a date such as 2026-01-12"
    return None


def _between(low: float, high: float) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if value is None or low <= value <= high:
            return None
        return f"must be between {low:g} and {high:g}"

    return check


def _beside_settings(data_dir: str) -> str | None:
    """The settings.toml beside a book (used when no settings file is given), checked."""
    from helpers.book.settings import settings_for_book

    return _refusal(settings_for_book, data_dir)


#: Value checks for the parameter names the notebooks share (run after the type checks).
VALUE_CHECKS: Mapping[str, Callable[[Any], str | None]] = types.MappingProxyType(
    {
        "quarter": _quarter,
        "data_dir": _book_path,
        "settings_file": _settings_file,
        "prune_percentile": _between(0, 100),
        "value_threshold": _between(0, 100),
        "headache_threshold": _between(0, 100),
        "history_quarters": _between(1, 40),
        "utilisation": _between(0, 1),
        "plans_format": _one_of("md", "html"),
        "start_date": _date,
    }
)


def check_parameters(namespace: Mapping[str, Any], *, notebook: str = "") -> dict[str, Any]:
    """The annotated parameters of ``namespace`` (a notebook's ``globals()``) after checking them.

    Raises :class:`ParameterError` naming every parameter of the wrong type (e.g. ``quarter``
    given as the int 2024) and every unknown name (a misspelt ``-p quartr 2025Q4``), a
    ``data_dir`` that is a file rather than a book, and a settings file with an unknown key or
    a wrong type. The returned ``quarter`` is in its canonical spelling (``2025q4`` -> ``2025Q4``).
    """
    annotations = dict(namespace.get("__annotations__", {}))
    if not annotations:
        raise ParameterError("no annotated parameters found: the parameters cell must run first")
    where = f"{notebook}: " if notebook else ""
    problems = []
    for name, expected in annotations.items():
        value = namespace.get(name)
        if not _accepts(expected, value):
            problems.append(
                f"parameter '{name}' must be {_type_name(expected)}, got "
                f"{type(value).__name__} {value!r} (papermill does not cast: pass a string with -r, "
                f"or the right type with -p / a dict)"
            )
    unknown = sorted(
        n for n, v in namespace.items() if n not in annotations and _looks_like_parameter(n, v)
    )
    if unknown:
        problems.append(
            f"unknown parameter(s) {', '.join(repr(n) for n in unknown)}; "
            f"known: {', '.join(annotations)}"
        )
    if not problems:
        for name, check in VALUE_CHECKS.items():
            message = check(namespace[name]) if name in annotations else None
            if message:
                problems.append(f"parameter '{name}' = {namespace[name]!r}: {message}")
    if not problems and "data_dir" in annotations and not namespace.get("settings_file"):
        message = _beside_settings(namespace["data_dir"])  # settings.toml beside the book
        if message:
            problems.append(f"parameter 'data_dir' = {namespace['data_dir']!r}: {message}")
    if problems:
        raise ParameterError(where + "; ".join(problems))
    params = {name: namespace[name] for name in annotations}
    if isinstance(params.get("quarter"), str):  # 2025q4 and "2025 Q4" mean 2025Q4
        from helpers.book.quarters import normalise_quarter

        params["quarter"] = normalise_quarter(params["quarter"])
    return params


def settings_from_parameters(params: Mapping[str, Any]):
    """The settings a notebook runs with: the settings file (or ``settings.toml`` beside the book,
    or the defaults), overridden by the notebook's threshold parameters that are not None."""
    from helpers.book.settings import settings_for_book

    settings = settings_for_book(params.get("data_dir") or None, params.get("settings_file"))
    overrides = {
        name: params[name]
        for name in ("prune_percentile", "value_threshold", "headache_threshold")
        if params.get(name) is not None
    }
    return settings.replace(**overrides)
