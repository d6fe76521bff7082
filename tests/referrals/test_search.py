"""The case roles' search box (referrals/search.py, /referrals/search/).

The name search has two paths: pg_trgm on PostgreSQL and a prefix-and-rapidfuzz fallback
elsewhere (the SQLite demo). Service tests run both on whatever database the suite uses:
"fallback" calls the fallback directly, "database" the path the database picks (trigram on
PostgreSQL, as in CI; the fallback again on SQLite)."""

from __future__ import annotations

from datetime import date

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from prevent_portal.accounts.models import User
from referrals.models import Person, PersonAlias, Referral
from referrals.search import (
    PAGE_SIZE,
    QueryError,
    SearchTerms,
    parse_query,
    search,
)
from tests import factories
from tests.conftest import on_postgres, sign_in

PATHS = {"fallback": False, "database": None}
URL = "/referrals/search/"


def someone(agency, given, family, *, dob=date(2001, 3, 12), postcode="ZZ1 4QT", aliases=()):
    person = factories.PersonFactory(
        given_name=given, family_name=family, date_of_birth=dob, postcode=postcode
    )
    for alias_given, alias_family in aliases:
        PersonAlias.objects.create(person=person, given_name=alias_given, family_name=alias_family)
    return factories.referral(agency, person=person)


def found(user, query, path="database"):
    """(full name, reasons) of each result, best first."""
    results = search(user, parse_query(query), trigram=PATHS[path])
    return [(r.person.full_name, r.reasons) for r in results]


# --- Reading the query ---------------------------------------------------------------------
def test_a_query_is_split_into_names_dates_postcodes_and_references():
    terms = parse_query("Jon  SMITH 12/3/2001 zz1 4qt pr-2026-0007")
    assert terms == SearchTerms(
        names=("jon", "smith"),
        references=("PR-2026-0007",),
        dates=(date(2001, 3, 12),),
        postcodes=("ZZ1 4QT",),
    )
    assert parse_query("12 March 2001").dates == (date(2001, 3, 12),)
    assert parse_query("2001-03-12 ZZ14QT").postcodes == ("ZZ1 4QT",)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("   ", "Enter a name, reference, date of birth or postcode"),
        ("x" * 101, "Search must be 100 characters or fewer"),
        ("Smith 31/02/2001", "Enter a real date of birth, like 27/3/2008"),
    ],
)
def test_a_query_that_cannot_be_searched_says_why(query, message):
    with pytest.raises(QueryError, match=message):
        parse_query(query)


# --- What is found, and why ----------------------------------------------------------------
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    ("query", "reasons"),
    [
        ("Jonathan Smithers", ["Name"]),
        ("Jonathon Smithers", ["Name (close spelling)"]),
        ("Smithers Jonathan", ["Names transposed"]),
        ("Smithres Jonathan", ["Names transposed (close spelling)"]),
        ("Johnny Quill", ["Alias"]),
        ("Smithers", ["Name"]),
        ("Jonathan Smithers 12/03/2001", ["Name", "Date of birth"]),
        ("Smithers 03/12/2001", ["Name", "Date of birth (day and month swapped)"]),
        ("12/3/2001", ["Date of birth"]),
        ("ZZ14QT", ["Postcode"]),
    ],
)
def test_names_with_typos_transposed_and_aliases_are_found_and_say_why(world, path, query, reasons):
    someone(world.agency_a, "Jonathan", "Smithers", aliases=[("Johnny", "Quill")])
    someone(world.agency_a, "Priya", "Okonkwo", dob=date(1990, 7, 1), postcode="ZZ2 8AB")
    assert found(world.spoc_a, query, path) == [("Jonathan Smithers", reasons)]


@pytest.mark.parametrize("path", PATHS)
def test_one_word_finds_a_part_of_a_double_barrelled_name(world, path):
    someone(world.agency_a, "Ada", "Smith-Jones")
    assert found(world.spoc_a, "Jones", path) == [("Ada Smith-Jones", ["Name"])]


@pytest.mark.parametrize("path", PATHS)
def test_a_reference_finds_its_person(world, path):
    referral = someone(world.agency_a, "Jonathan", "Smithers")
    someone(world.agency_a, "Priya", "Okonkwo")
    assert found(world.spoc_a, referral.reference.lower(), path) == [
        ("Jonathan Smithers", ["Reference"])
    ]


@pytest.mark.parametrize("path", PATHS)
def test_a_channel_case_reference_finds_its_person_for_who_sees_the_case(world, path):
    case = factories.channel_case(world.agency_b, world.spoc_b)
    name = case.referral.person.full_name
    assert case.reference.startswith("CC-")
    for query in (case.reference, case.reference.lower()):
        assert found(world.spoc_b, query, path) == [(name, ["Channel case reference"])]
    assert found(world.coordinator, case.reference, path) == [(name, ["Channel case reference"])]


