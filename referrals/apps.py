from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self):
        from auditlog.registry import auditlog

        from prevent_portal.accounts.access import register_global_permissions
        from prevent_portal.accounts.models import Role
        from prevent_portal.accounts.services import register_configuration_models
        from prevent_portal.audit import ownership
        from prevent_portal.core import demo as demo_registry
        from prevent_portal.core import navigation
        from prevent_portal.reminders import registry as reminders
        from referrals import demo
        from referrals.models import (
            ChronologyEntry,
            CrossAreaRequest,
            CrossAreaRequestMatch,
            GatewayResult,
            InformationRequest,
            Person,
            PersonAlias,
            Referral,
            ReferralDraft,
            ReferralGroupGrant,
            ReferralUserGrant,
            RepeatMatch,
            RetentionReview,
            RetentionRule,
        )
        from referrals.navigation import NAV_ITEMS
        from referrals.reminders import information_requests_overdue, triage_overdue

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
            # auditlog's diff of a new record reads every reverse one-to-one too: one query
            # each per record created, for a value that is another record's, not this one's.
            # The capitalised names are the database's copy of the names (masked above):
            # never written to the log.
            exclude_fields=["retention_review", "given_name_upper", "family_name_upper"],
        )
        auditlog.register(PersonAlias, mask_fields=["given_name", "family_name"])
        auditlog.register(
            Referral,
            # Many-to-many too (prevent_portal.audit.masking.redact_masked_m2m): needs flags
            # are health data, concern types political or religious belief.
            mask_fields=["concern_summary", "outcome_reason", "concern_types", "needs_flags"],
            m2m_fields={"concern_types", "needs_flags"},
            # Reverse one-to-ones, as for Person.
            exclude_fields=["channel_case", "area_match_check"],
        )
        auditlog.register(ChronologyEntry, mask_fields=["text"])
        auditlog.register(InformationRequest, mask_fields=["question", "response", "closed_reason"])
        auditlog.register(RepeatMatch, mask_fields=["reasons"])
        auditlog.register(CrossAreaRequest, mask_fields=["reason", "reply"])
        auditlog.register(CrossAreaRequestMatch)
        auditlog.register(ReferralDraft, mask_fields=["data"])
        auditlog.register(ReferralUserGrant)
        auditlog.register(ReferralGroupGrant)
        auditlog.register(RetentionRule)
        # Which gateway results allow a panel discussion decides who can reach the panel.
        auditlog.register(GatewayResult)
        auditlog.register(RetentionReview, mask_fields=["hold_reason"])
        from referrals.models import AreaTransfer, TransferTrace

        auditlog.register(AreaTransfer, mask_fields=["summary", "decline_reason"])
        auditlog.register(
            TransferTrace,
            mask_fields=["concern_types", "needs_flags"],
            m2m_fields={"concern_types", "needs_flags"},
        )

        # The agency that owns each record, for the unusual-access report.
        ownership.register(Referral, "owning_agency")
        ownership.register(InformationRequest, "referral__owning_agency")
        ownership.register(ChronologyEntry, "referral__owning_agency")

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
        for item in NAV_ITEMS:
            navigation.register(item)
        register_configuration_models(
            "referrals",
            [
                "concerntype",
                "outcome",
                "signpostingservice",
                "needsflag",
                "retentionrule",
                "gatewayresult",
            ],
        )
        demo_registry.register("referrals", demo.seed, order=20)
        demo_registry.register("referrals.second_area", demo.seed_second_area, order=90)
        reminders.register("referrals.triage_overdue", triage_overdue)
        reminders.register("referrals.information_requests_overdue", information_requests_overdue)
        # What waits for each role on the home page (prevent_portal/core/work_waiting.py).
        from prevent_portal.core import work_waiting

        work_waiting.register_all("referrals.work_waiting")
