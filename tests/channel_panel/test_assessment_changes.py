"""What changed between two vulnerability assessments (channel_panel/assessment_changes.py):
properties that hold for any pair of assessments, and the three changes practitioners asked
to see, by example."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from channel_panel.assessment_changes import (
    EVIDENCE_CHANGED,
    NEWLY_PRESENT,
    NO_LONGER_PRESENT,
    RATING_CHANGED,
    FactorRating,
    changes_between,
)

CODES = [f"factor-{n}" for n in range(6)]
RATINGS = ["present", "not_present", "unknown"]


def _rating(code, rating, evidence="", source="", on=None):
    return FactorRating(
        code=code,
        name=code.title(),
        dimension="Engagement",
        rating=rating,
        evidence=evidence,
        source=source,
        evidence_on=on,
    )


@st.composite
def assessments(draw):
    """Ratings of some of the factors (a framework may add or retire factors)."""
    codes = draw(st.lists(st.sampled_from(CODES), unique=True, max_size=len(CODES)))
    return [
        _rating(
            code,
            draw(st.sampled_from(RATINGS)),
            draw(st.sampled_from(["", "seen at school", " seen at school ", "told by police"])),
            draw(st.sampled_from(["", "Police"])),
            draw(st.sampled_from([None, date(2026, 11, 1)])),
        )
        for code in codes
    ]


def _codes(changes, kind):
    return {c.code for c in changes if c.kind == kind}


PROPERTY = settings(max_examples=60, deadline=None)


@PROPERTY
@given(assessments())
def test_an_assessment_compared_with_itself_has_no_changes(ratings):
    assert changes_between(ratings, ratings) == []


@PROPERTY
@given(assessments(), assessments())
def test_each_factor_is_listed_at_most_once_and_only_if_rated(before, after):
    changes = changes_between(before, after)
    codes = [c.code for c in changes]
    assert len(codes) == len(set(codes))
    assert set(codes) <= {r.code for r in before} | {r.code for r in after}


@PROPERTY
@given(assessments(), assessments())
def test_newly_present_is_present_now_and_not_before(before, after):
    was = {r.code: r.rating for r in before}
    now = {r.code: r.rating for r in after}
    changes = changes_between(before, after)
    expected = {c for c, r in now.items() if r == "present" and was.get(c) != "present"}
    assert _codes(changes, NEWLY_PRESENT) == expected
    gone = {c for c, r in was.items() if r == "present" and now.get(c) != "present"}
    assert _codes(changes, NO_LONGER_PRESENT) == gone


@PROPERTY
@given(assessments(), assessments())
def test_swapping_the_assessments_swaps_newly_and_no_longer_present(before, after):
    forward = changes_between(before, after)
    backward = changes_between(after, before)
    assert _codes(forward, NEWLY_PRESENT) == _codes(backward, NO_LONGER_PRESENT)
    assert {c.code for c in forward} == {c.code for c in backward}


@PROPERTY
@given(assessments(), assessments())
def test_a_factor_left_out_has_the_same_rating_and_evidence(before, after):
    listed = {c.code for c in changes_between(before, after)}
    was = {r.code: r for r in before}
    for rating in after:
        if rating.code not in listed:
            old = was[rating.code]
            assert old.rating == rating.rating
            assert old.evidence_key() == rating.evidence_key()


def test_a_review_shows_the_three_changes_practitioners_asked_for():
    before = [
        _rating("grievance", "not_present"),
        _rating("identity", "present", "forum posts"),
        _rating("them-and-us", "present", "messages", "Police", date(2026, 10, 1)),
        _rating("status", "unknown"),
        _rating("skills", "not_present"),
    ]
    after = [
        _rating("grievance", "present", "housing complaint"),
        _rating("identity", "not_present"),
        _rating("them-and-us", "present", "fewer messages", "Police", date(2026, 11, 20)),
        _rating("status", "not_present"),
        _rating("skills", "not_present"),
    ]
    changes = {c.code: c for c in changes_between(before, after)}
    assert changes["grievance"].kind == NEWLY_PRESENT
    assert changes["identity"].kind == NO_LONGER_PRESENT
    assert changes["them-and-us"].kind == EVIDENCE_CHANGED
    assert changes["them-and-us"].before.evidence_on == date(2026, 10, 1)
    assert changes["status"].kind == RATING_CHANGED
    assert "skills" not in changes
    assert [c.code for c in changes_between(before, after)] == [
        "grievance",
        "identity",
        "them-and-us",
        "status",
    ]
