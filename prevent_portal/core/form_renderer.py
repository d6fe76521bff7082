"""The form renderer: Django's (``DjangoTemplates``), except that a select's markup is
written here, in Python, instead of by two template includes for each of its options.

A select of a hundred agencies took about 2 ms to render through ``select.html``,
``select_option.html`` and ``attrs.html`` (issue 18: the compliance page's filter was the
biggest part of its rendering). The markup is the templates' own, to the character
(``tests/core/test_form_renderer.py`` compares them on every kind of select); a select whose
options use another template goes through the templates as before.
"""

from __future__ import annotations

from django.forms import Select
from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData
from django.utils.timezone import template_localtime

SELECT_TEMPLATE = Select.template_name
OPTION_TEMPLATE = Select.option_template_name


def _shown(value) -> str:
    """``{{ value }}`` in a template: localised, then escaped unless already safe."""
    return conditional_escape(localize(template_localtime(value)))


def _formatted(value) -> str:
    """``{{ value|stringformat:'s' }}``: the text, escaped unless the value was safe."""
    text = "%s" % value  # noqa: UP031 - what the stringformat filter does
    return text if isinstance(value, SafeData) else conditional_escape(text)


def _attrs(attrs: dict) -> str:
    """``attrs.html``: each attribute but those False; a True one by its name alone."""
    return "".join(
        f" {_shown(name)}" if value is True else f' {_shown(name)}="{_formatted(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def select_markup(widget: dict) -> str | None:
    """What ``select.html`` writes for a select's context (``widget``), or None when an
    option has a template of its own."""
    parts = [f'<select name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_shown(group_name)}">')
        for option in options:
            if option["template_name"] != OPTION_TEMPLATE:
                return None
            parts.append(
                f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_shown(option['label'])}</option>\n"  # the option template's last line
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class Renderer(DjangoTemplates):
    """``FORM_RENDERER``: Django's templates, a select's markup written by select_markup."""

    def render(self, template_name, context, request=None):
        # Text, as Django's renderer returns it (the widget marks it safe): every value in
        # it is escaped by select_markup as the templates escape it.
        if template_name == SELECT_TEMPLATE:
            markup = select_markup(context["widget"])
            if markup is not None:
                return markup
        return super().render(template_name, context, request)
