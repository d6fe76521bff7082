"""The Coordinator's retention pages: the review queue, one review (approve deletion or apply
a legal hold), and the retention rules. Coordinator only (403 otherwise).

The queue and the review show record references, dates and rules, never a name or the
concern: a Coordinator who needs the person opens the referral, whose page logs the access.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from prevent_portal.accounts.access import acting_area, area_ids_for, require_role
from prevent_portal.accounts.models import Role
from prevent_portal.areas.models import Area
from prevent_portal.core.concurrency import StaleEdit
from referrals import services
from referrals.forms.retention import DeletionForm, HoldForm, RetentionRuleForm
from referrals.models import Referral, RetentionReview, RetentionRule


def _reviews(user):
    """The reviews of the Coordinator's own council areas (rule 7)."""
    referrals = Referral.objects.only(
        "pk", "person_id", "reference", "received_on", "status", "depersonalised_at"
    ).order_by("received_on", "pk")
    areas = sorted(area_ids_for(user, [Role.COORDINATOR]))
    return (
        RetentionReview.objects.filter(person__area__in=areas)
        .select_related("rule")
        .prefetch_related(Prefetch("person__referrals", queryset=referrals))
    )


@require_GET
def retention_reviews(request):
    """Records past retention waiting for a decision, and those under legal hold."""
    require_role(request.user, Role.COORDINATOR)
    reviews = list(
        _reviews(request.user).filter(
            status__in=[RetentionReview.Status.DUE, RetentionReview.Status.HELD]
        )
    )
    return render(
        request,
        "referrals/retention_reviews.html",
        {
            "due": [r for r in reviews if r.status == RetentionReview.Status.DUE],
            "held": [r for r in reviews if r.status == RetentionReview.Status.HELD],
        },
    )


@require_http_methods(["GET", "POST"])
def retention_review(request, pk):
    """One review: approve deletion, or apply a legal hold with a reason. Whichever
    Coordinator acts second is told the review was decided, and keeps what they typed."""
    require_role(request.user, Role.COORDINATOR)
    review = get_object_or_404(_reviews(request.user), pk=pk)
    start = {"version": review.version}
    action = request.POST.get("action") if request.method == "POST" else None
    delete_form = DeletionForm(request.POST if action == "delete" else None, initial=start)
    hold_form = HoldForm(request.POST if action == "hold" else None, initial=start)
    form = {"delete": delete_form, "hold": hold_form}.get(action)
    if form is None and request.method == "POST":
        form = hold_form = HoldForm(request.POST, initial=start)
        hold_form.is_valid()
        hold_form.add_error(None, "Choose to approve deletion or to apply a legal hold")
    elif form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            if action == "delete":
                services.retention_delete(
                    review=review, expected_version=data["version"], acting_user=request.user
                )
                success = "Personal data deleted: the de-personalised records remain for figures"
            else:
                services.retention_hold(
                    review=review,
                    reason=data["reason"],
                    review_on=data.get("review_on"),
                    expected_version=data["version"],
                    acting_user=request.user,
                )
                success = "Legal hold applied"
        except (StaleEdit, ValueError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, success)
            return redirect("referrals:retention_reviews")
    return render(
        request,
        "referrals/retention_review.html",
        {"review": review, "delete_form": delete_form, "hold_form": hold_form},
    )


def _rule_area(user) -> Area | None:
    """The council area whose retention rules ``user`` (a Coordinator) changes: theirs, in a
    deployment of several areas; None in a single-council one, where the shared rules are
    the area's and are changed themselves (RetentionRule's docstring)."""
    if len(Area.objects.order_by("pk")[:2]) < 2:
        return None
    return acting_area(user, [Role.COORDINATOR])


@require_GET
def retention_rules(request):
    """The rules in force in the Coordinator's area: the shared ones, or the area's own
    override of each (named as such when the deployment serves several areas)."""
    require_role(request.user, Role.COORDINATOR)
    area = _rule_area(request.user)
    rules = RetentionRule.objects.in_force(area.pk if area is not None else None)
    return render(request, "referrals/retention_rules.html", {"rules": rules, "area": area})


@require_http_methods(["GET", "POST"])
def retention_rule_edit(request, pk):
    """Change a rule in force in the Coordinator's area (a shared one is overridden for the
    area, in a deployment of several). Another area's override is as missing (404)."""
    require_role(request.user, Role.COORDINATOR)
    area = _rule_area(request.user)
    rule = get_object_or_404(
        RetentionRule.objects.filter(
            Q(for_area__isnull=True) | Q(for_area=area) if area is not None else Q()
        ),
        pk=pk,
    )
    form = RetentionRuleForm(request.POST or None, instance=rule, initial={"version": rule.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.retention_rule_edit(
                rule=RetentionRule.objects.get(pk=rule.pk),
                years=data["years"],
                young_person_until_age=data["young_person_until_age"],
                expected_version=data["version"],
                acting_user=request.user,
                area=area,
            )
        except (StaleEdit, ValueError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Retention rule saved: {rule.name}")
            return redirect("referrals:retention_rules")
    return render(request, "referrals/retention_rule_edit.html", {"rule": rule, "form": form})


urlpatterns = [
    path("retention/", retention_reviews, name="retention_reviews"),
    path("retention/<int:pk>/", retention_review, name="retention_review"),
    path("retention/rules/", retention_rules, name="retention_rules"),
    path("retention/rules/<int:pk>/", retention_rule_edit, name="retention_rule_edit"),
]
