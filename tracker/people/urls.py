from django.urls import path

from tracker.people import plan_views, views

app_name = "people"

urlpatterns = [
    path("units/<int:pk>/roster/", views.roster, name="roster"),
    path("units/<int:pk>/roster/members/", views.membership, name="membership"),
    path("roster/import/", views.roster_import, name="roster_import"),
    path("ledgers/study/<int:pk>/attendance/", views.study_attendance, name="study_attendance"),
    path("tasks/<int:pk>/leader/", views.task_leader, name="task_leader"),
    path("leaders/", views.participation, name="participation"),
    path("leaders/<int:pk>/", views.leader, name="leader"),
    path("units/<int:pk>/research/plans/", plan_views.plans, name="plans"),
    path("research/plans/<int:pk>/record/", plan_views.plan_record, name="plan_record"),
    path("research/plans/<int:pk>/cancel/", plan_views.plan_cancel, name="plan_cancel"),
    path("research/plans/<int:pk>/suggest/", plan_views.plan_suggest, name="plan_suggest"),
    path("research/calendar/", plan_views.calendar, name="calendar"),
]
