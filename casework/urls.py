"""Casework: its pages, and its JSON API (included under ``/api/`` by ``config.urls``)."""

from django.urls import path

from casework import (
    api,
    info_api,
    info_views,
    intake_api,
    intake_views,
    review_api,
    review_views,
    views,
)

urlpatterns = [
    path("cases/", views.case_list, name="case-list"),
    path("cases/open/", views.case_open, name="case-open"),
    path("cases/rules/", views.case_rules, name="case-rules"),
    path("cases/rules/add/", views.case_rule_add, name="case-rule-add"),
    path("cases/rules/<int:pk>/remove/", views.case_rule_remove, name="case-rule-remove"),
    path("cases/standards/", views.contact_standard_set, name="case-standard-set"),
    path("cases/reviews/", review_views.case_reviews, name="case-reviews"),
    path("cases/reviews/<int:pk>/", review_views.case_review_meeting, name="case-review-meeting"),
    path(
        "cases/reviews/<int:pk>/agenda/",
        review_views.case_review_agenda,
        name="case-review-agenda",
    ),
    path(
        "cases/reviews/items/<int:pk>/outcome/",
        review_views.case_review_outcome,
        name="case-review-outcome",
    ),
    path("cases/<int:pk>/", views.case_detail, name="case-detail"),
    path("cases/<int:pk>/reopen/", views.case_reopen, name="case-reopen"),
    path("cases/<int:pk>/actions/", views.case_action_add, name="case-action-add"),
    path("cases/<int:pk>/risk/", views.case_risk, name="case-risk"),
    path("cases/<int:pk>/lead/", views.case_lead, name="case-lead"),
    path("cases/<int:pk>/close/", views.case_close, name="case-close"),
    path("cases/<int:pk>/officer/", views.case_put_to_officer, name="case-put-to-officer"),
    path("cases/<int:pk>/refer/", views.case_refer, name="case-refer"),
    path("cases/tasks/<int:pk>/done/", views.case_task_complete, name="case-task-complete"),
    # Reports from anyone (the first two need no sign-in).
    path("report/", intake_views.report_public, name="report-public"),
    path(
        "report/received/<uuid:receipt>/",
        intake_views.report_received,
        name="report-received",
    ),
    path("report/more/", intake_views.report_more, name="report-more"),
    path("report/centre/", intake_views.report_centre, name="report-centre"),
    path("intake/", intake_views.intake_list, name="intake-list"),
    path("intake/<int:pk>/", intake_views.intake_detail, name="intake-detail"),
    path("intake/<int:pk>/triage/", intake_views.intake_triage, name="intake-triage"),
    # Shared information and community tension.
    path("information/", info_views.information, name="information"),
    path("information/share/", info_views.information_share, name="information-share"),
    path("tension/", info_views.tension, name="tension"),
    path("tension/record/", info_views.tension_record, name="tension-record"),
    path("tension/board/", info_views.tension_board, name="tension-board"),
    path("tension/areas/<int:pk>/", info_views.tension_area, name="tension-area"),
]

api_urlpatterns = [
    path("information/", info_api.InformationView.as_view(), name="api-information"),
    path("tension/", info_api.TensionView.as_view(), name="api-tension"),
    path("tension/areas/<int:pk>/", info_api.TensionAreaView.as_view(), name="api-tension-area"),
    path("reports/", intake_api.PublicReportView.as_view(), name="api-reports"),
    path("reports/more/", intake_api.PublicReportMoreView.as_view(), name="api-reports-more"),
    path("intake/", intake_api.IntakeListView.as_view(), name="api-intake"),
    path("intake/centre/", intake_api.CentreReportView.as_view(), name="api-intake-centre"),
    path("intake/<int:pk>/", intake_api.IntakeDetailView.as_view(), name="api-intake-report"),
    path(
        "intake/<int:pk>/triage/", intake_api.IntakeTriageView.as_view(), name="api-intake-triage"
    ),
    path("cases/", api.CaseListView.as_view(), name="api-cases"),
    path("cases/rules/", api.CaseRulesView.as_view(), name="api-case-rules"),
    path(
        "cases/rules/<int:pk>/remove/",
        api.CaseRuleRemoveView.as_view(),
        name="api-case-rule-remove",
    ),
    path("cases/standards/", api.ContactStandardView.as_view(), name="api-case-standards"),
    path("cases/reviews/", review_api.CaseReviewsView.as_view(), name="api-case-reviews"),
    path(
        "cases/reviews/<int:pk>/",
        review_api.ReviewMeetingView.as_view(),
        name="api-case-review-meeting",
    ),
    path(
        "cases/reviews/<int:pk>/agenda/",
        review_api.ReviewAgendaView.as_view(),
        name="api-case-review-agenda",
    ),
    path(
        "cases/reviews/items/<int:pk>/outcome/",
        review_api.ReviewOutcomeView.as_view(),
        name="api-case-review-outcome",
    ),
    path("cases/<int:pk>/", api.CaseDetailView.as_view(), name="api-case"),
    path("cases/<int:pk>/reopen/", api.CaseReopenView.as_view(), name="api-case-reopen"),
    path("cases/<int:pk>/actions/", api.CaseActionsView.as_view(), name="api-case-actions"),
    path("cases/<int:pk>/risk/", api.CaseRiskView.as_view(), name="api-case-risk"),
    path("cases/<int:pk>/lead/", api.CaseLeadView.as_view(), name="api-case-lead"),
    path("cases/<int:pk>/close/", api.CaseCloseView.as_view(), name="api-case-close"),
    path("cases/<int:pk>/officer/", api.CasePutToOfficerView.as_view(), name="api-case-officer"),
    path("cases/<int:pk>/refer/", api.CaseReferView.as_view(), name="api-case-refer"),
    path(
        "cases/tasks/<int:pk>/done/",
        api.CaseTaskCompleteView.as_view(),
        name="api-case-task-complete",
    ),
]
