"""The decision form's conditional reveals: each outcome's details sit under its radio, and
the form, not the page, decides which details count."""

import tinyhtml5

from channel_panel.models import ChannelCase, Decision
from referrals.models import Referral, SignpostingService
from tests.channel_panel.test_decisions import decision_url, items  # noqa: F401
from tests.channel_panel.test_meetings import agenda, client_for, panel, person  # noqa: F401


def _page(html: str):
    return tinyhtml5.parse(html, namespace_html_elements=False)


def _conditional(page, value: str):
    """The radio of an outcome and the conditional container it controls."""
    radio = page.find(f".//input[@name='outcome'][@value='{value}']")
    controls = radio.get("data-aria-controls")
    assert controls == f"conditional-{radio.get('id')}"
    return radio, page.find(f".//div[@id='{controls}']")


def _names(container) -> set[str]:
    return {el.get("name") for el in container.iter() if el.get("name")}


def test_each_outcome_reveals_only_its_own_details(world, panel, items):  # noqa: F811
    new_item, review_item = items
    client = client_for(world.chair)
    page = _page(client.get(decision_url(panel, new_item)).content.decode())
    _, adopt = _conditional(page, "adopt")
    _, not_adopt = _conditional(page, "not_adopt")
    assert _names(adopt) == {"lead_agency", "case_manager"}
    assert _names(not_adopt) == {"signposted_to"}
    for container in (adopt, not_adopt):
        assert "govuk-radios__conditional--hidden" in container.get("class")
    # Nothing of an outcome's details outside its radio, and no name twice.
    names = [el.get("name") for el in page.iter() if el.get("name")]
    assert names.count("lead_agency") == 1 and names.count("signposted_to") == 1

    page = _page(client.get(decision_url(panel, review_item)).content.decode())
    _, exit_ = _conditional(page, "exit")
    assert _names(exit_) == {"exit_reason", "return_ownership_to", "exit_case_manager"}


def test_a_refused_decision_shows_the_chosen_outcomes_details_open(world, panel, items):  # noqa: F811
    new_item, _ = items
    response = client_for(world.chair).post(
        decision_url(panel, new_item), {"outcome": "adopt", "rationale": "Willing to engage"}
    )
    page = _page(response.content.decode())
    radio, adopt = _conditional(page, "adopt")
    assert radio.get("checked") is not None
    assert "govuk-radios__conditional--hidden" not in adopt.get("class")
    assert "Choose the lead agency of the case" in "".join(adopt.itertext())


def test_details_left_under_another_radio_are_not_part_of_the_decision(world, panel, items):  # noqa: F811
    # The chair picked "adopt" and a lead agency, then changed their mind: the browser still
    # sends the hidden lead agency.
    new_item, _ = items
    service = SignpostingService.objects.current().first()
    response = client_for(world.chair).post(
        decision_url(panel, new_item),
        {
            "outcome": "not_adopt",
            "rationale": "Other support fits better",
            "signposted_to": service.pk,
            "lead_agency": world.agency_b.pk,
            "case_manager": f"{world.spoc_b.pk}-{world.agency_b.pk}",
        },
    )
    assert response.status_code == 302
    decision = new_item.decisions.get()
    assert decision.outcome == Decision.Outcome.NOT_ADOPT
    assert decision.signposted_to == service
    assert not ChannelCase.objects.filter(referral=new_item.referral).exists()
    new_item.referral.refresh_from_db()
    assert new_item.referral.status == Referral.Status.CLOSED
