"""The compliance page: tables and charts per type, agency and quarter against target, in
words as well as colour, missing returns marked, the same rows downloadable as CSV and XLSX,
and a fixed number of queries however many returns there are."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from prevent_portal.accounts.models import Agency
from tests import factories
from tests.rows_read import rows_read
from tests.training.helpers import basic, make_return, quarter
from training.expected import owing_agency_ids
from training.figures import (
    AWAITED,
    BELOW,
    EXPORT_FIELDS,
    MEETS,
    MISSING,
    NOT_OWED,
    compliance_index,
    compliance_tables,
)
from training.models import ComplianceReturn, ReportingPeriod, TrainingType

Q1, Q2, Q3 = date(2018, 6, 30), date(2018, 9, 30), date(2018, 12, 31)


@pytest.fixture
def figures(world):
    for end in (Q1, Q2, Q3):
        quarter(end)
    make_return(world.agency_a, Q1, 480, 422)  # 88% meets
    make_return(world.agency_a, Q2, 479, 402)  # 84% below
    make_return(world.agency_b, Q1, 536, 495)  # 92% meets
    make_return(world.agency_b, Q2, 0, 0)  # nobody eligible
    make_return(world.agency_a, Q1, 11944, 10119, training_type=basic())  # 85% meets
    return world


def _range(first=Q1, last=Q3) -> dict:
    return {
        "period_from": ReportingPeriod.objects.get(end=first).pk,
        "period_to": ReportingPeriod.objects.get(end=last).pk,
    }


def _cells(response, type_name: str) -> dict:
    table = next(t for t in response.context["tables"] if t.training_type.name == type_name)
    return {
        (row.agency.name, cell.period.label): (cell.percent, cell.words)
        for row in table.rows
        for cell in row.cells
    }


def test_table_shows_percent_and_verdict_in_words_with_missing_marked(figures, signed_in_client):
    response = signed_in_client(figures.coordinator).get("/training/", _range())
    assert _cells(response, "WRAP") == {
        ("Agency A", "Q1 2018/19"): (88, "Meets target"),
        ("Agency A", "Q2 2018/19"): (84, "Below target"),
        ("Agency A", "Q3 2018/19"): (None, "Missing"),
        ("Agency B", "Q1 2018/19"): (92, "Meets target"),
        ("Agency B", "Q2 2018/19"): (None, "No eligible staff"),
        ("Agency B", "Q3 2018/19"): (None, "Missing"),
    }
    page = response.content.decode()
    assert "Meets target" in page and "Below target" in page and "Missing" in page
    assert "2 returns missing" in page
    assert "Down 4 points" in page  # Agency A from 88% to 84%


def test_each_chart_is_an_image_with_a_name_and_the_table_beside_it(figures, signed_in_client):
    page = signed_in_client(figures.manager).get("/training/", _range()).content.decode()
    assert page.count('role="img"') == 1  # the type shown in full: WRAP
    assert 'aria-labelledby="chart-' in page
    assert "88%, meets target" in page and "84%, below target" in page
    assert "Target 85%" in page
    assert page.count('<table class="govuk-table">') == 1
    assert "style=" not in page  # strict CSP: no inline styles


def test_each_cell_links_its_return_and_names_agency_and_quarter_escaped(figures, signed_in_client):
    """The table's cells and the chart's bars are built in Python (one tag a row, one a
    chart): a return's link, its counts and its status, and every name escaped."""
    figures.agency_a.name = "Agency <b>A</b> & Sons"
    figures.agency_a.save()
    made = ComplianceReturn.objects.get(agency=figures.agency_a, period__end=Q1, eligible=480)
    page = signed_in_client(figures.coordinator).get("/training/", _range()).content.decode()
    assert (
        f'<a class="govuk-link govuk-!-font-weight-bold" href="/training/returns/{made.pk}/">'
        '88%<span class="govuk-visually-hidden"> for Agency &lt;b&gt;A&lt;/b&gt; &amp; Sons, '
        "Q1 2018/19</span></a><br>"
    ) in page
    assert '<span class="govuk-body-s">422 of 480</span>' in page
    assert '<strong class="govuk-tag govuk-tag--green">Meets target</strong>' in page
    assert '<strong class="govuk-tag govuk-tag--red">Missing</strong>' in page
    assert "No percentage<span" in page  # Agency B's Q2: nobody eligible
    assert (
        '<text x="0" y="48" font-size="16" font-weight="bold" fill="#0b0c0c">'
        "Agency &lt;b&gt;A&lt;/b&gt; &amp; Sons</text>"
    ) in page
    assert 'width="264" height="18" fill="#00703c"></rect>' in page  # 88% of 300, meets
    assert 'width="252" height="18" fill="#b1440e"></rect>' in page  # 84%, below
    assert "<b>A</b>" not in page


