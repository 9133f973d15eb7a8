from django.urls import path

from tracker.work import campaign_views, review_views, views, window_views

app_name = "work"

urlpatterns = [
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/tasks/new/", views.unit_task_create, name="unit_task_create"),
    path("units/<int:pk>/window/", window_views.unit_window, name="unit_window"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/history/", views.task_history, name="task_history"),
    path("tasks/<int:pk>/entries/", views.task_entry_add, name="task_entry_add"),
    path("tasks/<int:pk>/owner/", views.task_owner, name="task_owner"),
    path("tasks/<int:pk>/submit/", views.task_submit, name="task_submit"),
    path("tasks/<int:pk>/review/", views.task_review, name="task_review"),
    path("entries/<int:pk>/delete/", views.entry_delete, name="entry_delete"),
    path("entries/<int:pk>/restore/", views.entry_restore, name="entry_restore"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/batch/", review_views.review_batch, name="review_batch"),
    path("review/batch/accept/", review_views.review_batch_accept, name="review_batch_accept"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("campaigns/", campaign_views.campaigns, name="campaigns"),
    path("campaigns/new/", campaign_views.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/batches/new/", campaign_views.batch_create, name="batch_create"),
    path("campaigns/<int:pk>/close/", campaign_views.campaign_close, name="campaign_close"),
    path("evidence/<int:pk>/preview/<int:page>/", views.evidence_preview, name="evidence_preview"),
]
