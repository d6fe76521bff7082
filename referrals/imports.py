"""Reading and checking a historical referral file (CSV or XLSX) before anything is saved.

The file has one header row and one referral per row, with the columns of ``COLUMNS``.
Every row is checked before any is imported, against lookups loaded once (no query per
row), and every problem is reported with the file's line number (the header is line 1).

Matching rules, so a file can be prepared by hand:
- dates are ISO (YYYY-MM-DD); flags are yes/no/blank (blank means no);
- agencies, sectors, types of concern and outcomes are matched by name, case-insensitively
  (a lookup's code is accepted too); several types of concern are separated by ";";
- gender is male, female, other or not known (blank: not known);
- a blank sector means the referring agency's own sector;
- lookups are matched whatever their effective dates, since history uses old categories.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone

from prevent_portal.accounts.models import Agency, Sector
from referrals.models import ConcernType, Gender, NeedsFlag, Outcome

COLUMNS = [
    "reference",
    "received_on",
    "first_name",
    "last_name",
    "date_of_birth",
    "gender",
    "postcode",
    "referring_agency",
    "sector",
    "type_of_concern",
    "outcome",
    "mental_health_concern",
    "diagnosed_mental_illness",
    "known_to_mental_health_services",
    "autism",
    "learning_difficulty",
    "reached_panel",
    "adopted",
]
REQUIRED_VALUES = ["reference", "received_on", "first_name", "last_name", "referring_agency"]
# Flag column -> NeedsFlag code.
FLAG_COLUMNS = {
    "mental_health_concern": NeedsFlag.MENTAL_HEALTH_CONCERN,
    "diagnosed_mental_illness": NeedsFlag.DIAGNOSED_MENTAL_ILLNESS,
    "known_to_mental_health_services": NeedsFlag.KNOWN_TO_MENTAL_HEALTH_SERVICES,
    "autism": NeedsFlag.AUTISM,
    "learning_difficulty": NeedsFlag.LEARNING_DIFFICULTY,
}
YES, NO = "yes", "no"
GENDERS = {
    "male": Gender.MALE,
    "female": Gender.FEMALE,
    "other": Gender.OTHER,
    "not known": Gender.NOT_KNOWN,
    "not_known": Gender.NOT_KNOWN,
    "": Gender.NOT_KNOWN,
}
TOO_MANY = "_too_many"  # not a column name: set when a row has more values than the header
MAX_LENGTHS = {"reference": 40, "first_name": 100, "last_name": 100, "postcode": 10}


class ImportFileError(Exception):
    """The file as a whole cannot be read (not CSV/XLSX, no header, missing columns)."""


@dataclass
class RowProblem:
    line: int
    reasons: list[str]

    def __str__(self) -> str:
        return f"Line {self.line}: {'; '.join(self.reasons)}"


@dataclass
class ImportRow:
    """One checked row, with its lookups resolved to model instances."""

    line: int
    reference: str
    received_on: date
    first_name: str
    last_name: str
    date_of_birth: date | None
    gender: str
    postcode: str
    referring_agency: Agency
    sector: Sector
    concern_types: list[ConcernType]
    outcome: Outcome | None
    needs_flags: list[NeedsFlag]
    reached_panel: bool
    adopted: bool


@dataclass
class CheckedFile:
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_rows(name: str, content: bytes) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: text}) for every non-blank data row of a CSV or XLSX file."""
    lowered = name.lower()
    if lowered.endswith(".xlsx"):
        return _read_xlsx(content)
    if lowered.endswith(".csv") or lowered.endswith(".txt"):
        return _read_csv(content)
    raise ImportFileError("The file must be a CSV or XLSX file")


