"""``{% record_url name id ... %}``: ``{% url %}`` for whole-number ids, without resolving the
pattern again for each row (prevent_portal.core.links)."""

from __future__ import annotations

from django import template

from prevent_portal.core.links import record_url

register = template.Library()
register.simple_tag(record_url, name="record_url")
