"""What every rendered page must satisfy in a real browser, whoever is looking at it."""

from playwright.sync_api import expect

from tests.browser.a11y import assert_accessible

# GOV.UK Frontend marks each component it has initialised with data-<module>-init; if the
# content security policy blocked our module script, none would be.
ALL_COMPONENTS_INITIALISED = """() => {
  const roots = [...document.querySelectorAll("[data-module]")];
  return roots.every(el => el.hasAttribute(`data-${el.dataset.module}-init`));
}"""


def assert_page_is_usable(page, browsing, heading: str) -> None:
    """One h1 saying what the page is, GOV.UK Frontend's JavaScript running under the CSP,
    nothing refused by the browser, and no axe-core violations."""
    h1 = page.locator("h1")
    expect(h1).to_have_count(1)
    expect(h1).to_contain_text(heading)
    expect(page.locator("header .govuk-header")).to_be_visible()
    page.wait_for_function(ALL_COMPONENTS_INITIALISED)
    assert browsing.console_errors == [], f"The browser complained on {page.url}"
    assert_accessible(page)


def _date_parts(value) -> tuple[str, str, str]:
    if isinstance(value, str):  # "27/3/2026"
        day, month, year = value.split("/")
        return day, month, year
    return str(value.day), str(value.month), str(value.year)


def date_group(page, legend: str):
    """A GOV.UK date input: the fieldset named by its legend."""
    return page.get_by_role("group", name=legend, exact=True)


def fill_date(page, legend: str, value) -> None:
    """Type a date (a ``date`` or "27/3/2026") into the Day, Month and Year boxes of the
    GOV.UK date input whose legend is ``legend``."""
    group = date_group(page, legend)
    for label, part in zip(("Day", "Month", "Year"), _date_parts(value), strict=True):
        group.get_by_label(label, exact=True).fill(part)


def expect_date(page, legend: str, value) -> None:
    """The three boxes of a date input show ``value``."""
    group = date_group(page, legend)
    for label, part in zip(("Day", "Month", "Year"), _date_parts(value), strict=True):
        expect(group.get_by_label(label, exact=True)).to_have_value(part)


def follow_menu(page, label: str) -> None:
    """Open the page a menu link ``label`` leads to as a person would: its section in the
    header's menu, then the link in that section's own navigation (the sections are in
    prevent_portal/core/navigation.py)."""
    from prevent_portal.core.navigation import SECTIONS, registered_items

    item = next(i for i in registered_items() if i.label == label)
    section = SECTIONS[item.section].label
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name=section, exact=True
    ).click()
    page.get_by_role("navigation", name=section, exact=True).get_by_role(
        "link", name=label, exact=True
    ).click()
