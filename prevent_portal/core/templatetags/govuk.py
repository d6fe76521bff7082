"""GOV.UK Design System markup for Django forms: one way to render each kind of field."""

from django import forms, template

from prevent_portal.core.forms import GovUKDateInput, date_error_parts

register = template.Library()

INPUT_CLASS = {
    forms.Textarea: "govuk-textarea",
    forms.Select: "govuk-select",
    forms.SelectMultiple: "govuk-select",
}


def _kind(widget) -> str:
    if isinstance(widget, GovUKDateInput):
        return "date"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    return "input"


@register.inclusion_tag("components/field.html")
def govuk_field(
    bound_field, label_size: str = "", page_heading: bool = False, reveal: dict | None = None
):
    """Render one field with its label, hint and error message in GOV.UK markup.

    ``reveal`` (radios only): {choice value: [bound fields]}, the fields shown under that
    radio when it is chosen (GOV.UK conditional reveal). Without JavaScript they all show.
    """
    widget = bound_field.field.widget
    kind = _kind(widget)
    # A date's hint and error belong to its fieldset, named by the field's own id (its
    # id_for_label is the day box).
    field_id = (
        bound_field.auto_id if kind == "date" else bound_field.id_for_label or bound_field.auto_id
    )
    described = []
    if bound_field.help_text:
        described.append(f"{field_id}-hint")
    if bound_field.errors:
        described.append(f"{field_id}-error")
    attrs = {}
    max_length = getattr(bound_field.field, "max_length", None)
    character_count = kind == "input" and isinstance(widget, forms.Textarea) and max_length
    if kind == "input" and max_length:
        # Never the HTML maxlength: a browser cuts a longer paste silently (the concern box
        # once lost half of 20,000 characters without a word). The form refuses it instead,
        # and the character count says how far over it is while typing.
        attrs["maxlength"] = False
    if character_count:
        described.append(f"{field_id}-info")
    if kind == "input":
        css = INPUT_CLASS.get(type(widget), "govuk-input")
        if bound_field.errors:
            css += f" {css}--error"
        if character_count:
            css += " govuk-js-character-count"
        existing = widget.attrs.get("class", "")
        attrs["class"] = f"{css} {existing}".strip()
        if described:
            attrs["aria-describedby"] = " ".join(described)
    elif kind == "checkbox":
        attrs["class"] = "govuk-checkboxes__input"
    elif kind == "date":
        attrs["data-error-parts"] = " ".join(date_error_parts(bound_field))
    return {
        "field": bound_field,
        "kind": kind,
        "field_id": field_id,
        "widget_html": (
            bound_field.as_widget(attrs=attrs) if kind in {"input", "checkbox", "date"} else ""
        ),
        "character_count": character_count,
        "max_length": max_length,
        "described_by": " ".join(described),
        "label_size": label_size,
        "page_heading": page_heading,
        "errors": [e for e in bound_field.errors if e],
        "options": _options(bound_field, kind, reveal or {}),
    }


def _options(bound_field, kind: str, reveal: dict) -> list[dict]:
    if kind not in {"radios", "checkboxes"}:
        return []
    return [
        {
            "option": option,
            "reveal": [f for f in reveal.get(str(option.data["value"]), []) if f is not None],
            "conditional_id": f"conditional-{option.id_for_label}",
        }
        for option in bound_field
    ]


@register.inclusion_tag("components/error_summary.html")
def error_summary(*forms_):
    """The error summary at the top of a page: every error, each linking to its field."""
    items = []
    for form in forms_:
        if form is None or not form.is_bound:
            continue
        first_field = next(iter(form.fields), None)
        for error in form.non_field_errors():
            target = form[first_field].id_for_label if first_field else ""
            items.append({"message": error, "href": f"#{target}"})
        for name, errors in form.errors.items():
            if name == "__all__":
                continue
            bf = form[name]
            target = bf.id_for_label or bf.auto_id
            if _kind(bf.field.widget) in {"radios", "checkboxes"}:
                target = f"{bf.auto_id}_0"
            elif _kind(bf.field.widget) == "date":
                # The first box that is wrong (GOV.UK: the month, when only the month is).
                target = f"{bf.auto_id}-{(date_error_parts(bf) or ['day'])[0]}"
            items.extend({"message": e, "href": f"#{target}"} for e in errors if e)
    return {"items": items}
