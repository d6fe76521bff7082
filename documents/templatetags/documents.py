"""``{% documents_section record %}``: the documents a record's page lists for the viewer,
with the link to add one where they may. The page's own view needs no change."""

from __future__ import annotations

from django import template
from django.urls import reverse

from channel_panel.models import MANAGE_MEETINGS, ChannelCase, PanelMeeting
from documents import scanning
from documents.models import Document
from prevent_portal.accounts.access import actions_for, has_global_perm, has_role
from prevent_portal.accounts.models import Role
from referrals.models import InformationRequest, Referral

register = template.Library()


def may_add(user, record) -> bool:
    if isinstance(record, Referral):
        return "add_information" in actions_for(user, record)
    if isinstance(record, ChannelCase):
        return "change" in actions_for(user, record)
    if isinstance(record, PanelMeeting):
        return has_global_perm(user, MANAGE_MEETINGS)
    return InformationRequest.objects.asked_of(user).filter(pk=record.pk).exists()


@register.inclusion_tag("documents/section.html", takes_context=True)
def documents_section(context, record, heading="Documents", may_add_here=None):
    """A referral's list includes the documents partners added to their answers to its
    information requests (seen by those who see the requests). The link to add one shows to
    those the upload view lets in (documents/views.py: the same rules). ``may_add_here``:
    that answer when the page has already asked ``actions_for`` the same question (the case
    page's ``can_change``), so the section does not ask it again."""
    user = context["request"].user
    documents = Document.objects.visible_on(user, record).select_related("uploaded_by")
    if isinstance(record, Referral):
        add_url = reverse("documents:referral_upload", args=[record.pk])
    else:
        add_url = reverse(
            {
                ChannelCase: "documents:case_upload",
                PanelMeeting: "documents:meeting_upload",
                InformationRequest: "documents:request_upload",
            }[type(record)],
            args=[record.pk],
        )
    if may_add_here is None:
        may_add_here = may_add(user, record)
    return {
        "documents": list(documents),
        "add_url": add_url if may_add_here else "",
        "can_delete": has_role(user, Role.COORDINATOR),
        "heading": heading,
        "scanning": scanning.is_scanning(),
    }
