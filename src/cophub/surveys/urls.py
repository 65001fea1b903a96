"""/c/<community>/surveys/… (the organizers' pages and results) and /surveys/… (answering),
namespace `surveys`."""

from django.urls import path

from .views import builder, manage, respond, results

app_name = "surveys"

P = "c/<slug:community>/surveys/"
S = P + "<int:pk>/"

urlpatterns = [
    path(P, manage.survey_list_view, name="list"),
    path(P + "new/", manage.survey_create_view, name="create"),
    path(S, manage.survey_manage_view, name="manage"),
    path(S + "settings/", manage.survey_settings_view, name="settings"),
    path(S + "publish/", manage.survey_publish_view, name="publish"),
    path(S + "close/", manage.survey_close_view, name="close"),
    path(S + "remind/", manage.survey_remind_view, name="remind"),
    path(S + "questions/", builder.questions_view, name="questions"),
    path(S + "questions/new/", builder.question_add_view, name="question_add"),
    path(S + "questions/<int:section>/<int:position>/", builder.question_edit_view,
         name="question_edit"),
    path(S + "questions/<int:section>/<int:position>/move/", builder.question_move_view,
         name="question_move"),
    path(S + "questions/<int:section>/<int:position>/delete/", builder.question_delete_view,
         name="question_delete"),
    path(S + "sections/", builder.section_save_view, name="section_save"),
    path(S + "results/", results.results_view, name="results"),
    path(S + "results/count/", results.results_count_view, name="results_count"),
    path(S + "results/text/<slug:code>/", results.text_answers_view, name="text_answers"),
    path(S + "results.csv", results.results_csv_view, name="results_csv"),
    path("surveys/<int:pk>/", respond.answer_view, name="answer"),
    path("surveys/r/<str:token>/", respond.personal_view, name="personal"),
    path("surveys/<int:pk>/thanks/", respond.thanks_view, name="thanks"),
]
