from django.urls import path

from . import views

app_name = "usecases"
urlpatterns = [
    path("", views.usecase_list_view, name="list"),
    path("export.csv", views.usecase_export_view, name="export"),
    path("statistics/", views.usecase_statistics_view, name="statistics"),
    path("<int:pk>/", views.usecase_detail_view, name="detail"),
    path("<int:pk>/contact/", views.usecase_contact_view, name="contact"),
]
