from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self):
        from auditlog.registry import auditlog

        from prevent_portal.accounts.access import register_global_permissions
        from prevent_portal.accounts.models import Role
        from prevent_portal.accounts.services import register_configuration_models
        from prevent_portal.core import demo as demo_registry
        from prevent_portal.core import navigation
        from prevent_portal.reminders import registry as reminders
        from referrals import demo
        from referrals.models import (
            ChronologyEntry,
            InformationRequest,
            Person,
            PersonAlias,
            Referral,
            ReferralDraft,
            ReferralGroupGrant,
            ReferralUserGrant,
            RepeatMatch,
        )
        from referrals.reminders import triage_overdue

        auditlog.register(
            Person,
            mask_fields=[
                "given_name",
                "family_name",
                "date_of_birth",
                "gender",
                "address",
                "postcode",
                "school_or_employer",
                "ethnicity",
            ],
        )
        auditlog.register(PersonAlias, mask_fields=["given_name", "family_name"])
        auditlog.register(
            Referral,
            mask_fields=["concern_summary", "outcome_reason"],
            m2m_fields={"concern_types", "needs_flags"},
        )
        auditlog.register(ChronologyEntry, mask_fields=["text"])
        auditlog.register(InformationRequest, mask_fields=["question", "response"])
        auditlog.register(RepeatMatch, mask_fields=["reasons"])
        auditlog.register(ReferralDraft, mask_fields=["data"])
        auditlog.register(ReferralUserGrant)
        auditlog.register(ReferralGroupGrant)

        register_global_permissions(
            Role.COORDINATOR,
            [
                "referrals.view_referral",
                "referrals.change_referral",
                "referrals.share_referral",
                "referrals.add_information_referral",
                "referrals.triage_referral",
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
        navigation.register(
            navigation.NavItem(
                label="Make a referral",
                url_name="referrals:intake_start",
                roles=frozenset({Role.REFERRER, Role.SPOC, Role.COORDINATOR}),
                description="Tell the Prevent Coordinator about a concern about someone.",
                order=5,
            )
        )
        navigation.register(
            navigation.NavItem(
                label="Your referrals",
                url_name="referrals:mine",
                roles=frozenset({Role.REFERRER}),
                description="The referrals you have made and where each one has got to.",
                order=6,
            )
        )
        navigation.register(
            navigation.NavItem(
                label="Triage queue",
                url_name="referrals:triage_queue",
                roles=frozenset({Role.COORDINATOR}),
                description="Referrals waiting for triage, against the target time.",
                order=11,
            )
        )
        navigation.register(
            navigation.NavItem(
                label="Information requests",
                url_name="referrals:information_requests",
                roles=frozenset({Role.SPOC}),
                description="Questions the Prevent Coordinator has asked your agency.",
                order=12,
            )
        )
        navigation.register(
            navigation.NavItem(
                label="Statistics",
                url_name="referrals:statistics",
                roles=frozenset({Role.COORDINATOR, Role.MANAGER}),
                description="The Home Office profile of referrals received in a period.",
                order=40,
            )
        )
        navigation.register(
            navigation.NavItem(
                label="Import referrals",
                url_name="referrals:import",
                roles=frozenset({Role.COORDINATOR}),
                description="Upload historical referrals from a CSV or XLSX file.",
                order=41,
            )
        )
        register_configuration_models(
            "referrals", ["concerntype", "outcome", "signpostingservice", "needsflag"]
        )
        demo_registry.register("referrals", demo.seed, order=20)
        reminders.register("referrals.triage_overdue", triage_overdue)
