"""Every page of the application, opened in Chromium by someone allowed to see it, passes
axe-core with no violations; so do the error states of its forms and the error pages.

PAGES lists how to reach each page. A URL pattern added without an entry here (or, for a
POST-only view, in POST_ONLY) fails test_every_page_is_walked, so coverage cannot rot.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from django.db import connection
from django.test import TransactionTestCase
from django.test.utils import setup_databases, teardown_databases
from django.urls import reverse
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from prevent_portal.accounts import enrolment
from prevent_portal.accounts import services as accounts
from prevent_portal.accounts.models import Role, User
from referrals.models import Referral
from referrals.services import referral_share
from referrals.views.referrals import PAGE_SIZE
from tests import factories
from tests.browser import (
    test_accounts_journey,
    test_assessment_journey,
    test_channel_cases_flows,
    test_channel_meetings_flows,
    test_cross_area_match_journey,
    test_documents_journey,
    test_flows,
    test_flows_matching,
    test_governance_dashboard_journey,
    test_governance_journey,
    test_minutes_journey,
    test_navigation,
    test_retention_journey,
    test_sign_in,
    test_subject_access_journey,
    test_training_journey,
    test_transfer_journey,
)
from tests.browser.a11y import assert_accessible
from tests.browser.conftest import Browsing
from tests.browser.pages import assert_page_is_usable, fill_date
from tests.browser.urls import non_admin_routes
from tests.conftest import World, build_world, sign_in


@dataclass
class Scene:
    world: World
    referral: Referral  # owned by the council, shared with agency A
    new_starter: User  # a referrer who has no authenticator yet
    set_up_link: str = ""  # the new starter's one-time link to set one up
    base_url: str = ""  # the live server's, for the shared walk


def build_scene(world: World) -> Scene:
    referral = factories.referral(world.council, concern_summary="Fictional concern for testing")
    referral_share(
        referral=referral,
        to_agency=world.agency_a,
        reason="Agency A is working with the family",
        acting_user=world.coordinator,
    )
    new_starter = factories.UserFactory(username="new-starter")
    accounts.membership_grant(
        user=new_starter, agency=world.agency_a, role=Role.REFERRER, acting_user=None
    )
    link = enrolment.enrolment_link_send(user=new_starter, acting_user=world.sysadmin)
    return Scene(
        world=world,
        referral=referral,
        new_starter=new_starter,
        set_up_link=reverse("accounts:enrol", args=[link.token]),
    )


@pytest.fixture
def scene(world) -> Scene:
    return build_scene(world)


class _WalkDatabase(TransactionTestCase):
    """What pytest-django does around each transactional test, done once for the walk:
    the serialized rows put back at the start, the database flushed at the end."""

    serialized_rollback = True


@pytest.fixture(scope="module")
def walk_scene(request, browser, django_db_setup, django_db_blocker) -> Iterator[Scene]:
    """One committed scene for the whole page walk. Opening a page changes nothing a later
    page depends on (each record a visit needs is found or made once by its kwargs helper),
    so building the world and flushing the database for each of some two hundred pages
    only cost time: most of the walk's, in CI. The state tests below, which do change
    things (lock-outs, imports), keep a database of their own per test.

    The walk has a live server of its own: pytest-django's ``live_server`` fixture gives
    each test that uses it (even through this fixture) a transactional database of its own,
    flushed after it."""
    with django_db_blocker.unblock():
        own_databases = _databases_if_none(request)
        live_server = LiveServer(os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1"))
        live_server._live_server_modified_settings.enable()
        _WalkDatabase.setUpClass()
        database = _WalkDatabase(methodName="__init__")
        if not getattr(_WalkDatabase, "_pre_setup_ran_eagerly", False):
            database._pre_setup()
        try:
            scene = build_scene(build_world())
            scene.base_url = live_server.url
            yield scene
        finally:
            database._post_teardown()
            _WalkDatabase.tearDownClass()
            _WalkDatabase.doClassCleanups()
            live_server._live_server_modified_settings.disable()
            live_server.stop()
            if own_databases is not None:
                teardown_databases(own_databases, verbosity=0)


def _databases_if_none(request):
    """pytest-django makes the test database only for a session with a test that asks for
    one by name; a run of the walk alone (``-k test_page_is_accessible``) has none."""
    if connection.settings_dict["NAME"] == connection.creation._get_test_db_name():
        return None
    return setup_databases(
        verbosity=0, interactive=False, aliases={"default"}, serialized_aliases={"default"}
    )


@pytest.fixture
def walk_browsing(walk_scene, browser, django_db_blocker) -> Iterator[Browsing]:
    """A page walk test: the shared scene's database open to the test's own ORM calls."""
    browsing = Browsing(browser=browser, base_url=walk_scene.base_url)
    with django_db_blocker.unblock():
        yield browsing
    browsing.close()


# Personas who have just opened a one-time link from an e-mail: a new account's invitation
# (no password yet), or spoc_a's password reset link.
ONE_TIME_LINK_PERSONAS = {"invited", "reset_link"}


def one_time_link(persona: str, scene: Scene) -> str:
    if persona == "invited":
        invited = User.objects.filter(username="invited").first()
        if invited is None:
            invited = factories.UserFactory(username="invited")
            invited.set_unusable_password()
            invited.save()
        link = enrolment.enrolment_link_send(user=invited, acting_user=None, invitation=True)
        return reverse("accounts:enrol", args=[link.token])
    from prevent_portal.accounts.selfservice import reset_link_uid, reset_tokens

    user = scene.world.spoc_a
    return reverse(
        "accounts:password_reset_link", args=[reset_link_uid(user), reset_tokens.make_token(user)]
    )


def open_as(open_page, scene: Scene, persona: str):
    """A page for a persona of tests/conftest.py, or for one half-way through signing in."""
    if persona == "anonymous":
        return open_page()
    if persona == "password_given":  # has an authenticator, has not typed its code yet
        return open_page(scene.world.spoc_a, second_factor=False)
    if persona in ONE_TIME_LINK_PERSONAS:  # a one-time link opened, not signed in
        page = open_page()
        page.goto(one_time_link(persona, scene))
        return page
    if persona == "new_starter":  # password given, no authenticator yet, set-up link opened
        page = open_page(scene.new_starter, second_factor=False)
        if scene.set_up_link:
            page.goto(scene.set_up_link)
        return page
    return open_page(scene.world.persona(persona))


def _no_kwargs(scene: Scene) -> dict:
    return {}


def _referral(scene: Scene) -> dict:
    return {"pk": scene.referral.pk}


def _information_request(scene: Scene) -> dict:
    from datetime import timedelta

    from referrals.services import information_request_create

    # Called more than once per visit: the first call makes the request, later ones find it.
    info = scene.referral.information_requests.first() or information_request_create(
        referral=scene.referral,
        agency=scene.world.agency_a,
        question="Is the person known to you?",
        due_on=scene.referral.received_on + timedelta(days=3650),
        acting_user=scene.world.coordinator,
    )
    return {"pk": info.pk}


_GOV = test_governance_journey
# governance url name -> (persona, h1, kwargs, content type of a download)
GOVERNANCE_PAGES: dict[str, tuple[str, str, Callable[[Scene], dict], str]] = {
    "board_list": ("manager", "Boards and their Prevent updates", _no_kwargs, ""),
    "board_add": ("coordinator", "Add a board", _no_kwargs, ""),
    "board_detail": ("manager", "Health and Wellbeing Board", _GOV.board_kwargs, ""),
    "board_edit": ("coordinator", "Change the board", _GOV.board_kwargs, ""),
    "board_update_add": ("coordinator", "Record an update", _GOV.board_kwargs, ""),
    "board_update_attachment": ("manager", "", _GOV.board_update_kwargs, "text/plain"),
    "period_list": ("manager", "Action plan", _no_kwargs, ""),
    "period_add": ("coordinator", "Add a strategy period", _no_kwargs, ""),
    "period_detail": ("coordinator", "Test strategy", _GOV.period_kwargs, ""),
    "period_edit": ("coordinator", "Change the strategy period", _GOV.period_kwargs, ""),
    "quarterly_review": ("manager", "Quarterly review", _GOV.period_kwargs, ""),
    "appendix": ("manager", "Update on the Prevent Action Plan", _GOV.period_kwargs, ""),
    "appendix_pdf": ("manager", "", _GOV.period_kwargs, "application/pdf"),
    "action_add": ("coordinator", "Add a priority action", _GOV.period_kwargs, ""),
    "action_edit": ("coordinator", "Change the priority action", _GOV.action_kwargs, ""),
    "item_add": ("coordinator", "Add an item", _GOV.action_kwargs, ""),
    "item_detail": ("spoc_a", "Action item", _GOV.item_kwargs, ""),
    "item_edit": ("coordinator", "Change the item", _GOV.item_kwargs, ""),
    "progress_add": ("spoc_a", "Add a progress update", _GOV.item_kwargs, ""),
    "my_items": ("spoc_a", "Your agency's actions", _no_kwargs, ""),
    "register_index": ("coordinator", "Registers", _no_kwargs, ""),
    "register_list": ("coordinator", "Home Office-funded projects", _GOV.register_kwargs, ""),
    "register_add": ("coordinator", "Add a Home Office-funded", _GOV.register_kwargs, ""),
    "register_edit": ("coordinator", "Change a Home Office-funded", _GOV.register_entry_kwargs, ""),
    "register_delete": (
        "coordinator",
        "Delete this Home Office-funded",
        _GOV.register_entry_kwargs,
        "",
    ),
    **test_governance_dashboard_journey.REPORT_PAGES,
    # Issue 18: the regional lead's aggregate across areas.
    "regional": ("regional", "Regional figures", _no_kwargs, ""),
    **test_subject_access_journey.SAR_PAGES,
}


@dataclass(frozen=True)
class Visit:
    persona: str
    heading: str  # text of the page's h1
    kwargs: Callable[[Scene], dict] = _no_kwargs
    html: bool = True
    download: str = ""  # the content type of a file the URL downloads (no page to check)


def _new_starter(scene: Scene) -> dict:
    return {"pk": scene.new_starter.pk}


def _role_request(scene: Scene) -> dict:
    from prevent_portal.accounts.models import AccountChangeRequest

    # Called more than once per visit: the first call asks, later ones find the request.
    change = AccountChangeRequest.objects.filter(
        subject=scene.new_starter
    ).first() or accounts.membership_request(
        user=scene.new_starter,
        agency=scene.world.agency_a,
        role=Role.SPOC,
        acting_user=scene.world.sysadmin,
    )
    return {"pk": change.pk}


def _person(scene: Scene) -> dict:
    return {"pk": scene.referral.person_id}


def _account_request(scene: Scene) -> dict:
    from prevent_portal.accounts import administration
    from prevent_portal.accounts.models import AccountRequest

    made = AccountRequest.objects.first() or administration.account_request_create(
        agency=scene.world.agency_a,
        first_name="Wren",
        last_name="Hollis",
        email="wren@agency-a.example",
        job_title="",
        role=Role.REFERRER,
        reason="New safeguarding lead",
        acting_user=scene.world.spoc_a,
    )
    return {"pk": made.pk}


def _new_starter_role(scene: Scene) -> dict:
    from prevent_portal.accounts.models import Membership

    return {"membership_pk": Membership.objects.get(user=scene.new_starter, is_active=True).pk}


def _own_referral(scene: Scene) -> dict:
    from tests.browser.test_intake_journey import own_referral_kwargs

    return own_referral_kwargs(scene)


# url name -> who opens it and what it must show. Every non-admin URL that answers GET.
PAGES: dict[str, Visit] = {
    "core:home": Visit("coordinator", "Prevent Portal"),
    "core:healthz": Visit("anonymous", "", html=False),
    "core:accessibility": Visit("anonymous", "Accessibility statement"),
    "accounts:sign_in": Visit("anonymous", "Sign in to Prevent Portal"),
    "accounts:second_factor": Visit("password_given", "Security code"),
    "accounts:set_up_authenticator": Visit("new_starter", "Set up your authenticator app"),
    "accounts:confirm_identity": Visit("coordinator", "Confirm it’s you"),
    "accounts:account_list": Visit("spoc_a", "Accounts"),
    "accounts:account_deactivate": Visit("spoc_a", "Deactivate the account of", _new_starter),
    "accounts:backup_codes": Visit("spoc_a", "Backup codes"),
    "accounts:approval_list": Visit("coordinator", "Account changes waiting for approval"),
    "accounts:approval_decide": Visit(
        "coordinator", "Approve or refuse an account change", _role_request
    ),
    "accounts:account_create": Visit("sysadmin", "Make an account"),
    "accounts:account_detail": Visit("sysadmin", "Test Person", _new_starter),
    "accounts:account_edit": Visit("sysadmin", "Change details", _new_starter),
    "accounts:account_identity": Visit("sysadmin", "Link a council sign-in", _new_starter),
    "accounts:account_request_list": Visit("spoc_a", "Account requests"),
    "accounts:account_request_add": Visit("spoc_a", "Ask for an account for a colleague"),
    "accounts:account_request_detail": Visit("sysadmin", "Account request", _account_request),
    "accounts:access_review": Visit("spoc_a", "Access review"),
    "accounts:access_review_answer": Visit("spoc_a", "Test Person", _new_starter_role),
    "accounts:your_account": Visit("referrer_a", "Your account"),
    "outbox:notification_list": Visit("spoc_a", "Your notifications"),
    "accounts:password_change": Visit("referrer_a", "Change your password"),
    "accounts:forgot_password": Visit("anonymous", "Reset your password"),
    "accounts:forgot_password_sent": Visit("anonymous", "Check your email"),
    "accounts:password_reset": Visit("reset_link", "Choose a new password"),
    "accounts:choose_password": Visit("invited", "Choose your password"),
    "referrals:list": Visit("coordinator", "Referrals"),
    "referrals:search": Visit("spoc_a", "Search people and referrals"),
    "referrals:detail": Visit("coordinator", "PR-2026-", _referral),
    "referrals:share": Visit("coordinator", "Share this referral", _referral),
    "referrals:intake_start": Visit("referrer_a", "Make a referral"),
    "referrals:intake_agency": Visit("referrer_a", "Which agency are you referring for?"),
    "referrals:intake_name": Visit("referrer_a", "What is the person's name?"),
    "referrals:intake_date_of_birth": Visit("referrer_a", "What is the person's date of birth?"),
    "referrals:intake_gender": Visit("referrer_a", "What is the person's gender?"),
    "referrals:intake_address": Visit("referrer_a", "What is the person's address?"),
    "referrals:intake_school": Visit("referrer_a", "Which school, college or employer"),
    "referrals:intake_aliases": Visit("referrer_a", "Other names the person is known by"),
    "referrals:intake_concern": Visit("referrer_a", "What is your concern?"),
    "referrals:intake_concern_types": Visit("referrer_a", "What type of concern is it?"),
    "referrals:intake_needs": Visit("referrer_a", "needs or vulnerabilities"),
    "referrals:intake_awareness": Visit("referrer_a", "Does the person know about this"),
    "referrals:intake_check": Visit("referrer_a", "Check your answers"),
    "referrals:intake_source": Visit("coordinator", "Who made this referral, and when?"),
    "referrals:intake_discard": Visit("referrer_a", "Delete your draft referral"),
    "referrals:intake_confirmation": Visit("referrer_a", "Referral sent", _own_referral),
    "referrals:mine": Visit("referrer_a", "Your referrals"),
    "referrals:triage_queue": Visit("coordinator", "Triage queue"),
    "referrals:triage": Visit("coordinator", "Referral PR-2026-", _referral),
    "referrals:triage_assign": Visit("coordinator", "Assign an officer", _referral),
    "referrals:triage_information_request": Visit(
        "coordinator", "Request information from a partner", _referral
    ),
    "referrals:triage_gateway": Visit("coordinator", "Record the police gateway", _referral),
    "referrals:triage_outcome": Visit("coordinator", "Record the triage outcome", _referral),
    "referrals:triage_reclassify": Visit(
        "coordinator", "Change types of concern or needs", _referral
    ),
    "referrals:chronology_note": Visit("coordinator", "Add a note", _referral),
    "referrals:chronology_correction": Visit("coordinator", "Correct a chronology", _referral),
    "referrals:information_requests": Visit("spoc_a", "Information requests"),
    "referrals:information_request_answer": Visit(
        "spoc_a", "Answer an information request", _information_request
    ),
    "referrals:information_request_withdraw": Visit(
        "coordinator", "Withdraw the information request to", _information_request
    ),
    "referrals:status": Visit("referrer_a", "Referral PR-2026-", _own_referral),
    "referrals:earlier_referrals": Visit("coordinator", "Earlier referrals", _referral),
    "referrals:person": Visit("spoc_a", "Given", _person),
    "referrals:person_edit": Visit("coordinator", "Change the person's details", _person),
    "referrals:statistics": Visit("coordinator", "Referral statistics"),
    "referrals:import": Visit("coordinator", "Import historical referrals"),
    "referrals:import_result": Visit("coordinator", "Import finished"),
    "channel_panel:report": Visit("coordinator", "Channel Panel report"),
    "audit:unusual_access": Visit("spoc_a", "Unusual access"),
    **{
        name: Visit(persona, heading, kwargs)
        for name, (persona, heading, kwargs) in test_channel_cases_flows.CASE_PAGES.items()
    },
    **{
        name: Visit(persona, heading, kwargs)
        for name, (persona, heading, kwargs) in test_assessment_journey.ASSESSMENT_PAGES.items()
    },
    **{
        f"governance:{name}": Visit(persona, heading, kwargs, download=download)
        for name, (persona, heading, kwargs, download) in GOVERNANCE_PAGES.items()
    },
    **{
        name: Visit(persona, heading, kwargs, download=download)
        for name, (persona, heading, kwargs, download) in (
            test_channel_meetings_flows.MEETING_PAGES.items()
        )
    },
    **{
        name: Visit(persona, heading, kwargs, download=download)
        for name, (persona, heading, kwargs, download) in (
            test_minutes_journey.MINUTES_PAGES.items()
        )
    },
    **{
        f"training:{name}": Visit(persona, heading, kwargs)
        for name, (persona, heading, kwargs) in test_training_journey.TRAINING_PAGES.items()
    },
    **{
        name: Visit(persona, heading, kwargs)
        for name, (persona, heading, kwargs) in test_retention_journey.RETENTION_PAGES.items()
    },
    **{
        name: Visit(persona, heading, kwargs)
        for name, (persona, heading, kwargs) in test_transfer_journey.TRANSFER_PAGES.items()
    },
    **{
        name: Visit(persona, heading, kwargs, download=download)
        for name, (persona, heading, kwargs, download) in (
            test_documents_journey.DOCUMENT_PAGES.items()
        )
    },
    # Last: its kwargs make a second council area (the read-coverage walk builds in order).
    **{
        name: Visit(persona, heading, kwargs)
        for name, (persona, heading, kwargs) in (
            test_cross_area_match_journey.CROSS_AREA_PAGES.items()
        )
    },
}

# The order the walks visit PAGES in: by name, but the pages whose scene makes a second
# council area last. A page built after it would be built in a region (no sole area to file
# a record in, training configuration read-only), which is not the page it means to check.
SECOND_AREA_PAGES = frozenset(test_cross_area_match_journey.CROSS_AREA_PAGES)
WALK_ORDER = sorted(PAGES, key=lambda name: (name in SECOND_AREA_PAGES, name))

# url name -> the test that presses the button which posts to it.
POST_ONLY: dict[str, Callable] = {
    "accounts:sign_out": test_sign_in.test_sign_out_button_ends_the_session,
    "referrals:share_revoke": test_flows.test_coordinator_shares_and_withdraws_a_referral,
    "referrals:earlier_referrals_refresh": (
        test_flows_matching.test_coordinator_confirms_a_repeat_match
    ),
    "referrals:repeat_match_confirm": test_flows_matching.test_coordinator_confirms_a_repeat_match,
    "referrals:repeat_match_reject": test_flows_matching.test_coordinator_rejects_a_repeat_match,
    **test_channel_meetings_flows.MEETING_POST_ONLY,
    **test_subject_access_journey.SAR_POST_ONLY,
    **test_accounts_journey.ACCOUNT_POST_ONLY,
    # Declining and withdrawing are buttons of the same transfer page; their answers are
    # also posted through the test client in tests/areas/test_transfers.py.
    **{
        f"referrals:transfer_{step}": (
            test_transfer_journey.test_a_transfer_is_proposed_accepted_and_the_record_moves
        )
        for step in ("accept", "decline", "withdraw")
    },
    "core:keep_alive": (
        test_navigation.test_the_timeout_warning_keeps_the_session_and_drafts_come_back
    ),
}


# url name -> why it is no page of this site (it only redirects to or from another site).
NOT_PAGES: dict[str, str] = {
    "referrals:intake_area": "asked only of an agency serving several council areas (every "
    "agency of the walk serves one, and is sent on to the first question): opened and "
    "axe-checked in tests/browser/test_cross_area_journey.py",
    "accounts:sso_start": "sends the browser to Entra ID; 404 while single sign-on is off",
    "accounts:sso_callback": "Entra ID sends the browser back here; 404 while it is off",
    "accounts:enrol": "a one-time link: remembers itself and redirects to sign in or set up "
    "(tests/accounts/test_enrolment.py); a used or unknown link answers 404",
    "accounts:password_reset_link": "a one-time link: remembers itself and redirects to the "
    "reset page (tests/accounts/test_self_service.py); a used or unknown link answers 404",
}


def test_every_page_is_walked(client, world):
    """Asks the application which URLs answer GET (a POST-only view answers 405 even to a
    fully signed-in user) and compares with what this suite visits."""
    sign_in(client, world.coordinator)
    get_names, post_names = set(), set()
    for route in non_admin_routes():
        status = client.get(route.sample_path()).status_code
        (post_names if status == 405 else get_names).add(route.name)
    assert set(PAGES) | set(NOT_PAGES) == get_names, "Add each new page to PAGES"
    assert set(POST_ONLY) == post_names, "Add each POST-only view to POST_ONLY with its test"


@pytest.mark.browser
@pytest.mark.parametrize("name", WALK_ORDER)
def test_page_is_accessible(name, walk_browsing, walk_scene):
    visit, browsing, scene = PAGES[name], walk_browsing, walk_scene
    page = open_as(browsing.page, scene, visit.persona)
    if visit.download:  # a file, not a page: fetched with the page's cookies
        url = reverse(name, kwargs=visit.kwargs(scene))
        response = page.request.get(url, timeout=test_governance_journey.PDF_TIMEOUT_MS)
        assert response.status == 200, f"{name} answered {response.status}"
        assert response.headers["content-type"].startswith(visit.download)
        assert response.headers["content-disposition"].startswith("attachment")
        assert response.body()
        return
    response = page.goto(reverse(name, kwargs=visit.kwargs(scene)))
    assert response.status == 200, f"{name} answered {response.status} at {page.url}"
    assert page.url.endswith(reverse(name, kwargs=visit.kwargs(scene))), "redirected away"
    if not visit.html:
        assert json.loads(response.text()) == {"status": "ok"}
        return
    assert_page_is_usable(page, browsing, visit.heading)


@pytest.mark.browser
def test_admin_index_is_accessible_to_the_system_administrator(open_page, browsing, world):
    page = open_page(world.sysadmin)
    response = page.goto(reverse("admin:index"))
    assert response.status == 200
    expect(page.locator("h1")).to_contain_text("Site administration")
    assert_accessible(page)


# --- Error states -------------------------------------------------------------------------


def _submit_empty_sign_in(page, scene):
    page.goto(reverse("accounts:sign_in"))
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your username")
    expect(page.locator("#id_password-error")).to_contain_text("Enter your password")


def _submit_wrong_password(page, scene):
    page.goto(reverse("accounts:sign_in"))
    page.get_by_label("Username").fill(scene.world.coordinator.username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter a correct username and password"
    )


def _sign_in_after_idle_timeout(page, scene):
    page.goto(reverse("accounts:sign_in") + "?timeout=idle")
    expect(page.locator(".govuk-inset-text")).to_contain_text("you did nothing for 30 minutes")


def _lock_out(page, scene):
    page.goto(reverse("accounts:sign_in"))
    for _ in range(10):
        page.get_by_label("Username").fill(scene.world.coordinator.username)
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Continue").click()
        if page.get_by_role("heading", name="Too many attempts to sign in").is_visible():
            return
    raise AssertionError("Ten wrong passwords did not lock the account")


def _expired_form(page, scene):
    page.goto(reverse("accounts:sign_in"))
    page.context.clear_cookies()  # the CSRF cookie goes: the form can no longer be trusted
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Your form has expired")


def _short_security_code(page, scene):
    page.goto(reverse("accounts:second_factor"))
    page.get_by_label("Security code").fill("12345")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the 6-digit security code")


def _empty_authenticator_code(page, scene):
    page.goto(reverse("accounts:set_up_authenticator"))
    page.get_by_role("button", name="Confirm and sign in").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the security code")


def _empty_share(page, scene):
    page.goto(reverse("referrals:share", args=[scene.referral.pk]))
    page.get_by_role("button", name="Share referral").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select whether to share with an agency or a named person")
    expect(summary).to_contain_text("Enter why you are sharing this referral")


def _share_without_agency(page, scene):
    page.goto(reverse("referrals:share", args=[scene.referral.pk]))
    page.get_by_label("An agency").check()
    page.get_by_label("Why are you sharing this referral?").fill("Joint working")
    fill_date(page, "Share until (optional)", "1/1/2000")
    page.get_by_role("button", name="Share referral").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Choose the agency to share with")
    expect(summary).to_contain_text("The date to share until must be in the future")


def _person_edit_with_errors(page, scene):
    page.goto(reverse("referrals:person_edit", args=[scene.referral.person_id]))
    page.get_by_label("Postcode (optional)").fill("NOT A CODE")
    page.get_by_label("Month").fill("13")
    page.get_by_role("button", name="Save the changes").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter a real postcode")
    expect(summary).to_contain_text("Date of birth must be a real date")
    expect(summary).to_contain_text("Enter the reason for the change")


def _unknown_referral(page, scene):
    response = page.goto(reverse("referrals:detail", args=[999_999]))
    assert response.status == 404


def _unknown_address(page, scene):
    response = page.goto("/no-such-page/")
    assert response.status == 404


def _confirm_identity_wrong_code(page, scene):
    page.goto(reverse("accounts:confirm_identity") + "?next=/referrals/")
    page.get_by_label("Password").fill(factories.TEST_PASSWORD)
    page.get_by_label("Security code").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The security code is wrong")


def _sign_in_with_council_account(page, scene):
    from django.test import override_settings

    with override_settings(OIDC_ENABLED=True):
        page.goto(reverse("accounts:sign_in"))
    expect(page.get_by_role("button", name="Sign in with your council account")).to_be_visible()


def _list_not_for_managers(page, scene):
    response = page.goto(reverse("referrals:list"))
    assert response.status == 403


def _second_page_of_referrals(page, scene):
    for _ in range(PAGE_SIZE):
        factories.referral(scene.world.council, received_on=date(2026, 1, 1))
    page.goto(reverse("referrals:list") + "?page=2")
    expect(page.get_by_role("navigation", name="Pagination")).to_be_visible()


def _search_results(page, scene):
    """A name typed with a typo and the names the other way round: found, and why."""
    person = scene.referral.person
    given, family = (re.sub(r"\d", "", name) for name in (person.given_name, person.family_name))
    page.goto(reverse("referrals:search"))
    page.get_by_label("Name, reference, date of birth or postcode").fill(
        f"{family[:3]}{family[4:]} {given}"
    )
    page.locator("main").get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#results")).to_contain_text("Names transposed (close spelling)")
    expect(page.locator("#results")).to_contain_text(scene.referral.reference)


def _search_empty(page, scene):
    page.goto(reverse("referrals:search") + "?q=")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a name, reference")


def _home_without_a_role(page, scene):
    page.goto(reverse("core:home"))
    expect(page.locator("main")).to_contain_text("Your account has no role yet")


def _home_on_a_phone(page, scene):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(reverse("core:home"))
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    nav = page.get_by_role("navigation", name="Menu")
    expect(nav.get_by_role("link", name="Referrals", exact=True)).to_be_hidden()
    menu.click()
    expect(nav.get_by_role("link", name="Referrals", exact=True)).to_be_visible()


def _import_file(rows) -> dict:
    from tests.referrals.test_import import csv_bytes

    return {"name": "history.csv", "mimeType": "text/csv", "buffer": csv_bytes(rows)}


def _import_with_bad_rows(page, scene):
    from tests.referrals.test_import import row

    page.goto(reverse("referrals:import"))
    bad = [row(1), row(2, received_on="31/12/2020"), row(3, referring_agency="No such agency")]
    page.get_by_label("File to import").set_input_files(_import_file(bad))
    page.get_by_role("button", name="Import referrals").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Line 3: received_on '31/12/2020' is not a date")
    expect(summary).to_contain_text("Line 4: referring_agency 'No such agency' is not known")
    assert not Referral.objects.filter(imported=True).exists()


def _import_in_progress(page, scene):
    from tests.referrals.test_import import row

    page.goto(reverse("referrals:import"))
    page.get_by_label("File to import").set_input_files(_import_file([row(1)]))
    # Keep the page here once the import module has reacted to the submission.
    page.evaluate(
        "document.querySelector('[data-import-form]')"
        ".addEventListener('submit', e => e.preventDefault())"
    )
    page.get_by_role("button", name="Import referrals").click()
    expect(page.get_by_role("status")).to_contain_text("Importing referrals")
    expect(page.locator("[data-import-button]")).to_have_attribute("aria-disabled", "true")


def _import_done(page, scene):
    from tests.referrals.test_import import row

    page.goto(reverse("referrals:import"))
    page.get_by_label("File to import").set_input_files(_import_file([row(1), row(2)]))
    page.get_by_role("button", name="Import referrals").click()
    expect(page.locator(".govuk-panel")).to_contain_text("2 referrals imported")


def _statistics_for_a_manager(page, scene):
    # A manager chooses whole financial years or quarters only (F3).
    page.goto(reverse("referrals:statistics") + "?date_from=1/4/2025&date_to=31/3/2026")
    expect(page.locator("main")).to_contain_text("Counts below 5 are hidden")
    expect(page.get_by_role("table").first).to_be_visible()


def _statistics_bad_period(page, scene):
    page.goto(reverse("referrals:statistics"))
    fill_date(page, "From", "31/12/2026")
    fill_date(page, "To", "1/1/2026")
    page.get_by_role("button", name="Show statistics").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "The last day must be the same as or after the first day"
    )


def _channel_report_for_a_manager(page, scene):
    page.goto(reverse("channel_panel:report") + "?from=1/4/2025&to=31/3/2026")
    expect(page.locator("main")).to_contain_text("Counts of cases below 5 are hidden")
    expect(page.get_by_role("table").first).to_be_visible()


def _channel_report_bad_period(page, scene):
    page.goto(reverse("channel_panel:report"))
    fill_date(page, "From", "31/3/2026")
    fill_date(page, "To", "1/4/2025")
    page.get_by_role("button", name="Show report").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "The last day must be the same as or after the first day"
    )
    expect(page).to_have_url(
        re.compile(r"from-day=31&from-month=3&from-year=2026&to-day=1&to-month=4&to-year=2025")
    )


def _register_searched_paged_and_deleted(page, scene):
    """A register longer than a page; a search that finds nothing; a deletion asked without
    a reason, then with one. Each page on the way is checked by axe as well."""
    from governance.registers import REGISTERS
    from governance.services import register_entry_create
    from governance.views.registers import PAGE_SIZE as REGISTER_PAGE

    for n in range(REGISTER_PAGE + 1):
        register_entry_create(
            register=REGISTERS["ctlp-briefings"],
            data={"audience": f"Board {n:02d}", "briefed_on": date(2026, 1, 5), "briefed_by": "A"},
            acting_user=None,
        )
    page.goto(reverse("governance:register_list", args=["ctlp-briefings"]))
    expect(page.get_by_role("navigation", name="Pagination")).to_be_visible()
    assert_accessible(page)
    search = page.get_by_label("Search this register")
    search.fill("No such board")
    page.locator("main").get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("main")).to_contain_text("No entries found")
    assert_accessible(page)
    search.fill("Board 07")
    page.locator("main").get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("row", name="Board 07").get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Delete the entry").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why you are deleting")
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    assert_accessible(page)
    page.get_by_label("Why are you deleting this entry?").fill("Recorded twice")
    page.get_by_role("button", name="Delete the entry").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("CTLP briefing deleted")
    expect(page.locator("main")).not_to_contain_text("Board 07")


# state -> (persona, how to reach it, the page's h1)
STATES: dict[str, tuple[str, Callable, str]] = {
    "sign_in_empty": ("anonymous", _submit_empty_sign_in, "Sign in to"),
    "sign_in_wrong_password": ("anonymous", _submit_wrong_password, "Sign in to"),
    "sign_in_after_idle_timeout": ("anonymous", _sign_in_after_idle_timeout, "Sign in to"),
    "sign_in_with_council_account": ("anonymous", _sign_in_with_council_account, "Sign in to"),
    "confirm_identity_wrong_code": ("coordinator", _confirm_identity_wrong_code, "Confirm it"),
    "locked_out": ("anonymous", _lock_out, "Too many attempts"),
    "form_expired": ("anonymous", _expired_form, "Your form has expired"),
    "security_code_too_short": ("password_given", _short_security_code, "Security code"),
    "authenticator_code_empty": ("new_starter", _empty_authenticator_code, "Set up your"),
    "share_empty": ("coordinator", _empty_share, "Share this referral"),
    "share_without_agency": ("coordinator", _share_without_agency, "Share this referral"),
    "person_edit_with_errors": ("coordinator", _person_edit_with_errors, "Change the person's"),
    "not_found_referral": ("coordinator", _unknown_referral, "Page not found"),
    "not_found_anonymous": ("anonymous", _unknown_address, "Page not found"),
    "forbidden": ("manager", _list_not_for_managers, "You cannot do this"),
    "referral_list_page_2": ("coordinator", _second_page_of_referrals, "Referrals"),
    "home_without_role": ("no_role", _home_without_a_role, "Prevent Portal"),
    "search_results": ("spoc_a", _search_results, "Search people and referrals"),
    "search_empty": ("spoc_a", _search_empty, "Search people and referrals"),
    "home_on_a_phone": ("coordinator", _home_on_a_phone, "Prevent Portal"),
    "import_bad_rows": ("coordinator", _import_with_bad_rows, "Import historical referrals"),
    "import_in_progress": ("coordinator", _import_in_progress, "Import historical referrals"),
    "import_done": ("coordinator", _import_done, "Import finished"),
    "statistics_manager": ("manager", _statistics_for_a_manager, "Referral statistics"),
    "statistics_bad_period": ("coordinator", _statistics_bad_period, "Referral statistics"),
    "channel_report_manager": ("manager", _channel_report_for_a_manager, "Channel Panel report"),
    "channel_report_bad_period": (
        "coordinator",
        _channel_report_bad_period,
        "Channel Panel report",
    ),
    "register_searched_paged_and_deleted": (
        "coordinator",
        _register_searched_paged_and_deleted,
        "CTLP briefings",
    ),
    **test_training_journey.TRAINING_STATES,
    **test_governance_dashboard_journey.REPORT_STATES,
    **test_subject_access_journey.SAR_STATES,
}


@pytest.mark.browser
@pytest.mark.parametrize("state", sorted(STATES))
def test_page_state_is_accessible(state, open_page, browsing, scene):
    persona, reach, heading = STATES[state]
    page = open_as(open_page, scene, persona)
    reach(page, scene)
    if page.locator(".govuk-error-summary").count():
        assert page.title().startswith("Error: "), "the title must say the page has errors"
        expect(page.locator(".govuk-error-summary")).to_be_focused()
    assert_page_is_usable(page, browsing, heading)
