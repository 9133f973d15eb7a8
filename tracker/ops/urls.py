from django.urls import path

from tracker.ops import views

# No namespace: load balancers and monitoring know "/healthz" by its bare name.
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("audit/", views.audit, name="ops_audit"),
    path("audit.xlsx", views.audit_export, name="ops_audit_export"),
]