def test_one_type_is_shown_in_full_and_the_chooser_counts_every_type(figures, signed_in_client):
    """Issue 18: one type's table and chart a page (the first in use, or the one chosen),
    and a chooser of plain links giving every type's headline counts and keeping the
    quarters, area and agency chosen."""
    client = signed_in_client(figures.coordinator)
    response = client.get("/training/", _range())
    assert [t.training_type.name for t in response.context["tables"]] == ["WRAP"]
    chooser = response.content.decode().split('id="training-types"')[1].split("</nav>")[0]
    assert '<strong aria-current="true">WRAP</strong>: target 85%, 1 agency below target' in (
        chooser
    )
    assert "2 returns missing" in chooser  # WRAP's Q3, for A and B
    assert "Basic Prevent Awareness</a>: target" in chooser
    keeping = {**_range(), "agency": figures.agency_a.pk}
    page = client.get("/training/", keeping).content.decode()
    link = page.split('id="training-types"')[1].split('href="?')[1].split('"')[0]
    assert link.split("&amp;") == [
        f"period_from={keeping['period_from']}",
        f"period_to={keeping['period_to']}",
        f"agency={figures.agency_a.pk}",
        f"training_type={basic().pk}",
    ]
    chosen = client.get("/training/", {**_range(), "training_type": basic().pk})
    assert [t.training_type.name for t in chosen.context["tables"]] == ["Basic Prevent Awareness"]
    assert _cells(chosen, "Basic Prevent Awareness")[("Agency A", "Q1 2018/19")] == (
        85,
        "Meets target",
    )
    page = chosen.content.decode()
    assert f'<input type="hidden" name="training_type" value="{basic().pk}">' in page
    assert '<strong aria-current="true">Basic Prevent Awareness</strong>' in page


def test_the_choosers_counts_and_the_missing_returns_are_one_read_of_the_returns(
    figures, signed_in_client
):
    """Every type's agencies below target (the chooser) and returns made by the agencies
    owing it (the missing count) are counted in one grouped read of the returns, not two."""
    client, chosen = signed_in_client(figures.coordinator), _range(Q1, Q2)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/training/", chosen)
    grouped = [
        q["sql"]
        for q in ctx.captured_queries
        if 'COUNT(DISTINCT "training_compliancereturn"."agency_id") FILTER' in q["sql"]
    ]
    assert len(grouped) == 1
    assert '"accounts_membership"' in grouped[0]  # the rule of the types asked of SPOCs
    counts = {
        c.training_type.name: (c.below_count, c.missing) for c in response.context["type_choices"]
    }
    assert counts["WRAP"] == (1, 0)  # Agency A's 84% in Q2; both agencies returned both
    assert counts["Basic Prevent Awareness"][0] == 0  # Agency A's 85% meets its target


def test_the_pages_download_holds_every_type_whichever_is_shown(figures, signed_in_client):
    client = signed_in_client(figures.coordinator)
    page = client.get("/training/", {**_range(), "training_type": basic().pk}).content.decode()
    href = page.split("download>CSV")[0].rsplit('href="?', 1)[1].split('"')[0]
    assert "training_type" not in href
    csv_text = client.get("/training/?" + href.replace("&amp;", "&")).content.decode()
    types = {r["training_type"] for r in csv.DictReader(io.StringIO(csv_text))}
    assert types == {"WRAP", "Basic Prevent Awareness"}


