"""The Coordinator's upload of historical referrals in the browser's place (Django client)."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from referrals.models import Referral
from tests.conftest import sign_in
from tests.referrals.test_import import csv_bytes, row, xlsx_bytes


def upload(client, name, content):
    return client.post(reverse("referrals:import"), {"file": SimpleUploadedFile(name, content)})


def test_coordinator_uploads_a_file_and_sees_how_many_were_imported(client, world):
    sign_in(client, world.coordinator)
    response = upload(client, "history.xlsx", xlsx_bytes([row(1), row(2)]))
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:import_result")
    page = client.get(response["Location"]).content.decode()
    assert "2 referrals imported" in page
    assert "HIST-00001" not in page and "Quillfeather" not in page
    referral = Referral.objects.get(reference="HIST-00001")
    assert referral.imported
    assert referral.chronology.get().author == world.coordinator

    again = upload(client, "history.xlsx", xlsx_bytes([row(1), row(2)]))
    page = client.get(again["Location"]).content.decode()
    assert "0 referrals imported" in page
    assert Referral.objects.count() == 2


def test_every_bad_row_is_in_the_error_summary_and_nothing_is_saved(client, world):
    sign_in(client, world.coordinator)
    rows = [row(1), row(2, outcome="Unknown outcome"), row(3), row(4, date_of_birth="31/12/1999")]
    response = upload(client, "history.csv", csv_bytes(rows))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Import historical referrals" in html
    summary = html.split('class="govuk-error-summary"')[1].split("</ul>")[0]
    assert "Line 3: outcome &#x27;Unknown outcome&#x27; is not known" in summary
    assert "Line 5: date_of_birth &#x27;31/12/1999&#x27; is not a date" in summary
    assert 'href="#id_file"' in summary
    assert Referral.objects.count() == 0


def test_submitting_without_a_file_asks_for_one(client, world):
    sign_in(client, world.coordinator)
    response = client.post(reverse("referrals:import"), {})
    assert "Choose a CSV or XLSX file to import" in response.content.decode()


def test_a_file_of_another_kind_is_refused(client, world):
    sign_in(client, world.coordinator)
    response = upload(client, "history.pdf", b"%PDF-1.4")
    assert "The file must be a CSV or XLSX file" in response.content.decode()
    assert Referral.objects.count() == 0


def test_the_form_shows_an_importing_state_from_an_external_script(client, world):
    sign_in(client, world.coordinator)
    html = client.get(reverse("referrals:import")).content.decode()
    assert "data-import-progress hidden" in html
    assert "app/import-progress" in html and 'type="module"' in html
    assert 'enctype="multipart/form-data"' in html


def test_navigation_offers_statistics_and_import_to_the_right_roles(client, world):
    sign_in(client, world.coordinator)
    html = client.get(reverse("core:home")).content.decode()
    assert reverse("referrals:statistics") in html and reverse("referrals:import") in html
    client.logout()
    sign_in(client, world.manager)
    html = client.get(reverse("core:home")).content.decode()
    assert reverse("referrals:statistics") in html
    assert reverse("referrals:import") not in html
