"""Governance in Chromium, with axe on every page and error state: the Coordinator adds an
action-plan update and reviews the quarter; an agency's SPOC adds progress to their own
item; a second editor is refused with their input kept; a board update with its paper; and
the pages of all four registers.

The ``*_kwargs`` helpers also serve the page walk (test_pages.PAGES): each finds the record
it made on an earlier call, so a page and its checks see the same one.
"""

from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from governance import services
from governance.models import ActionItem, Board, BoardUpdate, FundedProject, ProgressUpdate, Rag
from governance.registers import REGISTERS
from tests import factories
from tests.browser.pages import assert_page_is_usable, fill_date
from tests.governance.records import board_with_paper

pytestmark = pytest.mark.browser
# The first PDF a process makes imports WeasyPrint, which takes seconds on a busy machine.
PDF_TIMEOUT_MS = 60_000


# --- Records for the page walk --------------------------------------------------------------
def board_kwargs(scene) -> dict:
    board = Board.objects.filter(name="Health and Wellbeing Board").first()
    if board is None:
        board = factories.board(scene.world.coordinator, name="Health and Wellbeing Board")
    return {"pk": board.pk}


def board_update_kwargs(scene) -> dict:
    board = Board.objects.get(pk=board_kwargs(scene)["pk"])
    update = BoardUpdate.objects.filter(board=board).first() or board_with_paper(board)
    return {"pk": update.pk}


def item_kwargs(scene) -> dict:
    """An item agency A owns, so its SPOC sees it and may add progress."""
    item = ActionItem.objects.filter(owner_agency=scene.world.agency_a).first()
    if item is None:
        item = factories.action_item(owner_agency=scene.world.agency_a, due_on=date(2026, 3, 31))
    return {"pk": item.pk}


def action_kwargs(scene) -> dict:
    return {"pk": ActionItem.objects.get(**item_kwargs(scene)).action_id}


def period_kwargs(scene) -> dict:
    return {
        "pk": ActionItem.objects.select_related("action").get(**item_kwargs(scene)).action.period_id
    }


def register_kwargs(scene) -> dict:
    return {"register": "funded-projects"}


def register_entry_kwargs(scene) -> dict:
    entry = FundedProject.objects.first() or services.register_entry_create(
        register=REGISTERS["funded-projects"],
        data={
            "provider": "Shared Futures Schools Trust",
            "purpose": "Sessions in schools",
            "funding_year": "2025-2026",
            "status": "commissioned",
        },
        acting_user=None,
    )
    return {"register": "funded-projects", "pk": entry.pk}


def _errors_shown(page, *messages):
    summary = page.locator(".govuk-error-summary")
    for message in messages:
        expect(summary).to_contain_text(message)
    expect(summary).to_be_focused()
    assert page.title().startswith("Error: ")


# --- Journeys -----------------------------------------------------------------------------
def test_coordinator_adds_an_action_plan_update(open_page, browsing, world):
    item = factories.action_item(
        owner_agency=world.agency_a, description="Deliver WRAP to housing staff"
    )
    services.progress_update_add(
        item=item,
        on=date(2026, 1, 10),
        text="Training plan drafted",
        rag=Rag.GREEN,
        expected_version=item.version,
        acting_user=None,
    )
    page = open_page(world.coordinator)
    page.goto("/")
    page.get_by_role("link", name="Action plan", exact=True).first.click()
    assert_page_is_usable(page, browsing, "Action plan")
    page.get_by_role("link", name="Test strategy").click()
    assert_page_is_usable(page, browsing, "Test strategy")
    page.get_by_role("link", name="Deliver WRAP to housing staff").click()
    assert_page_is_usable(page, browsing, "Action item")
    expect(page.locator("main")).to_contain_text("Training plan drafted")

    page.get_by_role("button", name="Add a progress update").click()
    assert_page_is_usable(page, browsing, "Add a progress update")
    page.get_by_role("button", name="Add update").click()
    _errors_shown(page, "Enter the progress made")
    assert_page_is_usable(page, browsing, "Add a progress update")

    page.get_by_label("Progress", exact=True).fill("Two of four sessions delivered; two postponed")
    page.get_by_label("Amber: at risk").check()
    page.get_by_role("button", name="Add update").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Progress update added")
    expect(page.locator("#rag")).to_contain_text("Amber: at risk")
    expect(page.locator("main")).to_contain_text("Two of four sessions delivered")
    assert_page_is_usable(page, browsing, "Action item")

    update = ProgressUpdate.objects.get(text__startswith="Two of four")
    assert (update.author, update.rag, update.on) == (
        world.coordinator,
        "amber",
        timezone.localdate(),
    )
    item.refresh_from_db()
    assert item.rag == Rag.AMBER

    page.get_by_role("link", name="Back to the plan").click()
    page.get_by_role("button", name="Quarterly review").click()
    expect(page.locator("main")).to_contain_text("Amber: at risk")
    assert_page_is_usable(page, browsing, "Quarterly review")
    page.get_by_role("link", name=f"Back to {item.action.period.name}").click()
    page.get_by_role("button", name="Board appendix").click()
    expect(page.locator("#appendix")).to_contain_text("Two of four sessions delivered")
    assert_page_is_usable(page, browsing, "Update on the Prevent Action Plan")
    href = page.get_by_role("link", name="Download as PDF").get_attribute("href")
    pdf = page.request.get(href, timeout=PDF_TIMEOUT_MS)
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")


