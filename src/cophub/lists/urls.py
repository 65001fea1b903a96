"""/lists/…: list pages, subscribing, archives, moderation and settings (namespace `lists`).
Fixed paths come before `<local_part>/` so a list can never shadow them (`my`, `confirm`,
`unsubscribe` and `new` are not list addresses: services.configuration.RESERVED_LOCAL_PARTS).
The newsletter's pages are in newsletter/urls.py (namespace `newsletters`)."""

from django.urls import path

from .views import owner, public, settings

app_name = "lists"

urlpatterns = [
    path("", public.list_index_view, name="index"),
    path("my/", public.my_subscriptions_view, name="my_subscriptions"),
    path("confirm/<str:token>/", public.confirm_view, name="confirm"),
    path("unsubscribe/<str:token>/", public.unsubscribe_one_click_view,
         name="unsubscribe_one_click"),
    path("new/<slug:community>/", settings.list_create_view, name="create"),
    path("<slug:local_part>/", public.list_detail_view, name="detail"),
    path("<slug:local_part>/subscribe/", public.list_subscribe_view, name="subscribe"),
    path("<slug:local_part>/archive/", public.archive_view, name="archive"),
    path("<slug:local_part>/archive/<int:post_id>/", public.archive_post_view,
         name="archive_post"),
    path("<slug:local_part>/compose/", owner.compose_view, name="compose"),
    path("<slug:local_part>/moderation/", owner.moderation_view, name="moderation"),
    path("<slug:local_part>/subscribers/", owner.subscribers_view, name="subscribers"),
    path("<slug:local_part>/bounces/", owner.bounces_view, name="bounces"),
    path("<slug:local_part>/settings/", settings.list_settings_view, name="settings"),
]
