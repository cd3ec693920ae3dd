from django.urls import path

from examples.django_app import views

urlpatterns = [
    path("consultations", views.start),
    path("consultations/<str:call_id>/invitations", views.invite),
]
