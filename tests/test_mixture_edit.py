"""Editing a custom mixture by clicks (playground/datasets/mixture_edit.py): pure string functions."""
import numpy as np
import pytest

from playground.datasets.mixture_edit import (MAX_COMPONENTS, clear, click, components, format_component,
                                              format_mixture, rows)
from playground.datasets.toy import TOY, parse_mixture
from playground.errors import ConfigError

TWO = "0.5, -2, 0, 0.3; 0.5, 2, 0, 0.3"


def test_a_click_away_from_every_centre_adds_a_component_there():
    new, what = click(TWO, 2, (0.0, 1.5), sigma=0.4, weight=2.0, radius=0.5)
    assert what == "added"
    assert new == "0.5, -2, 0, 0.3; 0.5, 2, 0, 0.3; 2, 0, 1.5, 0.4"


def test_a_click_near_centres_removes_the_nearest_one_only():
    new, what = click(TWO, 2, (1.7, 0.2), sigma=0.2, weight=1.0, radius=2.0)  # (2, 0) is 0.36 away
    assert what == "removed" and new == "0.5, -2, 0, 0.3"
    three = "1, 0, 0, 0.3; 1, 0.5, 0, 0.3; 1, 5, 5, 0.3"
    new, _ = click(three, 2, (0.4, 0.0), 0.2, 1.0, radius=1.0)  # (0, 0) and (0.5, 0) are in reach
    assert new == "1, 0, 0, 0.3; 1, 5, 5, 0.3"


def test_the_radius_is_inclusive_and_a_click_just_outside_adds():
    assert click(TWO, 2, (2.5, 0), 0.2, 1.0, radius=0.5)[1] == "removed"
    new, what = click(TWO, 2, (2.51, 0), 0.2, 1.0, radius=0.5)
    assert what == "added" and new.endswith("; 1, 2.51, 0, 0.2")


def test_one_dimension_uses_the_x_of_the_click():
    new, what = click("1, 0, 1", 1, (3.0, 99.0), sigma=0.5, weight=2.0, radius=0.2)  # y is ignored in 1D
    assert (new, what) == ("1, 0, 1; 2, 3, 0.5", "added")
    assert click(new, 1, (2.9,), 0.5, 2.0, radius=0.2) == ("1, 0, 1", "removed")
    w, m, s = parse_mixture(new, 1)
    np.testing.assert_allclose(m[:, 0], [0, 3])


def test_numbers_are_rounded_to_two_decimals_and_never_print_minus_zero():
    new, _ = click("", 2, (-2.0049, -0.001), sigma=0.2999, weight=1 / 3, radius=0.1)
    assert new == "0.33, -2, 0, 0.3"
    assert format_component(0.5, (-2, 0), 0.3) == "0.5, -2, 0, 0.3"
    assert format_component(1, 1.234567, 0.05) == "1, 1.23, 0.05"


def test_the_rows_a_click_does_not_touch_keep_their_text():
    typed = "1, 0.123456, 0, 0.004; 1, 5, 5, 0.3"  # a σ of 0.004 must not round to 0
    new, _ = click(typed, 2, (5, 5), 0.2, 1.0, radius=0.5)
    assert new == "1, 0.123456, 0, 0.004"
    assert click(typed, 2, (-3, 3), 0.2, 1.0, 0.5)[0].startswith("1, 0.123456, 0, 0.004; 1, 5, 5, 0.3; ")


def test_removing_the_last_component_and_clear_give_the_empty_mixture():
    assert click("1, 0, 0, 0.3", 2, (0.1, 0), 0.2, 1.0, 0.5) == ("", "removed")
    assert clear() == ""
    w, m, s = components(clear(), 2)
    assert w.size == 0 and m.shape == (0, 2) and s.size == 0
    assert click(clear(), 2, (1, 1), 0.2, 1.0, 0.5) == ("1, 1, 1, 0.2", "added")  # not the default + 1
    assert rows(" ; \n ;") == []


def test_a_mixture_holds_at_most_fifty_components():
    full = format_mixture(np.ones(MAX_COMPONENTS), np.stack([np.arange(50) * 1.0, np.zeros(50)], 1),
                          np.full(50, 0.1))
    assert len(rows(full)) == 50
    with pytest.raises(ConfigError, match="has 50 components, the most it may have") as e:
        click(full, 2, (0.5, 3), 0.2, 1.0, 0.1)
    assert e.value.field == "mixture"
    assert len(rows(click(full, 2, (7, 0), 0.2, 1.0, 0.1)[0])) == 49, "removing still works when full"


def test_bad_input_is_a_sentence():
    with pytest.raises(ConfigError, match="component 2 .* needs 4 numbers"):
        click("1, 0, 0, 0.3; 1, 2", 2, (1, 1), 0.2, 1.0, 0.5)
    with pytest.raises(ConfigError, match="not a point of the chart"):
        click(TWO, 2, (float("nan"), 0), 0.2, 1.0, 0.5)
    with pytest.raises(ConfigError, match="at least 0.01"):
        click(TWO, 2, (1, 1), 0.001, 1.0, 0.5)


def test_what_a_click_writes_round_trips_through_parse_mixture_and_the_dataset():
    m = ""
    for at in [(-2.345, 0.5), (1.0, -1.0), (3.14159, 2.71828)]:
        m, _ = click(m, 2, at, 0.25, 1.5, 0.1)
    w, means, s = parse_mixture(m, 2)
    np.testing.assert_allclose(means, [[-2.35, 0.5], [1.0, -1.0], [3.14, 2.72]], atol=0.006)
    assert format_mixture(w, means, s) == m
    ds = TOY["custom2d"](mixture=m)
    np.testing.assert_allclose(ds.weights, [1 / 3] * 3)
    assert ds.modes.centers.shape == (3, 2)
