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

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from prevent_portal.accounts.models import Agency, Sector
from prevent_portal.core.tabular import TOO_MANY, ImportFileError, RowProblem, read_table
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
MAX_LENGTHS = {"reference": 40, "first_name": 100, "last_name": 100, "postcode": 10}


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


def read_rows(
    name: str, content: bytes, *, max_rows: int | None = None
) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: text}) for every non-blank data row of a CSV or XLSX file."""
    return read_table(name, content, COLUMNS, max_rows=max_rows)


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
