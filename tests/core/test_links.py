"""record_url (prevent_portal.core.links): the address ``reverse`` gives, for every named URL
of the project whose ids are whole numbers, so a table or menu may use it anywhere
``{% url %}`` would be used; and it resolves each pattern once, not once a row."""

from __future__ import annotations

from unittest import mock

import pytest
from django.template import Context, Template
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.urls.resolvers import RoutePattern

from prevent_portal.core import links
from prevent_portal.core.links import record_url


def _named_patterns(resolver=None, namespace: str = "", converters=None):
    """(name, number of ids) of every named ``path()`` whose every converter is ``int``
    (patterns written as regular expressions, such as the admin's, are left out)."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if not isinstance(entry.pattern, RoutePattern):
            continue
        found = {**(converters or {}), **entry.pattern.converters}
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _named_patterns(entry, inner, found)
        elif (
            isinstance(entry, URLPattern)
            and entry.name
            and all(isinstance(c, IntConverter) for c in found.values())
        ):
            yield f"{namespace}{entry.name}", len(found)


def test_every_whole_number_route_gets_the_address_reverse_gives():
    routes = sorted(set(_named_patterns()))
    assert len(routes) > 100  # the walk found the project's routes
    for name, count in routes:
        for ids in ([1] * count, [7, 42, 3][:count], [123456, 0, 99][:count]):
            expected = reverse(name, args=ids)
            assert record_url(name, *ids) == expected, name


def test_each_pattern_is_resolved_once_not_once_a_row():
    links._formats.clear()
    with mock.patch.object(links, "reverse", wraps=reverse) as reversing:
        addresses = [record_url("training:return_detail", pk) for pk in range(1, 76)]
    assert reversing.call_count == 1
    assert addresses[41] == reverse("training:return_detail", args=[42])


@pytest.mark.parametrize("ids", [("a",), (None,), (-1,), (True,)])
def test_anything_but_whole_number_ids_goes_through_reverse(ids):
    with mock.patch.object(links, "reverse", return_value="/reversed/") as reversing:
        assert record_url("training:return_detail", *ids) == "/reversed/"
    reversing.assert_called_once_with("training:return_detail", args=ids)


def test_the_template_tag_gives_the_address():
    template = Template("{% load record_links %}{% record_url 'training:return_detail' pk %}")
    assert template.render(Context({"pk": 12})) == reverse("training:return_detail", args=[12])
