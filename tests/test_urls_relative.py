"""urls.relative and urls.year_of: the fast paths agree with the standard library."""

from __future__ import annotations

import datetime as dt
import posixpath

from hypothesis import given, settings
from hypothesis import strategies as st

from ssg import urls

_PART = st.sampled_from(["a", "b", "authors", "a1b2", "2023.md", "index.md", "x.md", ".", "..", ""])
_PATH = st.lists(_PART, min_size=1, max_size=4).map("/".join).filter(bool)


@settings(max_examples=2000, deadline=None)
@given(_PATH, _PATH)
def test_relative_is_posixpath_relpath_from_the_folder(from_path, to_path):
    here = from_path.rpartition("/")[0]
    if "/" not in here and "/" not in to_path.rpartition("/")[0]:
        return  # the one-level layout has its own rule (tested by the pages)
    assert urls.relative(from_path, to_path) == posixpath.relpath(to_path, here or ".")


def test_relative_between_year_pages_and_other_pages():
    assert urls.relative("authors/a1/2023.md", "series/s1.md") == "../../series/s1.md"
    assert urls.relative("authors/a1/2023.md", "authors/a1.md") == "../a1.md"
    assert urls.relative("authors/a1/2023.md", "authors/a1/2022.md") == "2022.md"
    assert urls.relative("digests/2024/index.md", "digests/2024-W01.md") == "../2024-W01.md"


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_year_of_is_the_clamped_utc_year(ts):
    clamped = min(max(ts, 0), 253402300799)
    assert urls.year_of(ts) == dt.datetime.fromtimestamp(clamped, dt.timezone.utc).year