def test_a_channel_case_reference_of_another_agency_gives_the_same_page_as_nobody(client, world):
    """Agency A sees the person (its own referral of them) but not agency B's case: the
    case reference finds nothing, as a reference that does not exist (need to know)."""
    case = factories.channel_case(world.agency_b, world.spoc_b)
    ours = factories.referral(world.agency_a, person=case.referral.person)
    assert found(world.spoc_a, ours.reference) != []
    assert found(world.spoc_a, case.reference) == []
    sign_in(client, world.spoc_a)
    theirs = _main(client.get(URL, {"q": case.reference}))
    nobody = _main(client.get(URL, {"q": "CC-2099-99999"}))
    assert "No results" in theirs
    assert theirs.replace(case.reference, "Q") == nobody.replace("CC-2099-99999", "Q")


@pytest.mark.parametrize("path", PATHS)
def test_every_criterion_must_match(world, path):
    someone(world.agency_a, "Jonathan", "Smithers", dob=date(2001, 3, 12))
    assert found(world.spoc_a, "Jonathan Smithers 13/04/1999", path) == []
    assert found(world.spoc_a, "Jonathan Smithers ZZ9 9AA", path) == []
    assert found(world.spoc_a, "Wilhelmina Brackenbury", path) == []


# --- Only what the user may open -----------------------------------------------------------
@pytest.mark.parametrize("path", PATHS)
def test_another_agencys_person_is_never_found_by_name_reference_dob_or_postcode(world, path):
    theirs = someone(world.agency_b, "Quentin", "Zorbel", dob=date(1999, 9, 23), postcode="ZZ7 2XY")
    queries = ["Quentin Zorbel", "Zorbel Quentin", "Quentn Zorbell", theirs.reference]
    queries += ["23/09/1999", "ZZ7 2XY", "Zorbel 23/09/1999 ZZ7 2XY"]
    for query in queries:
        assert found(world.spoc_a, query, path) == [], query
        assert found(world.panel_a, query, path) == [], query
        assert [name for name, _ in found(world.spoc_b, query, path)] == ["Quentin Zorbel"]
    # The Coordinator sees every case of the council: found by each (so no "known to another
    # agency" hint ever arises for them: docs/security.md, "Search").
    assert all(found(world.coordinator, q, path) for q in queries)


def test_the_page_shows_only_the_referrals_of_a_person_the_user_may_open(client, world):
    """Agency A's person was also referred by agency B: A's SPOC finds the person, with A's
    referral only; nothing says there is another (no count, no hint)."""
    ours = someone(world.agency_a, "Quentin", "Zorbel")
    theirs = factories.referral(world.agency_b, person=ours.person)
    sign_in(client, world.spoc_a)
    page = _main(client.get(URL, {"q": "Quentin Zorbel"}))
    assert ours.reference in page
    assert theirs.reference not in page
    assert "1 result" in page and "2 results" not in page
    assert "another agency" not in page and "not shown" not in page


def test_a_person_of_another_agency_gives_the_same_page_as_nobody(client, world):
    someone(world.agency_b, "Quentin", "Zorbel")
    sign_in(client, world.spoc_a)
    theirs = _main(client.get(URL, {"q": "Quentin Zorbel"}))
    nobody = _main(client.get(URL, {"q": "Wilhelmina Brackenbury"}))
    assert "No results" in theirs
    assert theirs.replace("Quentin Zorbel", "Q") == nobody.replace("Wilhelmina Brackenbury", "Q")


def _main(response) -> str:
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


# --- The page: validation, audit, pagination, query count ----------------------------------
@pytest.mark.parametrize(
    ("query", "message"),
    [("", "Enter a name, reference, date of birth or postcode"), ("x" * 101, "100 characters")],
)
def test_an_empty_or_too_long_search_shows_the_error_summary(client, world, query, message):
    sign_in(client, world.coordinator)
    before = LogEntry.objects.count()
    response = client.get(URL, {"q": query})
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page and message in page
    assert LogEntry.objects.count() == before  # nothing searched, nothing logged


def test_each_result_shown_and_the_search_itself_are_audited_without_the_terms(client, world):
    referral = someone(world.agency_a, "Quentin", "Zorbel", dob=date(1999, 9, 23))
    someone(world.agency_a, "Priya", "Okonkwo")
    sign_in(client, world.spoc_a)
    before = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    client.get(URL, {"q": "Zorbel 23/09/1999"})
    entries = LogEntry.objects.filter(pk__gt=before, action=LogEntry.Action.ACCESS)
    opened = {(e.content_type.model, e.object_pk) for e in entries}
    assert opened == {
        ("person", str(referral.person_id)),
        ("referral", str(referral.pk)),
        ("user", str(world.spoc_a.pk)),
    }
    searched = entries.get(content_type=ContentType.objects.get_for_model(User))
    assert searched.actor == world.spoc_a
    assert searched.additional_data["view"] == "referrals:search"
    assert searched.additional_data["search"]["kinds"] == ["name", "date_of_birth"]
    assert searched.additional_data["search"]["results_shown"] == 1
    stored = str([(e.additional_data, e.object_repr, e.changes) for e in entries]).lower()
    assert "zorbel" not in stored and "1999" not in stored


