"""The pages of "Make a referral" share one step header (back link, error summary, caption,
the Continue form): templates/referrals/_intake_page.html. Found in a re-read of issue 18's
work: the council-area question (intake_area.html) wrote the header out again, as the
agency, question, date of birth, needs, source and check pages each did."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

SHARED = "referrals/_intake_page.html"
HEADER = ['class="govuk-back-link"', '<span class="govuk-caption-l">Make a referral</span>']


def test_no_intake_page_writes_out_the_step_header():
    folder = Path(settings.BASE_DIR) / "templates" / "referrals"
    written_out = []
    for path in sorted(folder.glob("intake_*.html")):
        text = path.read_text()
        if any(part in text for part in HEADER) and path.name != "intake_discard.html":
            written_out.append(path.name)
    assert written_out == [], f"Extend {SHARED} instead: {written_out}"
    for name in ("intake_area.html", "intake_agency.html", "intake_step.html"):
        assert (folder / name).read_text().startswith(f'{{% extends "{SHARED}" %}}'), name