def test_quarters_not_yet_due_are_awaited_not_missing(world, signed_in_client):
    today = date.today()
    from training.quarters import quarter_containing

    current = quarter_containing(today)
    period = quarter(current.end)
    response = signed_in_client(world.coordinator).get(
        "/training/", {"period_from": period.pk, "period_to": period.pk}
    )
    words = {w for _, w in _cells(response, "WRAP").values()}
    assert words == {"Not yet returned"}


def test_downloads_hold_the_same_rows_as_the_command(figures, signed_in_client):
    client = signed_in_client(figures.coordinator)
    csv_text = client.get("/training/", {**_range(), "format": "csv"}).content.decode()
    out = StringIO()
    call_command("training_compliance", "--format", "csv", stdout=out)
    assert csv_text == out.getvalue()
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert list(rows[0]) == EXPORT_FIELDS
    assert len(rows) == 5
    response = client.get("/training/", {**_range(), "format": "xlsx"})
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert (
        'filename="training-compliance-2018-06-30-to-2018-12-31.xlsx"'
        in (response["Content-Disposition"])
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == EXPORT_FIELDS
    first = dict(zip(EXPORT_FIELDS, values[1], strict=True))
    assert first["agency"] == "Agency A" and first["percent"] == 88
    assert first["meets_target"] is True
    assert first["period_end"].date() == Q1


def test_download_follows_the_filters(figures, signed_in_client):
    client = signed_in_client(figures.coordinator)
    query = {**_range(Q2, Q2), "training_type": basic().pk, "format": "csv"}
    assert client.get("/training/", query).content.decode().splitlines() == [
        ",".join(EXPORT_FIELDS)
    ]
    query = {**_range(Q1, Q1), "agency": figures.agency_b.pk, "format": "csv"}
    lines = client.get("/training/", query).content.decode().splitlines()
    assert lines[1:] == ["Agency B,WRAP,2018-06-30,536,495,92,85,true"]


def test_command_json_is_a_list_of_objects_with_the_fields_of_the_issue(figures):
    out = StringIO()
    call_command("training_compliance", "--format", "json", "--from", "2018-07-01", stdout=out)
    rows = json.loads(out.getvalue())
    assert [list(r) for r in rows] == [EXPORT_FIELDS, EXPORT_FIELDS]
    assert rows[1] == {
        "agency": "Agency B",
        "training_type": "WRAP",
        "period_end": "2018-09-30",
        "eligible": 0,
        "compliant": 0,
        "percent": None,
        "target": 85,
        "meets_target": None,
    }


def test_command_date_filter_is_inclusive_and_checked(figures):
    from django.core.management.base import CommandError

    out = StringIO()
    call_command(
        "training_compliance",
        "--format",
        "csv",
        "--from",
        "2018-06-30",
        "--to",
        "2018-06-30",
        stdout=out,
    )
    assert len(out.getvalue().splitlines()) == 1 + 3  # header and Q1's three returns
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("training_compliance", "--from", "30/06/2018")
    with pytest.raises(CommandError, match="--from must not be after --to"):
        call_command("training_compliance", "--from", "2019-01-01", "--to", "2018-01-01")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"period_from": "Q3", "period_to": "Q1"}, "The last quarter must be the same as or after"),
        ({"period_from": "999999", "period_to": "Q1"}, "Choose one of the quarters"),
        ({"period_from": "Q1", "period_to": "not started"}, "Choose one of the quarters"),
        ({"period_from": "Q1", "period_to": "Q1\x00"}, "Null characters are not allowed"),
    ],
)
def test_bad_filters_are_explained(figures, signed_in_client, query, message):
    quarter(date(date.today().year + 2, 3, 31))  # a quarter not started yet: not a choice
    ends = {"Q1": Q1, "Q3": Q3}
    data = {
        k: ReportingPeriod.objects.get(end=ends[v]).pk if v in ends else v for k, v in query.items()
    }
    if "not started" in query.values():
        data["period_to"] = ReportingPeriod.objects.order_by("end").last().pk
    elif "Q1\x00" in query.values():
        data["period_to"] = f"{ReportingPeriod.objects.get(end=Q1).pk}\x00"
    response = signed_in_client(figures.coordinator).get("/training/", data)
    page = response.content.decode()
    assert "govuk-error-summary" in page and message in page
    assert response.context["tables"] == []


