"""jsontext.dumps gives exactly json.dumps(ensure_ascii=False, indent=n)."""

from __future__ import annotations

import json
import math

from hypothesis import given, strategies as st

from ssg.jsontext import dumps

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4)
                      | st.tuples(inner, inner), max_leaves=30)


@given(values, st.integers(min_value=0, max_value=3))
def test_same_text_as_json_dumps(value, indent):
    assert dumps(value, indent) == json.dumps(value, ensure_ascii=False, indent=indent)


def test_unusual_values_fall_back_to_json():
    for value in ({1: "a", "b": [True]}, [math.inf], {"x": math.nan}, {None: 0}):
        assert dumps(value) == json.dumps(value, ensure_ascii=False, indent=1)


def test_hostile_strings():
    value = {"a\u2028b": ["</script>", "\x00\x1f\"\\", "é\ud800", "\U0001f600"], "": {}, "l": []}
    assert dumps(value) == json.dumps(value, ensure_ascii=False, indent=1)