def test_spoc_adds_progress_to_their_agencys_item(open_page, browsing, world):
    item = factories.action_item(owner_agency=world.agency_a, description="Train housing staff")
    page = open_page(world.spoc_a)
    page.goto("/")
    page.get_by_role("link", name="Your agency's actions").first.click()
    assert_page_is_usable(page, browsing, "Your agency's actions")
    page.get_by_role("link", name="Train housing staff").click()
    page.get_by_role("button", name="Add a progress update").click()
    page.get_by_label("Progress", exact=True).fill("Sessions booked for March")
    page.get_by_label("Green: on track").check()
    page.get_by_role("button", name="Add update").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Progress update added")
    assert_page_is_usable(page, browsing, "Action item")
    expect(page.get_by_role("link", name="Back to your actions")).to_be_visible()

    other = open_page(world.spoc_b)
    assert other.goto(f"/governance/plan/items/{item.pk}/").status == 404


def test_second_editor_is_told_and_keeps_their_input(open_page, browsing, world):
    item = factories.action_item(owner_agency=world.agency_a, description="Review bookings")
    first, second = open_page(world.coordinator), open_page(world.coordinator)
    for page in (first, second):
        page.goto(f"/governance/plan/items/{item.pk}/edit/")
    first.get_by_label("Red: off track").check()
    first.get_by_role("button", name="Save changes").click()
    expect(first.locator(".govuk-notification-banner")).to_contain_text("Action item changed")

    second.get_by_label("What is to be done").fill("Review every venue booking procedure")
    second.get_by_role("button", name="Save changes").click()
    _errors_shown(second, "Someone else changed this record while you were editing it")
    expect(second.get_by_label("What is to be done")).to_have_value(
        "Review every venue booking procedure"
    )
    assert_page_is_usable(second, browsing, "Change the item")
    item.refresh_from_db()
    assert (item.description, item.rag) == ("Review bookings", "red")


def test_coordinator_records_a_board_update_with_its_paper(
    open_page, browsing, world, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    board = factories.board(world.coordinator, name="Health and Wellbeing Board")
    page = open_page(world.coordinator)
    page.goto("/governance/boards/")
    assert_page_is_usable(page, browsing, "Boards and their Prevent updates")
    page.get_by_role("link", name="Health and Wellbeing Board").click()
    page.get_by_role("button", name="Record an update").click()
    fill_date(page, "Date presented", "24/1/2026")
    page.get_by_label("Title of the update").fill("Prevent annual update")
    page.get_by_label("The paper (optional)").set_input_files(
        {"name": "Annual update.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 demo"}
    )
    page.get_by_role("button", name="Record update").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Update recorded")
    expect(page.locator("#next-due")).to_contain_text("24 January 2027")
    assert_page_is_usable(page, browsing, "Health and Wellbeing Board")

    manager = open_page(world.manager)
    manager.goto(f"/governance/boards/{board.pk}/")
    href = manager.get_by_role("link", name="Download Annual update.pdf").get_attribute("href")
    paper = manager.request.get(href)
    assert paper.status == 200 and paper.body() == b"%PDF-1.4 demo"
    assert open_page(world.spoc_a).request.get(href).status == 404


def test_board_form_errors_are_accessible(open_page, browsing, world):
    page = open_page(world.coordinator)
    page.goto("/governance/boards/add/")
    fill_date(page, "Next update due (optional)", "1/3/2027")
    page.get_by_label("The date of the next update is to be confirmed").check()
    page.get_by_role("button", name="Add board").click()
    _errors_shown(
        page,
        "Enter the name of the board",
        "Select how often the board receives an update",
        "Choose the lead officer",
        "not both",
    )
    assert_page_is_usable(page, browsing, "Add a board")


# Per register: what to type (label -> text) and which radios to pick, for a valid entry.
REGISTER_ANSWERS = {
    "ctlp-briefings": (
        {
            "Audience": "Council senior management team",
            "Date of the briefing": "12/11/2025",
            "Who briefed": "Avery Okonjo",
        },
        [],
    ),
    "venue-reviews": (
        {
            "Venue": "Northmere Community Hall",
            "Hirer (organisation)": "Residents' Forum",
            "Date of the review": "3/9/2025",
            "Reviewer": "Avery Okonjo",
        },
        ["Booking approved"],
    ),
    "education-settings": (
        {"Name of the setting": "Riverside Saturday School", "Address": "1 Example Road"},
        ["Supplementary school", "Not known"],
    ),
    "funded-projects": (
        {
            "Provider": "Shared Futures Schools Trust",
            "Purpose": "Sessions in schools",
            "Funding year": "2021-2022",
        },
        ["Commissioned"],
    ),
}


@pytest.mark.parametrize("slug", sorted(REGISTER_ANSWERS))
def test_register_pages_and_their_errors_are_accessible(open_page, browsing, world, slug):
    register = REGISTERS[slug]
    page = open_page(world.coordinator)
    page.goto("/governance/registers/")
    assert_page_is_usable(page, browsing, "Registers")
    page.get_by_role("link", name=register.title).click()
    expect(page.locator("main")).to_contain_text(register.empty)
    assert_page_is_usable(page, browsing, register.title)

    page.get_by_role("button", name=f"Add a {register.singular}").click()
    page.get_by_role("button", name=f"Add {register.singular}").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert page.title().startswith("Error: ")
    assert_page_is_usable(page, browsing, f"Add a {register.singular}")

    texts, radios = REGISTER_ANSWERS[slug]
    for label, text in texts.items():
        if label.startswith("Date of the"):  # a GOV.UK date input: day, month, year
            fill_date(page, label, text)
        else:
            page.get_by_label(label, exact=True).fill(text)
    for label in radios:
        page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name=f"Add {register.singular}").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("added")
    first = next(iter(texts.values()))
    row = page.get_by_role("row", name=first)
    expect(row).to_be_visible()
    assert_page_is_usable(page, browsing, register.title)

    row.get_by_role("link", name="Change").click()
    assert_page_is_usable(page, browsing, f"Change a {register.singular}")
    assert register.model.objects.count() == 1
