"""A test of the request's path read on a route's path template (auth/request_path.py): true when every path the
template makes meets it, false when none does, None when that depends on the path parameters."""

from __future__ import annotations

import pytest

from routeguard_lint.auth.request_path import on
from routeguard_lint.routes.middleware import PathTest

CONTAINS = (PathTest.CONTAINS, ("/alerts/event",))
ENDS = (PathTest.ENDS, ("/alerts/event/cloudwatch",))
STARTS = (PathTest.STARTS, ("/public/", "/static/"))
EQUALS = (PathTest.EQUALS, ("/alerts/event",))


@pytest.mark.parametrize("test, template, value", [
    (CONTAINS, "/alerts/event", True),
    (CONTAINS, "/alerts/event/{provider_type}", True),
    (CONTAINS, "/incidents/{incident_id}", False),
    (CONTAINS, "/alerts/query", False),
    (CONTAINS, "/alerts/{fingerprint}/history", None),  # fingerprint = "event"
    (CONTAINS, "/providers/{a}/{b}", None),  # "alerts" and "event"
    (CONTAINS, "/x/{rest:path}", None),  # a path parameter may hold "/"
    (ENDS, "/alerts/event/{provider_type}", None),  # provider_type = "cloudwatch"
    (ENDS, "/alerts/{fingerprint}", False),  # one segment cannot hold "event/cloudwatch"
    (ENDS, "/alerts/event/cloudwatch", True),
    (STARTS, "/public/{name}", True),
    (STARTS, "/{section}/boards", None),
    (STARTS, "/api/{section}", False),
    (EQUALS, "/alerts/{fingerprint}", None),
    (EQUALS, "/alerts/{fingerprint}/history", False),
    (EQUALS, "/alerts/event", True),
    (CONTAINS, "/{?prefix}/items", None),  # a path the analysis could not read decides nothing
])
def test_a_path_test_on_a_route_template(test: tuple[PathTest, tuple[str, ...]], template: str,
                                         value: bool | None) -> None:
    assert on(test, template) is value
