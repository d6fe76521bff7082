"""A meeting's agenda as one reader may see it: the read side shared by the meeting page,
the minutes and the panel pack.

Meetings hold no personal data, their items do: an item is shown in full only when its
referral (a new case) or its case (a review) is in ``visible_to(reader)``; otherwise the
reader learns its position, its kind and whether it has a decision, never a name or a
reference. Every page built from here runs the same number of queries however many items
the agenda holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch

from channel_panel.models import (
    AgendaItem,
    CaseNeedsFlag,
    ChannelCase,
    Consent,
    Decision,
    PanelMeeting,
    SupportAction,
    is_under_18,
)
from referrals.models import ChronologyEntry, Referral, age_on

# How many of the latest chronology entries the panel pack shows for each item.
PACK_CHRONOLOGY_ENTRIES = 5


@dataclass
class AgendaRow:
    item: AgendaItem
    # Set only when the reader may see the item's case or referral.
    referral: Referral | None = None
    case: ChannelCase | None = None
    entries: list[Decision] = field(default_factory=list)  # every decision entry, oldest first
    # The minutes (channel_panel/minutes.py fills them, for visible items only).
    notes: list = field(default_factory=list)  # every notes entry, oldest first
    actions: list = field(default_factory=list)
    note: object = None  # the notes in force (the entry nothing corrects)

    @property
    def visible(self) -> bool:
        return self.item.kind == AgendaItem.Kind.OTHER or self.referral is not None

    @property
    def is_case_item(self) -> bool:
        return self.item.kind != AgendaItem.Kind.OTHER

    @property
    def person(self):
        return self.referral.person if self.referral is not None else None

    @property
    def reference(self) -> str:
        if self.case is not None:
            return self.case.reference
        return self.referral.reference if self.referral is not None else ""

    @property
    def decision(self) -> Decision | None:
        """The decision in force: the entry nothing corrects."""
        corrected = {entry.corrects_id for entry in self.entries}
        current = [entry for entry in self.entries if entry.pk not in corrected]
        return current[-1] if current else None

    @property
    def corrected_entries(self) -> list[Decision]:
        current = self.decision
        return [entry for entry in self.entries if entry is not current]

    # --- Pack details (only with ``detail=True``) ---
    @property
    def age(self) -> int | None:
        """The person's age on the day of the meeting."""
        if self.person is None:
            return None
        return age_on(self.person.date_of_birth, self.item.meeting.meets_on)

    @property
    def needs_flags(self) -> list[str]:
        if self.case is not None:
            return [f"{flag.flag.name} ({flag.source_agency.name})" for flag in self.case.current]
        return [flag.name for flag in self.referral.needs_flags.all()]

    @property
    def latest_entries(self) -> list[ChronologyEntry]:
        return list(reversed(self.referral.latest_entries))

    @property
    def consent(self) -> Consent | None:
        """The latest consent recorded (given, or given and withdrawn)."""
        consents = list(self.case.consents.all()) if self.case else []
        return consents[0] if consents else None

    @property
    def parental_consent_missing(self) -> bool:
        if self.case is None or not is_under_18(self.case, self.item.meeting.meets_on):
            return False
        return not any(
            c.is_live and c.given_by == Consent.GivenBy.PARENT for c in self.case.consents.all()
        )

    def records(self) -> list:
        """What showing this row in full shows, for the access log."""
        if self.referral is None:
            return []
        return [r for r in (self.referral, self.referral.person, self.case) if r is not None]


def _chronology_prefetch(prefix: str) -> Prefetch:
    return Prefetch(
        f"{prefix}chronology",
        queryset=ChronologyEntry.objects.select_related("author").order_by("-created_at", "-pk")[
            :PACK_CHRONOLOGY_ENTRIES
        ],
        to_attr="latest_entries",
    )


def _visible_among(model, pks: set[int], reader):
    """The records of ``pks`` that ``reader`` may see, the scope read for them alone
    (``among``); with none to look at, no scope is built (a held meeting's agenda holds
    referrals or cases, often not both)."""
    return model.objects.among(pks).visible_to(reader) if pks else model.objects.none()


