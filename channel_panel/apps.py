from django.apps import AppConfig


class ChannelPanelConfig(AppConfig):
    name = "channel_panel"
    verbose_name = "Channel Panel"

    def ready(self):
        from auditlog.registry import auditlog

        from channel_panel import models
        from prevent_portal.accounts.access import register_global_permissions
        from prevent_portal.accounts.models import Role
        from prevent_portal.accounts.services import register_configuration_models
        from prevent_portal.audit import ownership

        auditlog.register(models.PanelMeeting, m2m_fields={"core_agencies"})
        auditlog.register(models.Invitee)
        auditlog.register(models.Attendance, mask_fields=["name"])
        auditlog.register(models.AgendaItem, mask_fields=["title"])
        auditlog.register(models.Decision, mask_fields=["rationale", "referred_to"])
        auditlog.register(models.ChannelCase, mask_fields=["exit_notes", "exit_agreement_reason"])
        auditlog.register(models.ChannelCaseUserGrant)
        auditlog.register(models.ChannelCaseGroupGrant)
        auditlog.register(models.PackGrant)
        # A pack PDF's build: who asked, when, its status; not the PDF or its record list.
        auditlog.register(models.PackBuild, exclude_fields=["pdf", "records"])
        auditlog.register(
            models.Consent,
            mask_fields=[
                "giver_name",
                "capacity_notes",
                "withdrawal_notes",
                "given_by",
                "withdrawn_by",
                "withdrawer_name",
            ],
        )
        auditlog.register(models.CaseNeedsFlag, mask_fields=["flag"])
        auditlog.register(models.SupportAction, mask_fields=["description"])
        auditlog.register(models.PostExitReview, mask_fields=["outcome_notes"])
        # The minutes (issue 17): notes and actions speak about cases, so their text is masked.
        auditlog.register(models.MinuteTaker)
        auditlog.register(models.ItemNote, mask_fields=["text"])
        auditlog.register(models.MeetingAction, mask_fields=["description", "cancelled_reason"])
        # The vulnerability assessment: every draft save and the completion are logged; its
        # free text is personal data, masked (AUDITLOG_MASK_CALLABLE redacts all of it).
        auditlog.register(models.Assessment, mask_fields=["summary", "management_plan"])
        auditlog.register(models.AssessmentRating, mask_fields=["evidence"])
        # Exit reasons carry lifecycle rules (their codes): a change to one is a change to
        # what a case may do, as for the gateway results (referrals/apps.py).
        auditlog.register(models.ExitReason)

        # The agency that owns each record, for the unusual-access report.
        ownership.register(models.ChannelCase, "lead_agency")
        for part in (models.Consent, models.CaseNeedsFlag, models.SupportAction):
            ownership.register(part, "case__lead_agency")

        register_global_permissions(
            Role.COORDINATOR,
            [
                "channel_panel.view_channelcase",
                "channel_panel.change_channelcase",
                "channel_panel.share_channelcase",
                "channel_panel.manage_panelmeeting",
                "channel_panel.chair_panelmeeting",
            ],
        )
        register_global_permissions(Role.PANEL_CHAIR, ["channel_panel.chair_panelmeeting"])
        self._register_chair_reach()
        register_configuration_models(
            "channel_panel",
            ["supporttype", "interventionprovider", "exitreason", "vafdimension", "vaffactor"],
        )
        self._register_reports()
        self._register_demo()
        self._register_meetings()
        self._register_cases()
        self._register_retention()
        # What waits for each role on the home page (prevent_portal/core/work_waiting.py).
        from prevent_portal.core import work_waiting

        work_waiting.register_all("channel_panel.work_waiting")

    def _register_chair_reach(self):
        """The chair of a meeting sees what its agenda holds: the referrals on it and their
        cases, adopted there or reviewed there (access rule 6). The chair approves adoption,
        support plans and closure, so they must see the cases of the panels they chair; a
        chair of another meeting does not."""
        from channel_panel.models import ChannelCase
        from prevent_portal.accounts.access import register_role_reach
        from prevent_portal.accounts.models import Role
        from referrals.models import Referral

        register_role_reach(Referral, Role.PANEL_CHAIR, "agenda_items__meeting__chair")
        register_role_reach(ChannelCase, Role.PANEL_CHAIR, "referral__agenda_items__meeting__chair")

    def _register_retention(self):
        """Its part of records retention: when a case closes, and what deletion removes."""
        from channel_panel import retention
        from referrals import retention as referrals_retention

        referrals_retention.register(
            "channel_panel", closures=retention.closures, erase=retention.erase
        )

    def _register_cases(self):
        """The cases part: its menu link, its reminders and the re-referral notes at
        triage."""
        from channel_panel import history, persons, reminders
        from prevent_portal.accounts.models import AGENCY_CASE_ROLES
        from prevent_portal.core import navigation
        from prevent_portal.reminders import registry
        from referrals import history as person_history
        from referrals import person_page
        from referrals import search as referrals_search

        navigation.register(
            navigation.NavItem(
                label="Channel cases",
                url_name="channel_panel:case_list",
                roles=AGENCY_CASE_ROLES,
                description="Channel cases you can see: consent, support plans and exits.",
                order=21,
                section=navigation.CHANNEL,
            )
        )
        registry.register("channel_panel.contact_overdue", reminders.support_contact_overdue)
        registry.register("channel_panel.consent_at_18", reminders.consent_on_turning_18)
        registry.register("channel_panel.post_exit_review", reminders.post_exit_review_due)
        registry.register("channel_panel.pack_open", reminders.pack_open)
        registry.register("channel_panel.meeting_action_due", reminders.meeting_action_due)
        person_history.register("channel_panel.rereferrals", history.rereferral_notes)
        # Transfer between council areas: the person's cases move with their referrals.
        from channel_panel import transfers as case_transfers
        from referrals import transfers as referral_transfers

        referral_transfers.register(
            referral_transfers.Part(
                "channel_panel.cases",
                refusals=case_transfers.refusals,
                move=case_transfers.move,
                case_status=case_transfers.case_status,
            )
        )
        person_page.register("channel_panel.cases", persons.cases_section)
        referrals_search.register_reference(
            "channel_panel.cases", "Channel case reference", persons.persons_by_case_reference
        )
        # An adopted referral's work has finished once its case has exited (the referrer's
        # status page and message, referrals/referrer.py).
        from django.db.models import Q

        from referrals import referrer

        referrer.register_finished(Q(channel_case__exited_on__isnull=False))

    def _register_meetings(self):
        """The meetings part: its menu link."""
        from channel_panel.navigation import NAV_ITEMS
        from prevent_portal.core import navigation

        for item in NAV_ITEMS:
            navigation.register(item)

    def _register_demo(self):
        """Its part of seed_demo, after the referrals it takes to panel."""
        from channel_panel import demo
        from prevent_portal.core import demo as demo_registry

        demo_registry.register("channel_panel", demo.seed, order=40)

    def _register_reports(self):
        """The reports part: its menu link."""
        from prevent_portal.accounts.models import Role
        from prevent_portal.core import navigation

        navigation.register(
            navigation.NavItem(
                label="Channel Panel report",
                url_name="channel_panel:report",
                roles=frozenset({Role.COORDINATOR, Role.PANEL_CHAIR, Role.MANAGER}),
                description="Meetings held, attendance, cases, exits and re-referrals in a period.",
                order=22,
                section=navigation.CHANNEL,
            )
        )
