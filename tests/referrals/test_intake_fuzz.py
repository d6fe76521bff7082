"""Random and junk answers thrown at every intake page: never a server error, and a page
that refuses its answers keeps nothing of them."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referrals.forms.intake import STEPS
from referrals.models import Person, Referral, ReferralDraft
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

PAGES = {f"intake_{s.slug.replace('-', '_')}": list(s.form_class.base_fields) for s in STEPS}
PAGES["intake_agency"] = ["agency"]
PAGES["intake_check"] = []

junk_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.sampled_from(["", " ", "\x00", "0", "-1", "999999", "none", "31", "2", "1e9", "\u202e"]),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.just("x" * 20_000),
)
value = st.one_of(junk_text, st.lists(junk_text, max_size=4))


@st.composite
def submissions(draw):
    page = draw(st.sampled_from(sorted(PAGES)))
    keys = PAGES[page] + draw(st.lists(st.text(min_size=1, max_size=10), max_size=2))
    data = {key: draw(value) for key in keys if draw(st.booleans()) or key in PAGES[page]}
    return page, data


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(posts=st.lists(submissions(), min_size=1, max_size=3))
def test_junk_answers_never_cause_a_server_error_or_a_half_saved_referral(client, world, posts):
    sign_in(client, world.referrer_a)
    for page, data in posts:
        before_draft = ReferralDraft.objects.filter(author=world.referrer_a).first()
        before_data = dict(before_draft.data) if before_draft else None
        referrals_before = Referral.objects.count()

        response = client.post(reverse(f"referrals:{page}"), data)

        assert response.status_code < 500, (page, data)
        assert response.status_code in {200, 302}, (page, response.status_code)
        draft = ReferralDraft.objects.filter(author=world.referrer_a).first()
        if response.status_code == 200:
            # Refused: the draft is exactly as it was, and no referral or person appeared.
            assert (draft.data if draft else None) == before_data, page
            assert Referral.objects.count() == referrals_before
        elif page == "intake_check":
            assert Referral.objects.count() == referrals_before + 1
            assert draft is None
        assert Person.objects.count() == Referral.objects.count()
