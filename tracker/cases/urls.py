from django.urls import path

from tracker.cases import views

app_name = "cases"

urlpatterns = [
    path("cases/", views.case_list, name="list"),
    path("cases/task/<int:pk>/propose/", views.task_propose, name="task_propose"),
    path("cases/deed/<int:pk>/propose/", views.deed_propose, name="deed_propose"),
    path("cases/<int:pk>/decide/", views.case_decide, name="decide"),
]
