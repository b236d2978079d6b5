from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from unidesk.accounts.models import ApiToken, Team, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active", "teams")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (
            _("Support desk"),
            {"fields": ("role", "teams", "languages", "capacity", "time_zone", "ui_language")},
        ),
    )
    filter_horizontal = ("groups", "user_permissions", "teams")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "lead")
    search_fields = ("name",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("hint", "user", "name", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    readonly_fields = ("key_hash", "hint", "created_at", "last_used_at")
    search_fields = ("user__username", "name")

    def has_add_permission(self, request):
        return False  # tokens are issued by `unidesk token create`, which shows the secret once
