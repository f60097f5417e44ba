"""Vectorised helpers over coded text columns: work on the distinct values, broadcast by codes.

Exports repeat the same dates, names, durations and flags on many rows, so every parser here
runs once per distinct value and the result is taken back to the rows. This keeps a 1M-row
import close to the cost of reading the file.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def coded(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """(codes, distinct texts) of a text column; blanks and missing values become ''."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        uniques = pd.Series(values.cat.categories, dtype="str")
    else:
        codes, found = pd.factorize(values, use_na_sentinel=True)
        uniques = pd.Series(np.asarray(found, dtype=object), dtype="str")
    if (codes < 0).any():
        codes = np.where(codes < 0, len(uniques), codes)
        uniques = pd.concat([uniques, pd.Series([""], dtype="str")], ignore_index=True)
    return codes, uniques.str.strip()  # Arrow strings: the text methods run in C


def recode(values: pd.Series, func: Callable[[pd.Series], pd.Series]) -> pd.Categorical:
    """``func`` applied to the distinct texts, as a categorical of the rows (None -> missing)."""
    codes, uniques = coded(values)
    mapped = func(uniques).reset_index(drop=True)
    new_codes, new_uniques = pd.factorize(mapped, use_na_sentinel=True)
    return pd.Categorical.from_codes(
        _row_codes(new_codes, codes), categories=pd.Index(new_uniques, dtype=object)
    )


