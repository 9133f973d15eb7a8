from django.urls import path

from tracker.directives import line_views, views

app_name = "directives"

urlpatterns = [
    # 交办: the issuer's list and board, the unit's copy (签收, reply) and the review of its reply.
    path("assignments/", views.assignment_list, name="assignment_list"),
    path("assignments/new/", views.assignment_create, name="assignment_create"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment_detail"),
    path("assignments/<int:pk>/urge/", views.assignment_urge, name="assignment_urge"),
    path("assignment-files/<int:pk>/", views.assignment_file, name="assignment_file"),
    path("assignment-units/<int:pk>/", views.target_detail, name="target_detail"),
    path("assignment-units/<int:pk>/acknowledge/", views.target_acknowledge, name="target_acknowledge"),
    path("assignment-units/<int:pk>/reply/", views.target_reply, name="target_reply"),
    path("assignment-units/<int:pk>/review/", views.target_review, name="target_review"),
    # Notices with read receipts.
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/new/", views.notice_create, name="notice_create"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/urge/", views.notice_urge, name="notice_urge"),
    path("notice-files/<int:pk>/", views.notice_file, name="notice_file"),
    # 延期申请.
    path("extensions/", line_views.extension_list, name="extension_list"),
    path("tasks/<int:pk>/extension/", line_views.extension_create, name="extension_create"),
    path("extensions/<int:pk>/decide/", line_views.extension_decide, name="extension_decide"),
    # Questions and difficulties, and 批示.
    path("threads/", line_views.thread_list, name="thread_list"),
    path("units/<int:pk>/threads/new/", line_views.thread_create, name="thread_create"),
    path("threads/<int:pk>/", line_views.thread_detail, name="thread_detail"),
    path("threads/<int:pk>/messages/", line_views.thread_post, name="thread_post"),
    path("threads/<int:pk>/forward/", line_views.thread_forward, name="thread_forward"),
    path("threads/<int:pk>/close/", line_views.thread_close, name="thread_close"),
    path("thread-files/<int:pk>/", line_views.thread_file, name="thread_file"),
    path("units/<int:pk>/instructions/new/", line_views.instruction_create, name="instruction_create"),
    path("instructions/<int:pk>/", line_views.instruction_detail, name="instruction_detail"),
    path("instructions/<int:pk>/acknowledge/", line_views.instruction_acknowledge, name="instruction_acknowledge"),
]
