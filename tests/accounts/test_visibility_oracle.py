"""Property test: visible_to agrees with a plain-Python statement of the access rules over
random agencies, memberships, referrals and grants."""

from datetime import timedelta

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from prevent_portal.accounts import services
from prevent_portal.accounts.grants import object_share
from prevent_portal.accounts.models import AGENCY_CASE_ROLES, Membership, Role
from referrals.models import Person, Referral
from tests import factories

memberships = st.lists(
    st.tuples(st.integers(0, 2), st.sampled_from(Role.values), st.booleans()), max_size=4
)
referrals = st.lists(st.tuples(st.integers(0, 2), st.booleans()), min_size=1, max_size=5)
grants = st.lists(
    st.tuples(
        st.integers(0, 4),  # which referral (modulo how many there are)
        st.sampled_from(["user", "agency"]),
        st.integers(0, 2),  # which agency, for an agency grant
        st.booleans(),  # expired
        st.sampled_from(["view", "share"]),
    ),
    max_size=4,
)


def oracle(user_active, member_rows, referral_rows, grant_rows):
    """Which referral indexes the user may see, by the rules in accounts/access.py."""
    if not user_active:
        return set()
    active = [(a, r) for a, r, on in member_rows if on]
    if any(r == Role.COORDINATOR for _, r in active):
        return set(range(len(referral_rows)))
    case_agencies = {a for a, r in active if r in AGENCY_CASE_ROLES}
    seen = set()
    for i, (agency, by_user) in enumerate(referral_rows):
        if agency in case_agencies or by_user:
            seen.add(i)
    for ref, to, agency, expired, action in grant_rows:
        if expired or action != "view":
            continue
        if to == "user" or agency in case_agencies:
            seen.add(ref % len(referral_rows))
    return seen


class VisibilityOracleTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agencies = [factories.AgencyFactory() for _ in range(3)]
        cls.granter = factories.UserFactory()

    @settings(
        max_examples=200,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(
        user_active=st.booleans(),
        member_rows=memberships,
        referral_rows=referrals,
        grant_rows=grants,
    )
    def test_visible_to_matches_the_rules(
        self, user_active, member_rows, referral_rows, grant_rows
    ):
        user = factories.UserFactory(is_active=user_active)
        for agency, role, on in member_rows:
            m = services.membership_grant(
                user=user, agency=self.agencies[agency], role=role, acting_user=None
            )
            if not on:
                services.membership_end(membership=m, acting_user=None)
        # A later active row for the same (agency, role) wins, as it does in the database.
        final = {}
        for agency, role, on in member_rows:
            final[(agency, role)] = on
        member_rows = [(a, r, on) for (a, r), on in final.items()]
        for (agency, role), on in final.items():
            Membership.objects.filter(user=user, agency=self.agencies[agency], role=role).update(
                is_active=on
            )
        services.user_groups_sync(user)

        refs = []
        for agency, by_user in referral_rows:
            refs.append(
                factories.referral(self.agencies[agency], referrer=user if by_user else None)
            )
        now = timezone.now()
        for ref, to, agency, expired, action in grant_rows:
            grant = object_share(
                obj=refs[ref % len(refs)],
                action=action,
                to_user=user if to == "user" else None,
                to_agency=self.agencies[agency] if to == "agency" else None,
                reason="property test",
                acting_user=self.granter,
            )
            # Grants to the same target replace each other; the last one decides expiry.
            type(grant).objects.filter(pk=grant.pk).update(
                expires_at=now - timedelta(hours=1) if expired else None
            )
        grant_rows = self._effective(grant_rows, len(refs))

        user.refresh_from_db()
        got = set(Referral.objects.visible_to(user).values_list("pk", flat=True))
        expected = {refs[i].pk for i in oracle(user_active, member_rows, referral_rows, grant_rows)}
        assert got == expected
        # Persons follow their referrals.
        persons = set(Person.objects.visible_to(user).values_list("pk", flat=True))
        assert persons == {r.person_id for r in refs if r.pk in expected}

    @staticmethod
    def _effective(grant_rows, n):
        """guardian keeps one row per (target, permission, object): the last share wins."""
        last = {}
        for ref, to, agency, expired, action in grant_rows:
            target = ("user",) if to == "user" else ("agency", agency)
            last[(ref % n, target, action)] = (ref % n, to, agency, expired, action)
        return list(last.values())
