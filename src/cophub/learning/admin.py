"""The Django admin is for site operators. Organizers use the organizer pages, which go
through the services (audit, e-mail); so the admin is read-mostly here: verification codes
and decisions cannot be edited."""

from django.contrib import admin

from .models import (
    AccessRequest,
    Certificate,
    Enrolment,
    Instructor,
    RecordingAccessGrant,
    Series,
    Session,
    Track,
)


class TrackInline(admin.TabularInline):
    model = Track
    extra = 0
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "year"]
    list_filter = ["community", "year"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ("title",)}
    inlines = [TrackInline]


@admin.register(Instructor)
class InstructorAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "affiliation"]
    search_fields = ["name", "affiliation"]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["event", "series", "credit_per_hour", "min_attendance_ratio",
                    "credit_points"]
    list_filter = ["series"]
    list_select_related = ["event", "series"]
    raw_id_fields = ["event"]
    filter_horizontal = ["tracks", "instructors"]
    search_fields = ["event__title"]


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["user", "series", "track", "created_at"]
    list_filter = ["series"]
    list_select_related = ["user", "series", "track"]
    raw_id_fields = ["user"]
    search_fields = ["user__email"]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["code", "holder_name", "session", "track", "credit", "issued_at",
                    "revoked_at"]
    list_select_related = ["session__event", "track"]
    search_fields = ["code", "holder_name", "user__email"]
    readonly_fields = ["code", "user", "session", "track", "covers", "credit", "issued_at"]


@admin.register(AccessRequest)
class AccessRequestAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "agency", "series", "status", "created_at"]
    list_filter = ["status", "series"]
    search_fields = ["email", "name", "agency"]
    readonly_fields = ["status", "decided_by", "decided_at", "user"]


@admin.register(RecordingAccessGrant)
class RecordingAccessGrantAdmin(admin.ModelAdmin):
    list_display = ["email", "series", "granted_by", "granted_at", "revoked_at"]
    list_filter = ["series"]
    search_fields = ["email"]
    raw_id_fields = ["access_request", "granted_by"]
