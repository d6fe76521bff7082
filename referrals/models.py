"""Persons referred and their referrals. Issue 3 builds intake and triage on these."""

from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from prevent_portal.accounts.access import ProtectedQuerySet, get_object_for_user
from prevent_portal.accounts.models import Agency, GrantFields, Role, Sector


class PersonQuerySet(ProtectedQuerySet):
    """A person is visible to whoever can see any of their referrals."""

    def visible_to(self, user):
        return self.filter(pk__in=Referral.objects.visible_to(user).values("person_id"))


class Person(models.Model):
    """The subject of one or more referrals. Personal data: every field is masked in audit."""

    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        # Never a name: str() is stored unmasked as the audit log's object_repr.
        return f"Person {self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class ReferralQuerySet(ProtectedQuerySet):
    agency_field = "owning_agency"
    owner_fields = ("referrer",)


class Referral(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        IN_TRIAGE = "in_triage", "In triage"
        CLOSED = "closed", "Closed"

    # Set from the primary key straight after insert, in the same transaction.
    reference = models.CharField(max_length=20, unique=True, null=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referrals")
    owning_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals")
    referring_sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="+")
    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="referrals_made",
        null=True,
        blank=True,
    )
    received_on = models.DateField()
    concern_summary = models.TextField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReferralQuerySet.as_manager()

    # Beyond sight, what an agency role may do to its own agency's referrals.
    AGENCY_ROLE_ACTIONS = {Role.SPOC: {"add_information"}}

    class Meta:
        ordering = ["-received_on", "-pk"]
        permissions = [
            ("share_referral", "Can share a referral with another agency or person"),
            ("add_information_referral", "Can add information to a referral"),
        ]
        indexes = [
            models.Index(fields=["owning_agency", "-received_on"]),
            models.Index(fields=["status", "received_on"]),
        ]

    def __str__(self):
        return self.reference or f"Referral {self.pk}"


class ReferralUserGrant(GrantFields, UserObjectPermissionBase):
    content_object = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="user_grants"
    )

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False


class ReferralGroupGrant(GrantFields, GroupObjectPermissionBase):
    content_object = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="group_grants"
    )

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False


def get_referral_for_user(user, pk, *, perm: str = "view") -> Referral:
    """The only single-referral fetch: 404 unless visible, 403 unless ``perm`` is allowed."""
    queryset = Referral.objects.select_related("person", "owning_agency", "referring_sector")
    return get_object_for_user(queryset, user, pk, perm=perm)
