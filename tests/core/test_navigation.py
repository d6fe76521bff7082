"""The header's sections and each section's secondary navigation (issue 15, navigation)."""

import re
from itertools import combinations

import pytest
from django.urls import reverse

from prevent_portal.accounts.models import Role
from prevent_portal.core import navigation
from prevent_portal.core.navigation import (
    MAX_HEADER_LINKS,
    SECTIONS,
    NavItem,
    navigation_for,
    registered_items,
    sections_for_roles,
)
from tests.conftest import sign_in
from tests.permissions.urlwalk import all_routes

# The system administrator may hold no case role (accounts.E002): every other combination
# can be held by one person.
CASE_AND_OVERSIGHT = [r for r in Role.values if r != Role.SYSADMIN]
COMBINATIONS = [
    set(combo)
    for size in range(1, len(CASE_AND_OVERSIGHT) + 1)
    for combo in combinations(CASE_AND_OVERSIGHT, size)
] + [{Role.SYSADMIN}]
ADMIN = "Administration"


def _menu_sections(roles):
    return [section for section, _ in sections_for_roles(roles) if section.in_menu]


def test_no_role_or_combination_of_roles_sees_more_than_six_header_links():
    widest = max(COMBINATIONS, key=lambda roles: len(_menu_sections(roles)))
    # Home, then the sections ("Your account" sits by "Sign out", outside the menu).
    assert len(_menu_sections(widest)) + 1 <= MAX_HEADER_LINKS == 6, widest


@pytest.mark.parametrize("role", Role.values)
def test_every_role_has_a_section_and_each_section_a_link(role):
    sections = sections_for_roles({role})
    assert _menu_sections({role}), role
    assert all(items for _, items in sections)


def test_every_registered_link_belongs_to_a_known_section():
    items = registered_items()
    assert len(items) >= 20
    unknown = [(i.url_name, i.section) for i in items if i.section not in SECTIONS]
    assert unknown == []
    # Every section has something in it for somebody.
    assert {i.section for i in items} == set(SECTIONS)


def test_a_link_without_a_known_section_is_refused_at_registration():
    with pytest.raises(ValueError, match="unknown navigation section"):
        navigation.register(
            NavItem(label="Stray", url_name="core:home", roles=frozenset({Role.COORDINATOR}))
        )


def test_every_page_of_the_case_apps_belongs_to_a_section():
    """A new page lands in its app's section without anyone remembering to add it."""
    sample = {"pk": 1, "item_pk": 1, "decision_pk": 1, "invitee_pk": 1, "consent_pk": 1,
              "flag_pk": 1, "action_pk": 1, "review_pk": 1, "match_pk": 1, "grant_pk": 1,
              "kind": "user", "register": "ctlp-briefings"}  # fmt: skip
    namespaces = {"referrals", "channel_panel", "training", "governance", "audit"}
    homeless = []
    for route in all_routes():
        namespace = route.key.split(":")[0]
        if namespace not in namespaces:
            continue
        # Any other record's key is a number too (a new sub-record needs no entry here).
        kwargs = {p: sample.get(p, 1) if p.endswith("_pk") else sample[p] for p in route.params}
        path = reverse(route.key, kwargs=kwargs)
        if navigation._section_of(path, namespace) is None:
            homeless.append(route.key)
    assert homeless == []


def _current(nav):
    section = nav.current_section
    if section is None:
        return None, None
    link = next((link for link in section.links if link.current), None)
    return section.label, link and (link.label, link.current)


@pytest.mark.parametrize(
    ("url_name", "kwargs", "section", "link"),
    [
        ("referrals:list", {}, "Referrals", ("Referrals", "page")),
        # A page inside a listed one: its section and its list, marked "true", not "page".
        ("referrals:detail", {"pk": 7}, "Referrals", ("Referrals", "true")),
        ("referrals:triage_queue", {}, "Referrals", ("Triage queue", "page")),
        ("referrals:statistics", {}, "Governance", ("Statistics", "page")),
        ("referrals:retention_review", {"pk": 3}, ADMIN, ("Records past retention", "true")),
        ("channel_panel:meeting_detail", {"pk": 2}, "Channel", ("Panel meetings", "true")),
        ("channel_panel:case_exit", {"pk": 2}, "Channel", ("Channel cases", "true")),
        ("training:sessions", {}, "Training", ("Training compliance", "true")),
        ("governance:item_detail", {"pk": 4}, "Governance", ("Action plan", "true")),
        ("governance:subject_access_detail", {"pk": 4}, ADMIN, ("Subject access requests", "true")),
        ("accounts:approval_decide", {"pk": 1}, "Administration", ("Account approvals", "true")),
        ("core:home", {}, None, None),
        ("accounts:backup_codes", {}, None, None),
    ],
)  # fmt: skip
def test_the_current_section_follows_the_address_not_only_exact_links(
    world, url_name, kwargs, section, link
):
    nav = navigation_for(
        world.coordinator, reverse(url_name, kwargs=kwargs), url_name.split(":")[0]
    )
    assert _current(nav) == (section, link)
    assert [s.label for s in nav.sections if s.current] == ([section] if section else [])


def test_a_section_links_to_the_first_page_the_user_may_open_there(world):
    spoc = {s.label: s.url for s in navigation_for(world.spoc_a, "/").sections}
    assert spoc["Training"] == reverse("training:returns")
    assert spoc["Channel"] == reverse("channel_panel:case_list")
    chair = {s.label: s.url for s in navigation_for(world.chair, "/").sections}
    assert chair["Training"] == reverse("training:compliance")
    assert chair["Channel"] == reverse("channel_panel:meetings")


def test_the_header_shows_the_sections_and_the_page_its_section_pages(client, world):
    sign_in(client, world.coordinator)
    html = client.get(reverse("referrals:triage_queue")).content.decode()
    header = html[html.index('aria-label="Menu"') : html.index("</nav>")]
    for label in ["Home", "Referrals", "Channel", "Training", "Governance", "Administration"]:
        assert f">{label}<" in header, label
    # Links live in their section's navigation now, not in the header.
    assert "Triage queue" not in header and "Sign out" not in header
    sub = html[html.index('<nav class="app-sub-navigation" aria-label="Referrals">') :]
    sub = sub[: sub.index("</nav>")]
    assert f'href="{reverse("referrals:triage_queue")}" aria-current="page">Triage queue' in sub
    assert "Make a referral" in sub
    active = re.findall(r'item--active">\s*<a [^>]*href="([^"]+)" aria-current="(\w+)"', html)
    assert active == [(reverse("referrals:list"), "true")]
    # Sign out and "Your account" are in the header's top row, after the search box.
    top_row = html[html.index('class="govuk-header"') : html.index("govuk-service-navigation")]
    assert 'role="search"' in top_row and ">Your account<" in top_row and "Sign out" in top_row
    assert top_row.index('role="search"') < top_row.index("Sign out")
    assert "Your account" not in header


def test_the_system_administrator_sees_only_administration(client, world):
    sign_in(client, world.sysadmin)
    html = client.get(reverse("accounts:account_list")).content.decode()
    header = html[html.index('aria-label="Menu"') : html.index("</nav>")]
    assert ">Administration<" in header
    assert ">Referrals<" not in header and ">Governance<" not in header
