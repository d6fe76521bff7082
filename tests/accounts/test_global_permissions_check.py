"""The database system check (accounts/checks.py): nobody but the coordinator role group holds
model-wide view or change rights on a model that holds case content."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from channel_panel.models import ChannelCase, Consent
from prevent_portal.accounts.checks import CHECK_ID, global_permission_errors, protected_models
from prevent_portal.accounts.models import User
from prevent_portal.accounts.services import role_groups_sync
from referrals.models import ChronologyEntry, ConcernType, Person, Referral
from tests import factories
from training.models import ComplianceReturn, TrainingSession

pytestmark = pytest.mark.django_db


def _perm(app_label, codename):
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def test_protected_models_are_the_case_records_and_what_hangs_off_them():
    found = set(protected_models())
    assert {Person, Referral, ChannelCase, ChronologyEntry, Consent} <= found
    # Configuration, accounts and training's organisational figures are not case content.
    assert not {ConcernType, User, ComplianceReturn, TrainingSession} & found


def test_a_migrated_database_passes_the_check():
    assert global_permission_errors() == []
    call_command("check", "--database", "default")


def test_managers_reading_training_figures_model_wide_is_allowed():
    manager = Group.objects.get(name="role:manager")
    assert manager.permissions.filter(codename="view_compliancereturn").exists()
    assert global_permission_errors() == []


def test_a_manager_group_given_view_referral_fails_the_check():
    Group.objects.get(name="role:manager").permissions.add(_perm("referrals", "view_referral"))
    errors = global_permission_errors()
    assert [(e.id, e.obj) for e in errors] == [(CHECK_ID, "group:role:manager")]
    assert "referrals.view_referral" in errors[0].msg
    with pytest.raises(SystemCheckError, match="role:manager"):
        call_command("check", "--database", "default")


def test_an_agency_group_given_change_on_a_sub_record_fails_the_check():
    agency = factories.AgencyFactory()
    agency.group.permissions.add(_perm("channel_panel", "change_consent"))
    assert [e.obj for e in global_permission_errors()] == [f"group:{agency.group.name}"]


def test_a_user_given_view_person_directly_fails_the_check():
    user = factories.UserFactory()
    user.user_permissions.add(_perm("referrals", "view_person"))
    errors = global_permission_errors()
    assert [(e.id, e.obj) for e in errors] == [(CHECK_ID, f"user:{user.pk}")]
    # Even the Coordinator gets model-wide sight only through the role group.
    with pytest.raises(SystemCheckError, match=f"User {user.pk} holds"):
        call_command("check", "--database", "default")


def test_the_check_runs_only_when_database_checks_are_asked_for():
    Group.objects.get(name="role:spoc").permissions.add(_perm("referrals", "view_referral"))
    call_command("check")  # no --database: runserver and gunicorn do not run it
    with pytest.raises(SystemCheckError):
        call_command("check", "--database", "default")


def test_the_sync_after_migrate_resets_role_groups_and_refuses_other_holders():
    Group.objects.get(name="role:manager").permissions.add(_perm("referrals", "view_referral"))
    role_groups_sync()  # a role group is put back to the registry: nothing left to report
    assert global_permission_errors() == []
    other = Group.objects.create(name="hand-made")
    other.permissions.add(_perm("channel_panel", "view_channelcase"))
    with pytest.raises(ImproperlyConfigured, match="hand-made"):
        role_groups_sync()
