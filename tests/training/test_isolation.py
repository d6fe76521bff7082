"""Agency isolation: a SPOC at agency A can neither see nor change agency B's returns,
whether through the pages, the form, the upload or the download."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from openpyxl import load_workbook

from tests.training.helpers import csv_bytes, make_return, quarter, row, wrap
from training.models import ComplianceReturn, get_return_for_user

END = date(2018, 6, 30)


@pytest.fixture
def returns(world):
    return {
        "a": make_return(world.agency_a, END, 480, 422),
        "b": make_return(world.agency_b, END, 536, 495),
    }


def test_querysets_scope_a_spoc_to_their_own_agency(world, returns):
    assert list(ComplianceReturn.objects.visible_to(world.spoc_a)) == [returns["a"]]
    assert list(ComplianceReturn.objects.editable_by(world.spoc_a)) == [returns["a"]]
    assert set(ComplianceReturn.objects.visible_to(world.coordinator)) == set(returns.values())
    assert set(ComplianceReturn.objects.editable_by(world.coordinator)) == set(returns.values())


@pytest.mark.parametrize("persona", ["manager", "chair"])
def test_readers_see_every_agency_but_change_none(world, returns, persona):
    user = world.persona(persona)
    assert set(ComplianceReturn.objects.visible_to(user)) == set(returns.values())
    assert not ComplianceReturn.objects.editable_by(user).exists()
    with pytest.raises(PermissionDenied):
        get_return_for_user(user, returns["b"].pk, perm="change")


@pytest.mark.parametrize("persona", ["panel_a", "referrer_a", "sysadmin", "no_role"])
def test_other_roles_see_no_return(world, returns, persona):
    user = world.persona(persona)
    assert not ComplianceReturn.objects.visible_to(user).exists()
    with pytest.raises(Http404):
        get_return_for_user(user, returns["a"].pk)


def test_an_ended_spoc_membership_takes_the_returns_away(world, returns):
    from prevent_portal.accounts.models import Membership
    from prevent_portal.accounts.services import membership_end

    membership_end(
        membership=Membership.objects.get(user=world.spoc_a, role="spoc"), acting_user=None
    )
    world.spoc_a.refresh_from_db()
    assert not ComplianceReturn.objects.visible_to(world.spoc_a).exists()


def test_spoc_cannot_open_or_change_another_agencys_return(world, returns, signed_in_client):
    client = signed_in_client(world.spoc_a)
    b = returns["b"]
    assert client.get(f"/training/returns/{b.pk}/").status_code == 404
    assert client.get(f"/training/returns/{b.pk}/change/").status_code == 404
    response = client.post(
        f"/training/returns/{b.pk}/change/",
        {"eligible": "536", "compliant": "1", "version": str(b.version)},
    )
    assert response.status_code == 404
    b.refresh_from_db()
    assert b.compliant == 495


def test_spoc_cannot_enter_a_return_for_another_agency_through_the_form(world, signed_in_client):
    client = signed_in_client(world.spoc_a)
    response = client.post(
        "/training/returns/new/",
        {
            "agency": str(world.agency_b.pk),
            "training_type": str(wrap().pk),
            "period": str(quarter(END).pk),
            "eligible": "100",
            "compliant": "90",
        },
    )
    assert response.status_code == 200
    assert "Choose one of your agencies" in response.content.decode()
    assert not ComplianceReturn.objects.exists()


def test_spoc_upload_with_another_agencys_row_saves_nothing(world, returns, signed_in_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = signed_in_client(world.spoc_a)
    content = csv_bytes(
        [
            row("Agency A", period_end="2018-09-30", eligible="480", compliant="430"),
            row("Agency B", period_end="2018-06-30", eligible="536", compliant="1"),
        ]
    )
    response = client.post(
        "/training/returns/upload/",
        {"file": SimpleUploadedFile("returns.csv", content, content_type="text/csv")},
    )
    assert response.status_code == 200
    assert "Line 3: agency &#x27;Agency B&#x27; is not one you return figures for" in (
        response.content.decode()
    )
    returns["b"].refresh_from_db()
    assert returns["b"].compliant == 495
    assert ComplianceReturn.objects.count() == 2


def test_spoc_download_holds_their_own_agency_only(world, returns, signed_in_client):
    client = signed_in_client(world.spoc_a)
    period = quarter(END).pk
    query = {"period_from": period, "period_to": period}
    csv_text = client.get("/training/", {**query, "format": "csv"}).content.decode()
    assert "Agency A" in csv_text and "Agency B" not in csv_text
    # Asking for agency B by its id is an error, not a download of B's figures.
    response = client.get("/training/", {**query, "agency": world.agency_b.pk, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Choose one of the agencies" in page
    assert "Agency B" not in page
    xlsx = client.get("/training/", {**query, "format": "xlsx"}).content
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["Agency A"]


def test_spoc_compliance_page_shows_their_agency_only(world, returns, signed_in_client):
    client = signed_in_client(world.spoc_b)
    period = quarter(END).pk
    response = client.get("/training/", {"period_from": period, "period_to": period})
    agencies = {r.agency.name for t in response.context["tables"] for r in t.rows}
    assert agencies == {"Agency B"}
    assert "Agency A" not in response.content.decode()


def test_spoc_return_list_shows_their_agency_only(world, returns, signed_in_client):
    client = signed_in_client(world.spoc_a)
    response = client.get("/training/returns/", {"period": quarter(END).pk})
    assert {r["agency"].name for r in response.context["rows"]} == {"Agency A"}