def _header(cells) -> list[str]:
    header = [str(c or "").strip().lower() for c in cells]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ImportFileError(f"The file is missing the columns: {', '.join(missing)}")
    return header


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read_csv(content: bytes) -> list[tuple[int, dict[str, str]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError("The file must be saved as UTF-8 CSV") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = _header(next(reader))
    except StopIteration as exc:
        raise ImportFileError("The file is empty") from exc
    except csv.Error as exc:
        raise ImportFileError(f"The file is not valid CSV: {exc}") from exc
    rows = []
    line_done = reader.line_num
    try:
        for cells in reader:
            line = line_done + 1  # where this record starts (quoted values may span lines)
            line_done = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            values = _cells_to_dict(header, cells)
            if len(cells) > len(header):
                values[TOO_MANY] = f"{len(cells)} values but the header has {len(header)} columns"
            rows.append((line, values))
    except csv.Error as exc:
        raise ImportFileError(f"The file is not valid CSV (line {line_done + 1}): {exc}") from exc
    return rows


def _read_xlsx(content: bytes) -> list[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not XLSX
        raise ImportFileError("The file is not a readable XLSX workbook") from exc
    try:
        sheet = workbook.worksheets[0]
        rows_iter = sheet.iter_rows(values_only=True)
        try:
            header = _header(next(rows_iter))
        except StopIteration as exc:
            raise ImportFileError("The file is empty") from exc
        rows = []
        for line, cells in enumerate(rows_iter, start=2):
            values = [_text(c) for c in cells]
            if not any(values):
                continue
            rows.append((line, _cells_to_dict(header, values)))
        return rows
    finally:
        workbook.close()


def _cells_to_dict(header: list[str], cells) -> dict[str, str]:
    values = {}
    if any(_text(c) for c in cells[len(header) :]):
        values[TOO_MANY] = f"{len(cells)} values but the header has {len(header)} columns"
    for index, name in enumerate(header):
        if name in COLUMNS and name not in values:
            values[name] = _text(cells[index]) if index < len(cells) else ""
    return values


class Lookups:
    """Every agency and lookup, loaded once, keyed by lower-cased name and code."""

    def __init__(self):
        self.agencies = _index(Agency.objects.select_related("sector"), code_attr="short_code")
        self.sectors = _index(Sector.objects.all())
        self.concern_types = _index(ConcernType.objects.all())
        self.outcomes = _index(Outcome.objects.all())
        flags = {f.code: f for f in NeedsFlag.objects.filter(code__in=FLAG_COLUMNS.values())}
        self.flags = {column: flags.get(code) for column, code in FLAG_COLUMNS.items()}


def _index(queryset, code_attr: str = "code") -> dict:
    index = {}
    for obj in queryset:
        index.setdefault(getattr(obj, code_attr).lower(), obj)
    for obj in queryset:  # names win over codes
        index[obj.name.strip().lower()] = obj
    return index


def _parse_date(value: str, column: str, reasons: list[str]) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        reasons.append(f"{column} '{value}' is not a date in the form YYYY-MM-DD")
        return None


def _parse_flag(value: str, column: str, reasons: list[str]) -> bool:
    lowered = value.strip().lower()
    if lowered in {YES, NO, ""}:
        return lowered == YES
    reasons.append(f"{column} must be yes, no or blank, not '{value}'")
    return False


def check_rows(rows: list[tuple[int, dict[str, str]]], lookups: Lookups | None = None):
    """Check every row; resolve lookups. Returns a CheckedFile with rows or problems."""
    lookups = lookups or Lookups()
    today = timezone.localdate()
    result = CheckedFile()
    seen_references: dict[str, int] = {}
    if not rows:
        raise ImportFileError("The file has no referrals in it")
    for line, values in rows:
        reasons: list[str] = []
        if TOO_MANY in values:
            reasons.append(
                f"the row has {values[TOO_MANY]} (is a value with a comma not in quotes?)"
            )
        for column in REQUIRED_VALUES:
            if not values.get(column):
                reasons.append(f"{column} is missing")
        for column, limit in MAX_LENGTHS.items():
            if len(values.get(column, "")) > limit:
                reasons.append(f"{column} is longer than {limit} characters")
        reference = values.get("reference", "")
        if reference:
            if reference in seen_references:
                reasons.append(
                    f"reference {reference} is already used on line {seen_references[reference]}"
                )
            else:
                seen_references[reference] = line
        received_on = date_of_birth = None
        if values.get("received_on"):
            received_on = _parse_date(values["received_on"], "received_on", reasons)
            if received_on and received_on > today:
                reasons.append("received_on is in the future")
        if values.get("date_of_birth"):
            date_of_birth = _parse_date(values["date_of_birth"], "date_of_birth", reasons)
            if date_of_birth and date_of_birth > today:
                reasons.append("date_of_birth is in the future")
            elif date_of_birth and received_on and date_of_birth > received_on:
                reasons.append("date_of_birth is after received_on")
        gender = GENDERS.get(values.get("gender", "").strip().lower())
        if gender is None:
            reasons.append(
                f"gender must be male, female, other or not known, not '{values['gender']}'"
            )
        agency = None
        if values.get("referring_agency"):
            agency = lookups.agencies.get(values["referring_agency"].lower())
            if agency is None:
                reasons.append(f"referring_agency '{values['referring_agency']}' is not known")
        sector = agency.sector if agency else None
        if values.get("sector"):
            sector = lookups.sectors.get(values["sector"].lower())
            if sector is None:
                reasons.append(f"sector '{values['sector']}' is not known")
        concern_types = []
        for name in (n.strip() for n in values.get("type_of_concern", "").split(";")):
            if not name:
                continue
            concern_type = lookups.concern_types.get(name.lower())
            if concern_type is None:
                reasons.append(f"type_of_concern '{name}' is not known")
            elif concern_type not in concern_types:
                concern_types.append(concern_type)
        outcome = None
        if values.get("outcome"):
            outcome = lookups.outcomes.get(values["outcome"].lower())
            if outcome is None:
                reasons.append(f"outcome '{values['outcome']}' is not known")
        needs_flags = []
        for column, flag in lookups.flags.items():
            if _parse_flag(values.get(column, ""), column, reasons):
                if flag is None:
                    reasons.append(f"{column}: the needs flag {FLAG_COLUMNS[column]} is missing")
                else:
                    needs_flags.append(flag)
        reached_panel = _parse_flag(values.get("reached_panel", ""), "reached_panel", reasons)
        adopted = _parse_flag(values.get("adopted", ""), "adopted", reasons)
        if adopted and not reached_panel:
            reasons.append("adopted is yes but reached_panel is not")
        if reasons:
            result.problems.append(RowProblem(line=line, reasons=reasons))
            continue
        result.rows.append(
            ImportRow(
                line=line,
                reference=reference,
                received_on=received_on,
                first_name=values["first_name"],
                last_name=values["last_name"],
                date_of_birth=date_of_birth,
                gender=gender,
                postcode=values.get("postcode", "").upper(),
                referring_agency=agency,
                sector=sector,
                concern_types=concern_types,
                outcome=outcome,
                needs_flags=needs_flags,
                reached_panel=reached_panel,
                adopted=adopted,
            )
        )
    return result