def test_more_than_eight_quarters_is_refused(world, signed_in_client):
    periods = [
        quarter(date(2016 + i // 4, (3, 6, 9, 12)[i % 4], (31, 30, 30, 31)[i % 4]))
        for i in range(9)
    ]
    response = signed_in_client(world.coordinator).get(
        "/training/", {"period_from": periods[0].pk, "period_to": periods[-1].pk}
    )
    assert "Choose 8 quarters or fewer (you chose 9)" in response.content.decode()


def test_page_without_quarters_says_so(world, signed_in_client):
    page = signed_in_client(world.coordinator).get("/training/").content.decode()
    assert "No quarters have been set up yet" in page


def _queries(client, query) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/training/", query).status_code == 200
    return len(ctx.captured_queries)


def test_page_queries_do_not_grow_with_the_number_of_returns(world, signed_in_client):
    ends = [date(2017, 6, 30), date(2017, 9, 30), date(2017, 12, 31), date(2018, 3, 31)]
    for end in ends:
        quarter(end)
    query = {
        "period_from": ReportingPeriod.objects.get(end=ends[0]).pk,
        "period_to": ReportingPeriod.objects.get(end=ends[-1]).pk,
    }
    client = signed_in_client(world.coordinator)
    make_return(world.agency_a, ends[0], 10, 9)
    client.get("/training/", query)  # the first request also saves the session
    small = _queries(client, query)
    for n in range(12):
        agency = factories.AgencyFactory(name=f"Extra agency {n}")
        factories.member("spoc", agency)
        for end in ends:
            make_return(agency, end, 100, 80 + n)
            make_return(agency, end, 1000, 900, training_type=basic())
    large = _queries(client, query)
    assert large == small
    assert len(client.get("/training/", query).context["tables"][0].rows) == 14


def test_the_quarters_are_read_once_for_both_lists_the_count_and_the_table(
    figures, signed_in_client
):
    """Both quarter lists, the quarters shown, the count of quarters chosen and the check of
    the two chosen come from one read of the quarters (they were read nine times: a cursor
    for each list, twice, and a query each for the defaults, the count and the table; then
    three: the two chosen were read again to check them)."""
    client, chosen = signed_in_client(figures.coordinator), _range(Q1, Q2)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/training/", chosen)
    reads = [q["sql"] for q in ctx.captured_queries if '"training_reportingperiod"' in q["sql"]]
    reads = [sql for sql in reads if "training_compliancereturn" not in sql]
    assert len(reads) == 1  # every quarter started
    html = page.content.decode()
    for end in (Q1, Q2, Q3):
        label = ReportingPeriod.objects.get(end=end).label
        assert html.count(f">{label}</option>") == 2  # in both lists
    assert [p.end for p in page.context["tables"][0].periods] == [Q1, Q2]


def test_page_defaults_to_the_latest_quarter_with_returns_due_and_the_one_before(
    figures, signed_in_client
):
    from training.quarters import quarter_containing

    quarter(quarter_containing(date.today()).end)  # under way: its returns are not due yet
    response = signed_in_client(figures.coordinator).get("/training/")
    labels = [p.label for p in response.context["tables"][0].periods]
    assert labels == ["Q2 2018/19", "Q3 2018/19"]
    assert "Down 4 points" not in response.content.decode()  # 84% then missing: no trend
    assert _cells(response, "WRAP")[("Agency A", "Q2 2018/19")] == (84, "Below target")


@pytest.fixture
def many_agencies(figures):
    """Agency A and B and 28 more, each owing WRAP (a SPOC) and with a Q1 return."""
    for n in range(28):
        agency = factories.AgencyFactory(name=f"Partner {n:02d}")
        factories.member("spoc", agency)
        make_return(agency, Q1, 100, 50 + n)
    return figures


def test_agencies_come_25_a_page_in_name_order_with_missing_counted_for_all(
    many_agencies, signed_in_client
):
    client = signed_in_client(many_agencies.coordinator)
    first = client.get("/training/", _range(Q1, Q2))
    rows = [r.agency.name for r in first.context["tables"][0].rows]
    assert rows == ["Agency A", "Agency B"] + [f"Partner {n:02d}" for n in range(23)]
    page = first.content.decode()
    assert "Showing agencies 1 to 25 of 30" in page
    assert "28 returns missing" in page  # every Partner's Q2, on both pages
    assert 'rel="next"' in page and "page=2" in page
    second = client.get("/training/", {**_range(Q1, Q2), "page": 2})
    assert [r.agency.name for r in second.context["tables"][0].rows] == [
        f"Partner {n:02d}" for n in range(23, 28)
    ]
    assert "28 returns missing" in second.content.decode()


def test_missing_returns_write_the_spoc_rule_once_however_many_types_it_covers(
    many_agencies, signed_in_client
):
    """The types asked of every agency with a SPOC share one rule: the two counts of missing
    returns write its subquery once, not once per type (every type's rule was tested on
    every return, and built again per type), and still count each type's own returns."""
    for n in range(3):
        TrainingType.objects.create(name=f"Refresher {n}", target_percent=85, order=50 + n)
    client = signed_in_client(many_agencies.coordinator)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/training/", _range(Q1, Q2)).content.decode()
    counts = [
        q["sql"] for q in ctx.captured_queries if "FILTER" in q["sql"] or "GROUP BY" in q["sql"]
    ]
    missing = [sql for sql in counts if '"accounts_membership"' in sql]
    assert len(missing) == 2  # the agencies owing, the returns they made
    for sql in missing:
        assert sql.count('FROM "accounts_membership"') == 1
    assert "28 returns missing" in page  # WRAP, as before the other types were added
    assert page.count("60 returns missing") == 3  # each new type: 30 agencies, 2 quarters


def test_a_page_of_the_table_reads_who_owes_what_with_its_agencies(
    many_agencies, django_assert_num_queries
):
    """A page of the table (the compliance page's 25 agencies, the dashboard's agencies below
    target) reads who owes each type with the agencies themselves, from the index's rule
    (owing_agency_ids, a column per rule): two queries, the returns and the agencies, where
    owed_pairs read the rule again in three more; and every cell's status is the one the
    whole table (owed_pairs) gives those agencies."""
    world = many_agencies
    named = TrainingType.objects.create(name="Named", target_percent=80, order=60)
    named.agencies.add(world.agency_b, Agency.objects.get(name="Partner 03"))
    make_return(world.agency_a, Q2, 10, 9, training_type=named)  # made, not asked for
    types = list(TrainingType.objects.active())
    periods = list(ReportingPeriod.objects.filter(end__in=(Q1, Q2, Q3)).order_by("end"))
    returns = ComplianceReturn.objects.all()
    today = date(2019, 1, 15)  # Q3 not yet due
    scope = {"returns": returns, "periods": periods, "types": types, "today": today}
    index = compliance_index(**scope, agency_ids=None)
    page = {pk for pk, _ in index.agencies[:25]}
    with django_assert_num_queries(2):
        tables = compliance_tables(**scope, agency_ids=page, owing=index.owing)

    def statuses(tables) -> dict:
        return {
            (table.training_type.name, row.agency.name, cell.period.label): cell.status
            for table in tables
            for row in table.rows
            for cell in row.cells
        }

    every = statuses(compliance_tables(**scope, agency_ids=None))
    page_names = set(Agency.objects.filter(pk__in=page).values_list("name", flat=True))
    assert statuses(tables) == {key: s for key, s in every.items() if key[1] in page_names}
    assert {MEETS, BELOW, MISSING, AWAITED, NOT_OWED} <= set(statuses(tables).values())
    assert statuses(tables)[("Named", "Partner 03", "Q1 2018/19")] == MISSING
    assert statuses(tables)[("Named", "Agency A", "Q1 2018/19")] == NOT_OWED
    assert ("Named", "Partner 04", "Q1 2018/19") not in statuses(tables)  # not named: no row


def test_types_read_with_naming_say_who_owes_them_without_another_query(
    many_agencies, django_assert_num_queries
):
    """Whether a type names agencies decides who owes it: read with the types
    (``with_naming``), owing_agency_ids does not read it again, and the agencies owing each
    type are the same as when it does (an inactive agency named does not count)."""
    named = TrainingType.objects.create(name="Named", target_percent=80, order=60)
    named.agencies.add(many_agencies.agency_b, Agency.objects.get(name="Partner 03"))
    closed = TrainingType.objects.create(name="Closed names", target_percent=80, order=61)
    gone = factories.AgencyFactory(name="Gone")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    closed.agencies.add(gone)  # names only an inactive agency: asked of every SPOC
    plain = list(TrainingType.objects.active())
    annotated = list(TrainingType.objects.active().with_naming())
    with django_assert_num_queries(0):
        owing = owing_agency_ids(annotated)
    expected = owing_agency_ids(plain)

    def ids(owing) -> dict:
        return {pk: sorted(q.values_list("agency_id", flat=True)) for pk, q in owing.items()}

    assert ids(owing) == ids(expected)
    partner = Agency.objects.get(name="Partner 03")
    assert ids(owing)[named.pk] == sorted([many_agencies.agency_b.pk, partner.pk])
    assert len(ids(owing)[closed.pk]) == 30  # every agency with a SPOC


def test_downloads_hold_every_agency_whatever_the_page(many_agencies, signed_in_client):
    client = signed_in_client(many_agencies.coordinator)
    csv_text = client.get("/training/", {**_range(Q1, Q1), "page": 2, "format": "csv"}).content
    agencies = [r["agency"] for r in csv.DictReader(io.StringIO(csv_text.decode()))]
    assert len(agencies) == 31  # A and B (WRAP and Basic for A) and the 28 partners
    assert {"Agency A", "Agency B", "Partner 00", "Partner 27"} <= set(agencies)
    page = client.get("/training/", {**_range(Q1, Q1), "page": 2}).content.decode()
    assert "page=" not in page.split("download>CSV")[0].rsplit("href=", 1)[1]


def test_page_queries_and_rows_do_not_grow_past_one_page_of_agencies(world, signed_in_client):
    period = quarter(Q1)
    query = {"period_from": period.pk, "period_to": period.pk}
    client = signed_in_client(world.coordinator)
    make_return(world.agency_a, Q1, 10, 9)
    client.get("/training/", query)  # the first request also saves the session
    small = _queries(client, query)
    for n in range(40):
        agency = factories.AgencyFactory(name=f"Extra agency {n}")
        factories.member("spoc", agency)
        make_return(agency, Q1, 100, 80)
        make_return(agency, Q1, 1000, 900, training_type=basic())
    large = _queries(client, query)
    assert large == small
    response = client.get("/training/", query)
    assert [len(t.rows) for t in response.context["tables"]] == [25]  # one type in full
    assert response.context["page"].paginator.count == 42


def _agencies_with_returns(count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        agency = factories.AgencyFactory(name=f"Extra agency {n:03d}")
        factories.member("spoc", agency)
        make_return(agency, Q1, 100, 60 + n % 20)
        make_return(agency, Q1, 1000, 600, training_type=basic())


def test_the_page_reads_one_page_of_agencies_from_the_database_not_every_agencys_ids(
    world, signed_in_client
):
    """Issue 18: the agencies of a page are chosen in the database (LIMIT/OFFSET on the
    ordered query) and the missing returns counted there, so the rows a request reads, like
    its queries, do not grow with the number of agencies (384 ms at 4,000 agencies before)."""
    period = quarter(Q1)
    query = {"period_from": period.pk, "period_to": period.pk}
    client = signed_in_client(world.coordinator)
    client.get("/training/", query)  # the first request also saves the session
    _agencies_with_returns(30)
    fewer = rows_read(lambda: client.get("/training/", query))
    _agencies_with_returns(30, start=30)
    more = rows_read(lambda: client.get("/training/", query))
    assert len(more) == len(fewer)  # queries
    # The most rows any one query returns, but the agency filter's choices (a list to
    # choose from, not the table: left as it is).
    # (The choices are the agencies serving the page's council area, issue 18.)
    choices = 'ORDER BY "accounts_agency"."name" ASC'
    most = [max(n for n, sql in rows if choices not in sql) for rows in (fewer, more)]
    assert most[0] == most[1] <= 50
    assert client.get("/training/", query).context["page"].paginator.count == 62
