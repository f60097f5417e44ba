"""The CSV loader trims a column only when a value may be padded; the result is always the
same as trimming every value (issue 19)."""

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from helpers.book.load import _may_have_padding, _trimmed

CASES = [
    (["a", " b"], True),
    (["a", "b\t"], True),
    (["a", "b\r"], True),
    (["x", "é"], True),  # non-ASCII: might be Unicode whitespace, so trimmed
    (["a\u00a0", "b"], True),
    (["\u2003a", "b"], True),
    (["", "", ""], False),
    (["ok", "", "fine", "2025-01-02"], False),
    (["C00001", "3.5", "true"], False),
]


@pytest.mark.parametrize(("values", "padded"), CASES)
def test_trimmed_is_a_full_trim(values, padded):
    whole = pa.array(values)
    column = pa.chunked_array([whole, whole.slice(1), whole.slice(0, 1)])
    assert _may_have_padding(column) is padded
    assert _trimmed(column).to_pylist() == pc.utf8_trim_whitespace(column).to_pylist()


def test_padding_found_in_a_sliced_chunk_only():
    column = pa.chunked_array([pa.array(["a", "b", " c", "d"]).slice(2)])
    assert _may_have_padding(column)
    assert _trimmed(column).to_pylist() == ["c", "d"]
