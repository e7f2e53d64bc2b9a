"""Row links built from one pattern are the addresses url_for builds."""

from __future__ import annotations

import pytest
from flask import Flask, url_for

from partnerhub.links import row_urls

IDS = (1, 2, 9, 10, 12, 123_456)


@pytest.mark.parametrize("partnership_id", (1, 2, 12, 10_000))
@pytest.mark.parametrize("endpoint", ("partnerships.edit_member", "partnerships.remove_member"))
def test_each_row_gets_the_address_url_for_gives(app, endpoint, partnership_id):
    with app.test_request_context():
        url = row_urls(endpoint, "membership_id", partnership_id=partnership_id)
        for row_id in IDS:
            expected = url_for(endpoint, partnership_id=partnership_id, membership_id=row_id)
            assert url(row_id) == expected


def test_an_id_the_route_does_not_take_goes_in_the_query_as_url_for_puts_it(app):
    with app.test_request_context():
        url = row_urls("partnerships.roster", "highlight", partnership_id=3)
        for row_id in IDS:
            assert url(row_id) == url_for("partnerships.roster", partnership_id=3, highlight=row_id)
        assert url(12) == "/partnerships/3/roster?highlight=12"


def test_a_route_whose_rows_have_no_one_pattern_is_refused():
    """The first page has an address of its own: the rows' addresses are not one pattern."""
    app = Flask(__name__)
    app.add_url_rule("/pages/", "pages", defaults={"number": 1})
    app.add_url_rule("/pages/<int:number>", "pages")
    with app.test_request_context(), pytest.raises(ValueError, match="differ by more than"):
        row_urls("pages", "number")
