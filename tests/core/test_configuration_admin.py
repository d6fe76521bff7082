"""Every configuration table the system administrator is given rights on has its page in the
admin, and every lookup page there is a configuration table they hold rights on. Found in a
re-read of issue 18's work: the types of support-plan action and the exit reasons had the
rights (channel_panel/apps.py) but no admin page, so nobody could edit them."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from channel_panel.models import ExitReason, SupportType
from prevent_portal.accounts.models import Lookup
from prevent_portal.accounts.services import SYSADMIN_PERMISSIONS
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _configuration_models() -> set:
    found = set()
    for dotted in SYSADMIN_PERMISSIONS:
        app_label, codename = dotted.split(".", 1)
        found.add(apps.get_model(app_label, codename.split("_", 1)[1]))
    return found


def test_every_configuration_table_has_an_admin_page_and_every_lookup_page_is_one():
    registered = set(admin.site._registry)
    configuration = _configuration_models()
    assert sorted(m.__name__ for m in configuration - registered) == []
    lookups = {m for m in registered if issubclass(m, Lookup)}
    assert sorted(m.__name__ for m in lookups - configuration) == []


def test_the_administrator_edits_support_types_and_exit_reasons(client, world):
    sign_in(client, world.sysadmin)
    for model in (SupportType, ExitReason):
        names = model._meta.app_label, model._meta.model_name
        entry = model.objects.order_by("pk").first()
        changelist = client.get(reverse("admin:{}_{}_changelist".format(*names)))
        assert changelist.status_code == 200 and entry.name in changelist.content.decode()
        assert client.get(reverse("admin:{}_{}_add".format(*names))).status_code == 200
        change = reverse("admin:{}_{}_change".format(*names), args=[entry.pk])
        assert client.get(change).status_code == 200
        # Retired with an end date, never deleted: old cases keep their entry.
        delete = reverse("admin:{}_{}_delete".format(*names), args=[entry.pk])
        assert client.get(delete).status_code == 403
    # An exit reason's code carries a lifecycle rule: shown, not editable, once saved.
    reason = ExitReason.objects.get(code=ExitReason.OWNERSHIP_RETURNED)
    page = client.get(reverse("admin:channel_panel_exitreason_change", args=[reason.pk]))
    assert 'name="code"' not in page.content.decode()
    data = {
        "code": "something-else",
        "name": "Ownership returned to the referring agency",
        "order": reason.order,
        "effective_from": reason.effective_from.isoformat() if reason.effective_from else "",
        "effective_to": "",
    }
    client.post(reverse("admin:channel_panel_exitreason_change", args=[reason.pk]), data)
    reason.refresh_from_db()
    assert reason.code == ExitReason.OWNERSHIP_RETURNED
    assert reason.name == "Ownership returned to the referring agency"
    assert LogEntry.objects.get_for_object(reason).filter(actor=world.sysadmin).exists()


@pytest.mark.parametrize("persona", ["coordinator", "manager", "chair"])
def test_other_roles_do_not_find_them(client, world, persona):
    sign_in(client, world.persona(persona))
    for name in ("supporttype", "exitreason"):
        assert client.get(reverse(f"admin:channel_panel_{name}_changelist")).status_code == 404