def _row_codes(new_codes: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Each row's code among the mapped values: its own code when the mapping kept every
    distinct value apart (the usual case; no pass over the rows), else looked up."""
    if np.array_equal(new_codes, np.arange(len(new_codes))):
        return codes
    return new_codes[codes] if len(codes) else codes


def take(values: pd.Series, func: Callable[[pd.Series], pd.Series]) -> np.ndarray:
    """``func`` (text -> numbers) applied to the distinct texts, as a float array of the rows."""
    if pd.api.types.is_float_dtype(values.dtype):  # read as numbers already
        return values.to_numpy(dtype="float64")
    codes, uniques = coded(values)
    numbers = pd.to_numeric(func(uniques), errors="coerce").to_numpy(dtype="float64")
    return numbers[codes] if len(codes) else np.empty(0, dtype="float64")


def number_codes(
    values: pd.Series, func: Callable[[pd.Series], pd.Series]
) -> tuple[np.ndarray, np.ndarray]:
    """(each row's code among the distinct numbers, -1 for none; those numbers), with ``func``
    (text -> numbers) applied to the distinct texts only."""
    if pd.api.types.is_float_dtype(values.dtype):  # read as numbers already
        codes, numbers = pd.factorize(values.to_numpy(dtype="float64"), use_na_sentinel=True)
        return codes, np.asarray(numbers, dtype="float64")
    codes, uniques = coded(values)
    parsed = pd.to_numeric(func(uniques), errors="coerce").to_numpy(dtype="float64")
    new_codes, numbers = pd.factorize(parsed, use_na_sentinel=True)
    return _row_codes(new_codes, codes), np.asarray(numbers, dtype="float64")


def text(values: pd.Series) -> np.ndarray:
    """The rows as a plain object array of stripped text ('' for blanks)."""
    codes, uniques = coded(values)
    return uniques.to_numpy(dtype=object)[codes] if len(codes) else np.empty(0, dtype=object)


def _plain_numbers(texts: pd.Series, slow: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """Plain numbers parsed at once; only the other texts go through ``slow``."""
    texts = texts.astype("str").str.strip()
    numbers = pd.to_numeric(texts.mask(texts.eq(""), None), errors="coerce").astype("float64")
    other = numbers.isna() & texts.ne("")
    if other.any():
        numbers[other] = slow(texts[other]).astype("float64")
    return numbers


def money(texts: pd.Series) -> pd.Series:
    """Numbers from money texts: '1,200.00', '$1,200.00', '(50.00)', '-50', '225,00'.

    A comma followed by one or two final digits is a decimal comma (older European exports);
    otherwise commas group thousands. NaN when the text is not money.
    """
    return _plain_numbers(texts, _money)


def _money(cleaned: pd.Series) -> pd.Series:
    decimal_comma = cleaned.str.fullmatch(r"[^.,]*\d,\d{1,2}")  # '225,00' (not '1,200')
    cleaned = cleaned.where(~decimal_comma, cleaned.str.replace(",", ".", regex=False))
    negative = cleaned.str.startswith("(") & cleaned.str.endswith(")")
    cleaned = cleaned.str.replace(r"[()\s,$€£¥]|[A-Z]{3}", "", regex=True)
    numbers = pd.to_numeric(cleaned.mask(cleaned.eq(""), None), errors="coerce")
    return numbers.where(~negative, -numbers)


def decimal(texts: pd.Series) -> pd.Series:
    """Numbers from decimal texts, accepting a decimal comma ('1,5') as older exports write it."""
    return _plain_numbers(texts, _decimal)


def _decimal(cleaned: pd.Series) -> pd.Series:
    comma = cleaned.str.contains(",", regex=False) & ~cleaned.str.contains(".", regex=False)
    cleaned = cleaned.where(~comma, cleaned.str.replace(",", ".", regex=False))
    return pd.to_numeric(cleaned.str.replace(",", "", regex=False), errors="coerce")


def flag(texts: pd.Series) -> pd.Series:
    """'Yes'/'No'-style flags as 'true'/'false' text (blank stays blank, other text kept)."""
    words = texts.astype(str).str.strip().str.lower()
    return words.map(
        {
            "yes": "true",
            "no": "false",
            "true": "true",
            "false": "false",
            "y": "true",
            "n": "false",
            "1": "true",
            "0": "false",
        }
    ).fillna(words)


def joined(first: pd.Series, second: pd.Series, sep: str = " ") -> pd.Categorical:
    """Two text columns joined per row ('Ann' + 'Lee' -> 'Ann Lee'), computed per distinct pair."""
    a_codes, a = coded(first)
    b_codes, b = coded(second)
    pair = a_codes.astype("int64") * (len(b) + 1) + b_codes
    pair_codes, pairs = pd.factorize(pair)
    texts = (
        a.to_numpy(dtype=object)[pairs // (len(b) + 1)]
        + sep
        + b.to_numpy(dtype=object)[pairs % (len(b) + 1)]
    )
    texts = pd.Series(texts, dtype=object).str.strip()
    codes, uniques = pd.factorize(texts)
    return pd.Categorical.from_codes(codes[pair_codes], categories=pd.Index(uniques, dtype=object))


def numbers_and_text(
    values: pd.Series, func: Callable[[pd.Series], pd.Series]
) -> tuple[np.ndarray, pd.Categorical]:
    """``func`` (text -> numbers) per distinct text: the row numbers and their text form."""
    codes, uniques = coded(values)
    numbers = pd.to_numeric(func(uniques), errors="coerce").to_numpy(dtype="float64")
    new_codes, new_uniques = pd.factorize(float_texts(numbers))
    row_numbers = numbers[codes] if len(codes) else np.empty(0)
    return row_numbers, pd.Categorical.from_codes(
        _row_codes(new_codes, codes), categories=pd.Index(new_uniques, dtype=object)
    )


def float_texts(numbers: np.ndarray) -> np.ndarray:
    """Python's ``str`` of each float (None for NaN), as ``astype(str)`` gives, but fast.

    Arrow formats plain-notation floats as Python does except that integral values lack the
    '.0'; it is used in the range where that is the only difference (checked on millions of
    values), Python's own formatting elsewhere.
    """
    size = np.abs(numbers)
    if ((numbers == 0) | ((size >= 1e-4) & (size < 1e6)) | np.isnan(numbers)).all():
        texts = pc.cast(pa.array(numbers, from_pandas=True), pa.string())
        integral = pa.array(np.floor(numbers) == numbers)
        texts = pc.if_else(integral, pc.binary_join_element_wise(texts, ".0", ""), texts)
        return texts.to_numpy(zero_copy_only=False)
    return np.asarray([str(x) if x == x else None for x in numbers.tolist()], dtype=object)
