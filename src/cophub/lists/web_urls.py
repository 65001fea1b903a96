"""URL names of namespace `lists` (included by urls.py). Fixed paths come before
`<local_part>/` so a list can never shadow them (`my`, `confirm`, `unsubscribe` and `new` are
not list addresses: configuration.RESERVED_LOCAL_PARTS)."""

from django.urls import path

from . import views, views_owner, views_settings

urlpatterns = [
    path("", views.list_index_view, name="index"),
    path("my/", views.my_subscriptions_view, name="my_subscriptions"),
    path("confirm/<str:token>/", views.confirm_view, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe_one_click_view,
         name="unsubscribe_one_click"),
    path("new/<slug:community>/", views_settings.list_create_view, name="create"),
    path("<slug:local_part>/", views.list_detail_view, name="detail"),
    path("<slug:local_part>/subscribe/", views.list_subscribe_view, name="subscribe"),
    path("<slug:local_part>/archive/", views.archive_view, name="archive"),
    path("<slug:local_part>/archive/<int:post_id>/", views.archive_post_view,
         name="archive_post"),
    path("<slug:local_part>/compose/", views_owner.compose_view, name="compose"),
    path("<slug:local_part>/moderation/", views_owner.moderation_view, name="moderation"),
    path("<slug:local_part>/subscribers/", views_owner.subscribers_view, name="subscribers"),
    path("<slug:local_part>/bounces/", views_owner.bounces_view, name="bounces"),
    path("<slug:local_part>/settings/", views_settings.list_settings_view, name="settings"),
]