def test_results_come_a_page_at_a_time_and_only_the_page_shown_is_logged(client, world):
    for n in range(PAGE_SIZE + 3):
        someone(world.agency_a, "Aldous", "Quarrington", dob=date(1980, 1, 1 + n))
    sign_in(client, world.coordinator)
    before = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    second = client.get(URL, {"q": "Aldous Quarrington", "page": 2}).content.decode()
    assert f"{PAGE_SIZE + 3} results" in second
    assert second.count("Aldous Quarrington</a>") == 3
    people = LogEntry.objects.filter(
        pk__gt=before, content_type=ContentType.objects.get_for_model(Person)
    )
    assert people.count() == 3


def test_the_search_page_costs_the_same_number_of_queries_for_2_and_22_results(client, world):
    def add(n):
        referral = someone(world.agency_a, "Aldous", "Quarrington", dob=date(1980, 1, 1 + n))
        PersonAlias.objects.create(person=referral.person, given_name="Al", family_name="Q")
        factories.referral(world.agency_a, person=referral.person)
        someone(world.agency_b, "Aldous", "Quarrington")  # another agency's: never counted

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL, {"q": "Aldous Quarington"}).status_code == 200
        return len(ctx.captured_queries)

    for n in range(2):
        add(n)
    sign_in(client, world.spoc_a)
    client.get("/")
    few = queries()
    for n in range(2, 22):
        add(n)
    assert queries() == few
    assert few <= 14


def test_the_header_search_box_is_offered_to_case_roles_only(client, world):
    for persona, offered in [
        ("coordinator", True),
        ("chair", True),
        ("spoc_a", True),
        ("panel_a", True),
        ("referrer_a", False),
        ("manager", False),
        ("sysadmin", False),
    ]:
        client.logout()
        sign_in(client, world.persona(persona))
        response = client.get("/")
        flag = response.context["show_search_box"]
        assert bool(flag() if callable(flag) else flag) is offered, persona
        box = _render_box(response.context)
        assert ('action="/referrals/search/"' in box) is offered, persona


def _render_box(context) -> str:
    from django.template.loader import render_to_string

    return render_to_string(
        "core/_search_box.html", {"show_search_box": context["show_search_box"]}
    )


def test_the_coordinator_search_uses_the_trigram_indexes_on_postgresql(world):
    """On PostgreSQL the migration made pg_trgm's GIN indexes and the Coordinator's name
    search goes through them; elsewhere the fallback is what runs (tested above)."""
    if not on_postgres():
        assert found(world.coordinator, "Nobody Here") == []
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname LIKE %s ORDER BY 1", ["%_trgm_idx"]
        )
        assert [r[0] for r in cursor.fetchall()] == [
            "alias_family_trgm_idx",
            "alias_given_trgm_idx",
            "person_family_trgm_idx",
            "person_given_trgm_idx",
        ]
    from referrals.search import candidates

    sql = str(candidates(world.coordinator, parse_query("Smithers")).query)
    assert "%" in sql and "SIMILARITY" in sql.upper()
    assert Referral.objects.count() == 0  # nothing was made: the query was only built


def test_no_search_term_reaches_the_application_logs(client, world, caplog):
    someone(world.agency_a, "Quentin", "Zorbel", dob=date(1999, 9, 23))
    sign_in(client, world.spoc_a)
    with caplog.at_level("DEBUG"):
        client.get(URL, {"q": "Zorbell 23/09/1999"})
        client.get(URL, {"q": "Zorbell 31/02/1999"})  # refused: an error page, not a log line
    logged = " ".join(r.getMessage() + str(r.args) for r in caplog.records).lower()
    assert "zorbel" not in logged and "1999" not in logged


# --- Review 3 ------------------------------------------------------------------------------
def test_a_search_opened_signed_out_leaves_no_term_in_the_sign_in_lockout_records(client, world):
    """Review 3, R3-1: a signed-out search link goes to the sign-in page with the search in
    ``next``; django-axes recorded a failed sign-in's query string (``get_data``), which the
    administrator reads in the admin, so the name and date of birth were stored in clear."""
    from axes.models import AccessAttempt

    response = client.get("/referrals/search/?q=Zebedeecanary+27/3/2008")
    assert response.status_code == 302
    client.post(response.url, {"username": world.spoc_a.username, "password": "wrong"})
    attempt = AccessAttempt.objects.get(username=world.spoc_a.username)
    stored = f"{attempt.get_data} {attempt.post_data} {attempt.path_info}"
    assert "Zebedeecanary" not in stored and "2008" not in stored
