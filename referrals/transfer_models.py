"""Transfer between council areas when a person moves (issue 18).

``AreaTransfer`` is the proposal and its answer: the sending area's Coordinator proposes that
a referral, or an open Channel case, moves to another area, with a written summary; the
receiving area's Coordinators accept or decline it. It belongs to two areas at once, so it
has no ``area`` column (the row-level security wall keys on that name): it names
``from_area`` and ``to_area``, and ``visible_to`` lets exactly those two areas' Coordinators
see it. Until it is accepted the receiving side sees the summary and nothing of the record
(the referral stays behind the sending area's wall).

``TransferTrace`` is what the sending area keeps once the record has gone: the statistical
columns of each referral that left, and nothing that identifies the person (no name, date
of birth, address or free text). It is area-owned (the sending area's), so the wall keeps it
to that area, and the referral statistics of that area count it (referrals/statistics.py).

Imported by referrals/models.py, so the models are the referrals app's.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.http import Http404

from prevent_portal.accounts.models import Sector
from prevent_portal.areas.models import Area, area_field


class TransferQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Transfers from or to an area where ``user`` is a Prevent Coordinator, and nothing
        else: a transfer is between two councils' Coordinators (DOMAIN.md, "Areas")."""
        from prevent_portal.accounts.access import area_ids_for
        from prevent_portal.accounts.models import Role

        areas = sorted(area_ids_for(user, [Role.COORDINATOR]))
        if not areas:
            return self.none()
        return self.filter(Q(from_area__in=areas) | Q(to_area__in=areas))

    def pending(self):
        return self.filter(status=AreaTransfer.Status.PENDING)


class AreaTransfer(models.Model):
    """A proposal that a referral (and so its person) or an open Channel case moves from one
    council area to another. Its steps are in referrals/transfer_lifecycle.py."""

    class Kind(models.TextChoices):
        REFERRAL = "referral", "Referral"
        CASE = "case", "Channel case"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the receiving area"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The referral proposed (for a case, the case's referral: a case is its referral's).
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="area_transfers"
    )
    # The reference as it was when proposed: the receiving side may read it before it
    # accepts (it names the record, not the person), without reaching the record.
    reference = models.CharField(max_length=40, blank=True)
    from_area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    to_area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    summary = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = TransferQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            # A second pending transfer of the same record is refused by the lifecycle with a
            # message; the database refuses it too, should two Coordinators press at once.
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(status="pending"),
                name="one_pending_transfer_per_referral",
            ),
        ]
        indexes = [models.Index(fields=["to_area", "status"])]

    def __str__(self):
        # Never a name or the summary: str() is the audit log's unmasked object_repr.
        return f"Area transfer {self.pk}"

    def get_additional_data(self):
        """auditlog's hook: the acceptance's entry names the two areas the accepting
        service acted for while it moved the records (set by ``transfer_accept``)."""
        areas = getattr(self, "_acted_for_areas", None)
        return {"acted_for_areas": areas} if areas else None

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class TransferTraceQuerySet(models.QuerySet):
    def told_to_referrer(self, user):
        """What the referrer of a referral that left their areas is told of it (access rule
        8 keeps the referral itself from them): its reference and the days it was sent and
        passed on, while they are a referrer at the agency they referred from (rule 4), in
        the areas they work in (the wall's own test)."""
        from prevent_portal.accounts.access import in_areas_of, through_agencies_q
        from prevent_portal.accounts.models import Role

        return in_areas_of(self, user).filter(
            through_agencies_q(user, [Role.REFERRER], "referring_agency"), referrer=user
        )


class TransferTrace(models.Model):
    """One referral that left this area by transfer, as a statistic only. Written once, at
    acceptance, for every referral that moved; never read as a record of a person. Its
    referrer is told it was passed on (``told_to_referrer``): the reference, nothing else."""

    area = area_field()  # the sending area's: behind its wall
    transfer = models.ForeignKey(AreaTransfer, on_delete=models.PROTECT, related_name="traces")
    received_on = models.DateField()
    transferred_on = models.DateField()
    age_at_referral = models.PositiveSmallIntegerField(null=True, blank=True)
    gender = models.CharField(max_length=12, blank=True)
    referring_sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="+")
    outcome = models.ForeignKey(
        "referrals.Outcome", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    concern_types = models.ManyToManyField("referrals.ConcernType", blank=True, related_name="+")
    needs_flags = models.ManyToManyField("referrals.NeedsFlag", blank=True, related_name="+")
    reached_panel = models.BooleanField(default=False)
    adopted = models.BooleanField(default=False)
    # For the referrer's own list: the reference they were given, and who referred from
    # where (a member of staff and an agency, not the person).
    reference = models.CharField(max_length=40, blank=True)
    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    referring_agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = TransferTraceQuerySet.as_manager()

    class Meta:
        ordering = ["received_on", "pk"]

    def __str__(self):
        return f"Transfer trace {self.pk}"


def get_transfer_for_user(user, pk) -> AreaTransfer:
    """The only single-transfer fetch: 404 unless ``user`` is a Coordinator of one of its
    two areas (``visible_to``). What they may do to it is the lifecycle's to say."""
    transfer = (
        AreaTransfer.objects.visible_to(user)
        .select_related("from_area", "to_area", "proposed_by", "decided_by")
        .filter(pk=pk)
        .first()
    )
    if transfer is None:
        raise Http404("No such transfer")
    return transfer
