"""The validation's fast paths give what the general ones give, value for value and reason for
reason (plain ISO dates by Arrow's cast, keys checked for repeats only when some repeat)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.book import validate
from helpers.book.schema import TABLES, Column
from helpers.book.validate import RowChecks, coerce_column

DATE = Column("date", "date", required=True)


def _general_dates(text: pd.Series) -> pd.Series:
    parsed = validate._strptime(validate._arrow(text), "%Y-%m-%d")
    return validate._series(parsed, text.index, "datetime64[ns]")


def _coerced(values: list[str], column: Column = DATE):
    text = pd.Series(values, dtype="str")
    checks = RowChecks(pd.DataFrame({column.name: text}))
    return coerce_column(text, column, checks, None), checks


def test_plain_iso_dates_take_the_cast_and_match_strptime():
    values = ["2025-01-05", "2024-02-29", "1999-12-31", "2025-01-05"]
    assert validate._iso_dates(validate._arrow(pd.Series(values, dtype="str"))) is not None
    dates, checks = _coerced(values)
    pd.testing.assert_series_equal(dates, _general_dates(pd.Series(values, dtype="str")))
    assert checks.ok.all()


def test_blank_dates_are_missing_on_the_fast_path_too():
    optional = Column("paid_date", "date")
    dates, checks = _coerced(["2025-01-05", "", "2025-03-01"], optional)
    assert validate._iso_dates(validate._arrow(pd.Series(["2025-01-05", ""], dtype="str")))[1] < 0
    assert dates.isna().tolist() == [False, True, False]
    assert checks.ok.all()


def test_anything_but_plain_iso_goes_the_general_way_with_the_same_results():
    values = ["2025-01-05", "2025-1-5", "2025-02-30", "05/01/2025", "", "2025-01-05 "]
    text = pd.Series(values, dtype="str")
    assert validate._iso_dates(validate._arrow(text)) is None
    dates, checks = _coerced(values)
    expected = _general_dates(text)
    pd.testing.assert_series_equal(dates, expected)
    assert dates.iloc[1] == pd.Timestamp("2025-01-05")  # strptime's reading, kept
    assert checks.ok.tolist() == [True, True, True, False, False, False]
    assert checks.reason.iloc[3] == "not a date (expected YYYY-MM-DD)"
    assert checks.reason.iloc[4] == "missing value (required)"


def test_repeated_keys_are_still_rejected_after_the_first():
    raw = pd.DataFrame(
        {"person": ["Ann", "Bo", "Ann", "Cy", "Bo"], "cost_rate": ["50", "60", "70", "80", "90"]}
    )
    clean, ledger = validate.validate_table(
        raw, TABLES["people"], source="people.csv", rows=np.arange(2, 7)
    )
    assert clean["person"].tolist() == ["Ann", "Bo", "Cy"]
    assert ledger["row"].tolist() == [4, 6]
    assert ledger["reason"].tolist() == [
        "duplicate person (first at row 2)",
        "duplicate person (first at row 3)",
    ]


def test_a_table_without_rejects_has_an_empty_ledger_with_the_columns():
    raw = pd.DataFrame({"person": ["Ann", "Bo"], "cost_rate": ["50", "60"]})
    clean, ledger = validate.validate_table(
        raw, TABLES["people"], source="people.csv", rows=np.arange(2, 4)
    )
    assert len(clean) == 2 and ledger.empty
    assert list(ledger.columns) == list(validate.empty_ledger().columns)
