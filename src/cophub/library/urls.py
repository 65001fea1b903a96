from django.urls import path

from . import views

app_name = "library"
urlpatterns = [
    path("", views.library_view, name="browse"),
    path("<slug:community>/", views.community_library_view, name="community"),
    path("<slug:community>/new/", views.resource_create_view, name="create"),
    path("<slug:community>/<int:pk>/", views.resource_detail_view, name="detail_short"),
    path("<slug:community>/<int:pk>-<slug:slug>/", views.resource_detail_view, name="detail"),
    path("<slug:community>/<int:pk>/file/", views.resource_file_view, name="file"),
    path("<slug:community>/<int:pk>/edit/", views.resource_edit_view, name="edit"),
    path("<slug:community>/<int:pk>/history/", views.resource_history_view, name="history"),
    path("<slug:community>/<int:pk>/history/<int:number>/restore/",
         views.resource_restore_view, name="restore"),
    path("<slug:community>/<int:pk>/withdraw/", views.resource_withdraw_view, name="withdraw"),
    path("<slug:community>/<int:pk>/reinstate/", views.resource_reinstate_view,
         name="reinstate"),
]
