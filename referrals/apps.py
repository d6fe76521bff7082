from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self):
        from auditlog.registry import auditlog

        from prevent_portal.accounts.access import register_global_permissions
        from prevent_portal.accounts.models import Role
        from prevent_portal.core import demo as demo_registry
        from prevent_portal.core import navigation
        from prevent_portal.reminders import registry as reminders
        from referrals import demo
        from referrals.models import Person, Referral, ReferralGroupGrant, ReferralUserGrant
        from referrals.reminders import triage_overdue

        auditlog.register(
            Person,
            mask_fields=["given_name", "family_name", "date_of_birth", "postcode"],
        )
        auditlog.register(Referral, mask_fields=["concern_summary"])
        auditlog.register(ReferralUserGrant)
        auditlog.register(ReferralGroupGrant)

        register_global_permissions(
            Role.COORDINATOR,
            [
                "referrals.view_referral",
                "referrals.change_referral",
                "referrals.share_referral",
                "referrals.add_information_referral",
                "referrals.view_person",
                "referrals.change_person",
            ],
        )
        navigation.register(
            navigation.NavItem(
                label="Referrals",
                url_name="referrals:list",
                roles=frozenset(
                    {
                        Role.COORDINATOR,
                        Role.PANEL_CHAIR,
                        Role.PANEL_MEMBER,
                        Role.SPOC,
                        Role.REFERRER,
                    }
                ),
                description=(
                    "Referrals you can see: your agency's, your own, and those shared with you."
                ),
                order=10,
            )
        )
        demo_registry.register("referrals", demo.seed, order=20)
        reminders.register("referrals.triage_overdue", triage_overdue)
