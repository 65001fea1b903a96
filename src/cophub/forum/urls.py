"""/c/<community>/forum/…: categories, topics, posts, moderation (namespace `forum`), and
/forum/notifications/. Fixed paths come before `<category>/`, so no category can shadow
them (services.categories.RESERVED_SLUGS)."""

from django.urls import path

from .views import feeds, manage, merging, moderation, notifications, public

app_name = "forum"

P = "c/<slug:community>/forum/"

urlpatterns = [
    path("forum/notifications/", notifications.notifications_view, name="notifications"),
    path("forum/notifications/<int:pk>/", notifications.notification_open_view,
         name="notification_open"),
    path("forum/notifications/badge/", notifications.notifications_badge_view,
         name="notifications_badge"),
    path("forum/notifications/settings/", notifications.notification_settings_view,
         name="notification_settings"),
    path(P, public.forum_index_view, name="index"),
    path(P + "new/", manage.category_create_view, name="category_create"),
    path(P + "moderation/", moderation.moderation_view, name="moderation"),
    path(P + "g/<slug:group>/", feeds.group_latest_view, name="group_latest"),
    path(P + "moderation/flags/<int:post_id>/", moderation.flags_decide_view,
         name="flags_decide"),
    path(P + "moderation/held/<int:post_id>/", moderation.held_decide_view,
         name="held_decide"),
    path(P + "moderation/silence/", moderation.silence_view, name="silence"),
    path(P + "moderation/silence/<int:pk>/lift/", moderation.silence_lift_view,
         name="silence_lift"),
    path(P + "t/<int:pk>/", public.topic_view, name="topic"),
    path(P + "t/<int:pk>/reply/", public.reply_view, name="reply"),
    path(P + "t/<int:pk>/answer/", public.answer_view, name="answer"),
    path(P + "t/<int:pk>/watch/", notifications.topic_watch_view, name="topic_watch"),
    path(P + "t/<int:pk>/move/", manage.topic_move_view, name="topic_move"),
    path(P + "t/<int:pk>/moderate/", manage.topic_moderate_view, name="topic_moderate"),
    path(P + "t/<int:pk>/merge/", merging.topic_merge_view, name="topic_merge"),
    path(P + "t/<int:pk>/split/", merging.topic_split_view, name="topic_split"),
    path(P + "p/<int:post_id>/edit/", public.post_edit_view, name="post_edit"),
    path(P + "p/<int:post_id>/flag/", moderation.post_flag_view, name="post_flag"),
    path(P + "p/<int:post_id>/history/", manage.post_history_view, name="post_history"),
    path(P + "<slug:category>/", public.category_view, name="category"),
    path(P + "<slug:category>/new/", public.topic_create_view, name="topic_create"),
    path(P + "<slug:category>/similar/", public.similar_topics_view, name="similar"),
    path(P + "<slug:category>/mentions/", public.mention_suggestions_view,
         name="mention_suggestions"),
    path(P + "<slug:category>/feed/", feeds.CategoryFeed(), name="category_feed"),
    path(P + "<slug:category>/watch/", notifications.category_watch_view,
         name="category_watch"),
    path(P + "<slug:category>/settings/", manage.category_settings_view,
         name="category_settings"),
]
