"""Spreadsheet uploads are read within caps, so a small file cannot tie up a web worker
(security finding F6): a declared size over the caps is refused before reading, rows past
the cap are refused while reading, entity expansion is refused, and the refusal reaches the
upload pages' error summary."""

from __future__ import annotations

import io
import re
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError
from django.urls import reverse
from openpyxl import Workbook

from prevent_portal.core.tabular import ImportFileError, read_table
from referrals.models import Referral
from tests.conftest import sign_in

COLUMNS = ["name", "count"]
SHEET = "xl/worksheets/sheet1.xml"
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
        for n in range(1, 10)
    )
    + "]>"
)


def workbook(rows: int = 2) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    for n in range(rows):
        sheet.append([f"row {n}", n])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewrite_sheet(content: bytes, change) -> bytes:
    """The workbook with its first sheet's XML passed through ``change``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == SHEET:
                data = change(data.decode()).encode()
            target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def declaring(ref: str) -> bytes:
    return rewrite_sheet(
        workbook(), lambda xml: re.sub(r'dimension ref="[^"]+"', f'dimension ref="{ref}"', xml)
    )


def test_a_small_file_declaring_columns_a_to_xfd_is_refused_at_once():
    content = declaring("A1:XFD3")
    assert len(content) < 20_000
    started = time.perf_counter()
    with pytest.raises(ImportFileError, match="16,384 columns: it can have at most 50"):
        read_table("big.xlsx", content, COLUMNS)
    assert time.perf_counter() - started < 0.5


def test_a_file_declaring_a_million_rows_is_refused_at_once():
    started = time.perf_counter()
    with pytest.raises(ImportFileError, match="more than 2,000 rows"):
        read_table("big.xlsx", declaring("A1:B1048576"), COLUMNS)
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize("kind", ["csv", "xlsx", "xlsx without a dimension"])
def test_rows_past_the_cap_are_refused(settings, kind):
    settings.IMPORT_MAX_ROWS = 5
    if kind == "csv":
        name, content = "f.csv", ("name,count\n" + "x,1\n" * 6).encode()
    else:
        name, content = "f.xlsx", workbook(rows=6)
        if kind == "xlsx without a dimension":
            content = rewrite_sheet(content, lambda xml: re.sub(r"<dimension [^>]*/>", "", xml))
    with pytest.raises(ImportFileError, match="more than 5 rows"):
        read_table(name, content, COLUMNS)


def test_rows_up_to_the_cap_are_read(settings):
    settings.IMPORT_MAX_ROWS = 5
    assert [line for line, _ in read_table("f.xlsx", workbook(rows=5), COLUMNS)] == [2, 3, 4, 5, 6]
    assert len(read_table("f.csv", ("name,count\n" + "x,1\n" * 5).encode(), COLUMNS)) == 5


def test_a_csv_header_wider_than_the_cap_is_refused(settings):
    settings.IMPORT_MAX_COLUMNS = 3
    with pytest.raises(ImportFileError, match="4 columns: it can have at most 3"):
        read_table("f.csv", b"name,count,a,b\nx,1,2,3\n", COLUMNS)


def test_a_workbook_that_unpacks_too_large_is_refused(settings):
    settings.IMPORT_MAX_UNPACKED_MB = 1
    padded = rewrite_sheet(
        workbook(), lambda xml: xml.replace("</worksheet>", " " * 2_000_000 + "</worksheet>")
    )
    assert len(padded) < 100_000
    with pytest.raises(ImportFileError, match="unpacks to more than 1 MB"):
        read_table("f.xlsx", padded, COLUMNS)


def test_billion_laughs_in_a_sheet_is_refused():
    def bomb(xml: str) -> str:
        body = xml.split("?>", 1)[1] if xml.startswith("<?xml") else xml
        return BILLION_LAUGHS + body.replace("<v>0</v>", "<v>&lol9;</v>", 1)

    started = time.perf_counter()
    with pytest.raises(ImportFileError, match="not a readable XLSX workbook"):
        read_table("bomb.xlsx", rewrite_sheet(workbook(), bomb), COLUMNS)
    assert time.perf_counter() - started < 1


def test_openpyxl_parses_through_defusedxml():
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML


def test_referral_upload_page_shows_the_cap_in_the_error_summary(client, world):
    sign_in(client, world.coordinator)
    response = client.post(
        reverse("referrals:import"),
        {"file": SimpleUploadedFile("history.xlsx", declaring("A1:XFD3"))},
    )
    html = response.content.decode()
    assert response.status_code == 200
    summary = html.split('class="govuk-error-summary"')[1].split("</ul>")[0]
    assert "16,384 columns" in summary
    assert not Referral.objects.exists()


def test_training_upload_page_shows_the_cap_in_the_error_summary(client, world):
    sign_in(client, world.coordinator)
    response = client.post(
        reverse("training:upload"),
        {"file": SimpleUploadedFile("returns.xlsx", declaring("A1:B1048576"))},
    )
    html = response.content.decode()
    assert response.status_code == 200
    summary = html.split('class="govuk-error-summary"')[1].split("</ul>")[0]
    assert "more than 2,000 rows" in summary


def test_the_import_commands_take_more_rows_than_an_upload(world, settings, tmp_path):
    """The commands run outside the web, so they have their own, larger cap."""
    from django.core.management import call_command

    from tests.training.helpers import csv_bytes, row

    settings.IMPORT_MAX_ROWS = 2
    rows = [row(period_end=f"{year}-06-30") for year in (2015, 2016, 2017)]
    path = tmp_path / "returns.csv"
    path.write_bytes(csv_bytes(rows))
    with pytest.raises(ImportFileError, match="more than 2 rows"):
        read_table("returns.csv", path.read_bytes(), list(rows[0]))
    call_command("import_training_returns", str(path), stdout=io.StringIO())
    settings.IMPORT_MAX_ROWS_COMMAND = 2
    with pytest.raises(CommandError, match="more than 2 rows"):
        call_command("import_training_returns", str(path), stdout=io.StringIO())