# What the meeting page's agenda shows of a row's records (``brief``): the reference and the
# person's name, the decision's outcome, and the keys that link them (the access log needs
# the primary keys and ``str()``, the reference). Read in full, a page's 50 referrals and
# their people were 45 columns a row, and each decision brought the user who recorded it
# (every column of the user table): 281 model instances a page, now 200.
_BRIEF_REFERRAL = ("reference", "person__given_name", "person__family_name")
_BRIEF_DECISION = ("item", "outcome", "corrects")
_BRIEF_CASE = (
    "reference",
    "referral__reference",
    "referral__person__given_name",
    "referral__person__family_name",
)


def agenda_rows(
    meeting: PanelMeeting,
    reader,
    *,
    detail: bool = False,
    brief: bool = False,
    bounds: slice | None = None,
    item_pk: int | None = None,
) -> list[AgendaRow]:
    """The meeting's items in order, each with its decision entries and, where ``reader``
    may see it, its referral (with the person) and case. ``detail`` adds what the panel
    pack shows: concern types, needs flags, latest chronology, support plan, consent.
    ``brief``: the records' references, the people's names and the decisions' outcomes
    alone (``_BRIEF_REFERRAL``, ``_BRIEF_CASE``, ``_BRIEF_DECISION``), for a page that shows
    no more of them (the meeting page); any other field of them read afterwards is a query
    a row.
    ``bounds``: only those items of the agenda in order (one page of the meeting page);
    ``item_pk``: only that item."""
    if brief and detail:
        raise ValueError("The pack's details are not brief")
    ordered = meeting.items.order_by("position", "pk")
    if item_pk is not None:
        ordered = ordered.filter(pk=item_pk)
    if bounds is not None:
        ordered = ordered[bounds]
    # ``to_attr``: a list on each item. Prefetched into the related manager instead, Django
    # filters a queryset per item (``_apply_rel_filters``) only to hold the rows it has read.
    if brief:
        # The decision cell reads the outcome and whether an entry corrects another.
        decisions = Decision.objects.only(*_BRIEF_DECISION)
    else:
        decisions = Decision.objects.select_related("recorded_by", "signposted_to")
    items = list(
        ordered.prefetch_related(
            Prefetch(
                "decisions",
                queryset=decisions.order_by("recorded_at", "pk"),
                to_attr="decision_list",
            )
        )
    )
    case_ids = {item.case_id for item in items if item.case_id}
    referral_ids = {item.referral_id for item in items if item.referral_id and not item.case_id}
    cases = _visible_among(ChannelCase, case_ids, reader)
    referrals = _visible_among(Referral, referral_ids, reader)
    # Unordered: the rows take the items' order. (The models' default ordering sorted the
    # records for nothing.)
    if brief:
        cases = cases.select_related("referral__person").only(*_BRIEF_CASE).order_by()
        referrals = referrals.select_related("person").only(*_BRIEF_REFERRAL).order_by()
    else:
        cases = cases.select_related("referral__person", "lead_agency", "case_manager").order_by()
        referrals = referrals.select_related("person").order_by()
    if detail:
        referrals = referrals.prefetch_related(
            "concern_types", "needs_flags", _chronology_prefetch("")
        )
        cases = cases.prefetch_related(
            "referral__concern_types",
            _chronology_prefetch("referral__"),
            Prefetch(
                "needs_flags",
                queryset=CaseNeedsFlag.objects.filter(removed_on__isnull=True).select_related(
                    "flag", "source_agency"
                ),
                to_attr="current",
            ),
            Prefetch(
                "actions",
                queryset=SupportAction.objects.select_related(
                    "support_type", "owner_agency", "owner_provider"
                ),
                to_attr="action_list",
            ),
            "consents",
        )
    seen_cases = {case.pk: case for case in cases}
    seen_referrals = {referral.pk: referral for referral in referrals}
    rows = []
    for item in items:
        row = AgendaRow(item=item, entries=item.decision_list)
        if item.case_id in seen_cases:
            row.case = seen_cases[item.case_id]
            row.referral = row.case.referral
        elif not item.case_id and item.referral_id in seen_referrals:
            row.referral = seen_referrals[item.referral_id]
        rows.append(row)
    return rows


def agenda_row(meeting: PanelMeeting, reader, item_pk: int) -> AgendaRow | None:
    """One item of the meeting as ``reader`` may see it (None if it is not on the agenda)."""
    return next(iter(agenda_rows(meeting, reader, item_pk=item_pk)), None)


def access_records(rows: list[AgendaRow]) -> list:
    return [record for row in rows for record in row.records()]
