from django.apps import AppConfig
from django.core.checks import Tags, register
from django.db.models.signals import post_migrate


def _sync_role_groups(sender, app_config=None, **kwargs):
    """post_migrate runs once per app; permissions of later apps do not exist yet, so only the
    run for the last installed app insists that every registered permission exists."""
    from django.apps import apps

    from prevent_portal.accounts.services import role_groups_sync

    last = [c for c in apps.get_app_configs() if c.models_module is not None][-1]
    role_groups_sync(strict=sender is last)


class AccountsConfig(AppConfig):
    name = "prevent_portal.accounts"
    label = "accounts"
    verbose_name = "People and agencies"

    def ready(self):
        from auditlog.registry import auditlog
        from django.contrib.sessions.models import Session
        from django.db.models.signals import post_delete

        from prevent_portal.accounts import checks, demo, selfservice
        from prevent_portal.accounts.models import (
            AccessReviewAnswer,
            AccountChangeApproval,
            AccountChangeRequest,
            AccountRequest,
            Agency,
            EnrolmentLink,
            ExternalIdentity,
            Membership,
            Role,
            Sector,
            User,
        )
        from prevent_portal.core import demo as demo_registry
        from prevent_portal.core import navigation

        post_delete.connect(
            selfservice.session_forgotten, sender=Session, dispatch_uid="accounts.session_forgotten"
        )
        auditlog.register(
            User,
            # referral_draft: a reverse one-to-one (another record's value, a query each).
            exclude_fields=["password", "last_login", "referral_draft"],
            mask_fields=["first_name", "last_name", "email", "job_title"],
        )
        auditlog.register(ExternalIdentity)
        # Role requests, credential changes and their approvals: the audit trail of who
        # asked, who approved, who refused and why. Secrets are never logged.
        auditlog.register(AccountChangeRequest, exclude_fields=["password_hash"])
        auditlog.register(AccountChangeApproval)
        auditlog.register(EnrolmentLink, exclude_fields=["token_hash"])
        navigation.register(
            navigation.NavItem(
                label="Accounts",
                url_name="accounts:account_list",
                roles=frozenset({Role.SPOC, Role.COORDINATOR, Role.SYSADMIN}),
                description="Who has an account, their roles and last sign-in; switch off "
                "the accounts of people who have left.",
                order=50,
                section=navigation.ADMINISTRATION,
            )
        )
        navigation.register(
            navigation.NavItem(
                label="Account approvals",
                url_name="accounts:approval_list",
                roles=frozenset({Role.COORDINATOR, Role.SYSADMIN}),
                description="Roles, passwords, authenticators and council sign-ins waiting "
                "for your approval before they take effect.",
                order=51,
                section=navigation.ADMINISTRATION,
            )
        )
        # A SPOC's request for a colleague's account and the access review's answers: who
        # asked or answered, who acted, and when.
        auditlog.register(AccountRequest, mask_fields=["first_name", "last_name", "email"])
        auditlog.register(AccessReviewAnswer)
        navigation.register(
            navigation.NavItem(
                label="Account requests",
                url_name="accounts:account_request_list",
                roles=frozenset({Role.SPOC, Role.SYSADMIN}),
                description="Ask for an account for a colleague at your agency; the system "
                "administrator makes it or says why not.",
                order=53,
                section=navigation.ADMINISTRATION,
            )
        )
        navigation.register(
            navigation.NavItem(
                label="Access review",
                url_name="accounts:access_review",
                roles=frozenset({Role.SPOC, Role.SYSADMIN}),
                description="Each quarter, say whether everyone with a role at your agency "
                "still needs it.",
                order=54,
                section=navigation.ADMINISTRATION,
            )
        )
        navigation.register(
            navigation.NavItem(
                label="Your account",
                url_name="accounts:your_account",
                roles=frozenset(Role.values),
                description="Change your password, see your recent sign-ins, and sign out "
                "everywhere else.",
                order=90,
                section=navigation.ACCOUNT,
            )
        )
        auditlog.register(Agency)
        auditlog.register(Membership)
        auditlog.register(Sector)
        demo_registry.register("accounts", demo.seed, order=10)
        # What waits for each role on the home page (prevent_portal/core/work_waiting.py).
        from prevent_portal.core import work_waiting

        work_waiting.register_all("prevent_portal.accounts.work_waiting")
        # Needs the database: runs with `check --database default` and before `migrate`.
        register(checks.check_global_permissions, Tags.security, Tags.database)
        register(checks.check_area_scope, Tags.security)
        # After every app's permissions exist (post_migrate of the last app runs it again).
        post_migrate.connect(_sync_role_groups, dispatch_uid="accounts-role-groups")
