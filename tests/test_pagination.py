"""Which page a query string asks for: anything that is not a sensible page number is page 1."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from partnerhub.pagination import Page, page_of_list, requested_page


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("2", 2),
        ("17", 17),
        ("", 1),
        ("abc", 1),
        ("-1", 1),
        ("0", 1),
        ("1.5", 1),
        ("1e3", 1),
        (" 2", 1),
        ("²", 1),
        ("99999999999999999999", 1),
        ("\x00", 1),
    ],
)
def test_page_number_from_the_query_string(raw, number):
    assert requested_page(MultiDict({"page": raw})) == number


def test_missing_page_number_is_the_first_page():
    assert requested_page(MultiDict()) == 1


def test_a_page_of_a_list_knows_its_neighbours():
    rows = list(range(60))
    first, third, beyond = (page_of_list(rows, n, per_page=25) for n in (1, 3, 9))
    assert list(first) == list(range(25))
    assert (first.has_previous, first.has_next) == (False, True)
    assert list(third) == list(range(50, 60))
    assert (third.has_previous, third.has_next) == (True, False)
    assert not beyond and beyond.is_split


def test_a_short_list_is_one_page_without_a_pager():
    page = page_of_list([1, 2], 1)
    assert list(page) == [1, 2] and not page.is_split


def test_page_links_keep_the_other_filters():
    page = Page(items=[1], number=2, has_next=True)
    args = page.arguments({"partnership_id": 4}, MultiDict({"status": "all", "page": "2"}), 3)
    assert args == {"partnership_id": 4, "status": "all", "page": 3}
