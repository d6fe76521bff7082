"""Documents follow their record through records retention (rules in referrals/retention.py).

When a person's records are deleted past retention (de-personalisation), every document on
their referrals, their Channel cases and the information requests about them is deleted:
the row (auditlog records the deletion, title and names masked) and, once the deletion
commits, the file in storage. A legal hold keeps the person off the deletion, so their
documents stay with them. Meeting papers belong to the meeting, not to one person, and stay.
"""

from __future__ import annotations

from django.db.models import Q

from documents.models import Document
from documents.services import remove_file_after_commit


def erase(referral_ids: list[int]) -> dict[str, int]:
    """Delete the documents of these referrals, their cases and their information requests."""
    ids = Document.objects.filter(
        Q(referral_id__in=referral_ids)
        | Q(case__referral_id__in=referral_ids)
        | Q(information_request__referral_id__in=referral_ids)
    ).values_list("pk", flat=True)
    # Locked by key: PostgreSQL cannot lock through the outer joins of the filter above.
    documents = Document.objects.select_for_update().filter(pk__in=list(ids))
    rows = files = 0
    for document in documents.order_by("pk"):
        if document.storage_name:
            remove_file_after_commit(document.storage_name)
            files += 1
        document.delete()
        rows += 1
    return {"documents deleted": rows, "document files": files}
