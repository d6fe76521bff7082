"""The quarterly review of the action plan and its board appendix (HTML and PDF, in the
layout of seed 001). Aggregates of the council's own plan, no case data: readers only."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from governance.forms.plan import AppendixForm, QuarterForm
from governance.models import Rag, get_period_for_user
from governance.review import (
    Quarter,
    appendix_actions,
    default_quarter,
    quarters_of,
    review_items,
)
from prevent_portal.core.forms import date_submitted


@require_GET
def quarterly_review(request, pk):
    """Every item's latest RAG status at the end of a quarter, the items with no update in
    it, and those overdue (as of the quarter's end, or today for the current quarter)."""
    period = get_period_for_user(request.user, pk)
    today = timezone.localdate()
    quarters = quarters_of(period)
    form = QuarterForm(request.GET or None, quarters=quarters)
    quarter = None
    if form.is_bound and form.is_valid():
        quarter = Quarter.from_key(form.cleaned_data["quarter"] or "")
    quarter = quarter or default_quarter(period, today)
    items = review_items(period, quarter, today)
    counts = {value: 0 for value in Rag.values}
    for item in items:
        counts[item.latest_rag] += 1
    return render(
        request,
        "governance/quarterly_review.html",
        {
            "period": period,
            "quarter": quarter,
            "form": QuarterForm(initial={"quarter": quarter.key}, quarters=quarters),
            "items": items,
            "rag_counts": [(label, counts[value], value) for value, label in Rag.choices],
            "not_updated": [
                i
                for i in items
                if not i.updates_in_quarter
                and not (i.completed_on and i.completed_on < quarter.start)
            ],
            "overdue": [i for i in items if i.is_overdue],
            "as_of": min(today, quarter.end),
        },
    )


def _appendix(request, pk):
    period = get_period_for_user(request.user, pk)
    today = timezone.localdate()
    data = request.GET if date_submitted(request.GET, "as_of") else {"as_of": f"{today:%d/%m/%Y}"}
    form = AppendixForm(data)
    as_of = form.cleaned_data["as_of"] if form.is_valid() else today
    return (
        period,
        form,
        as_of,
        {
            "period": period,
            "as_of": as_of,
            "actions": appendix_actions(period, as_of),
        },
    )


@require_GET
def appendix(request, pk):
    """The action plan as a board appendix: each priority action with its objective beside
    the latest progress on its items."""
    period, form, as_of, context = _appendix(request, pk)
    pdf_url = reverse("governance:appendix_pdf", args=[period.pk]) + f"?as_of={as_of:%d/%m/%Y}"
    return render(
        request, "governance/appendix.html", {**context, "form": form, "pdf_url": pdf_url}
    )


@require_GET
def appendix_pdf(request, pk):
    """The same appendix as an A4 PDF for board papers (WeasyPrint)."""
    from weasyprint import HTML  # a heavy import, needed only here

    period, form, as_of, context = _appendix(request, pk)
    html = render_to_string("governance/appendix_pdf.html", context, request=request)
    pdf = HTML(string=html).write_pdf()  # self-contained: no URL to fetch
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"action-plan-appendix-{as_of.isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


urlpatterns = [
    path("plan/<int:pk>/review/", quarterly_review, name="quarterly_review"),
    path("plan/<int:pk>/appendix/", appendix, name="appendix"),
    path("plan/<int:pk>/appendix.pdf", appendix_pdf, name="appendix_pdf"),
]
