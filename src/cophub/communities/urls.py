from django.urls import path

from . import views

app_name = "communities"
urlpatterns = [
    path("c/<slug:community>/", views.community_view, name="detail"),
    path("c/<slug:community>/organize/", views.organize_view, name="organize"),
    path("c/<slug:community>/organize/groups/new/", views.group_create_view,
         name="group_create"),
    path("c/<slug:community>/organize/audit/", views.community_audit_view, name="audit"),
    path("c/<slug:community>/g/<slug:group>/", views.group_view, name="group"),
    path("c/<slug:community>/g/<slug:group>/join/", views.group_join_view, name="group_join"),
    path("c/<slug:community>/g/<slug:group>/leave/", views.group_leave_view,
         name="group_leave"),
    path("c/<slug:community>/g/<slug:group>/manage/", views.group_manage_view,
         name="group_manage"),
    path("c/<slug:community>/g/<slug:group>/manage/invite/", views.group_invite_view,
         name="group_invite"),
    path("c/<slug:community>/g/<slug:group>/manage/members/<int:pk>/role/",
         views.membership_role_view, name="membership_role"),
    path("c/<slug:community>/g/<slug:group>/manage/requests/<int:pk>/",
         views.membership_decide_view, name="membership_decide"),
]
