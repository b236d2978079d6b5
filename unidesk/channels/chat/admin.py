from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from unidesk.channels.chat.models import ChatSession, ChatWidget


@admin.register(ChatWidget)
class ChatWidgetAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "is_active", "language", "queue")
    list_filter = ("is_active", "language")
    readonly_fields = ("snippet",)
    fieldsets = (
        (None, {"fields": ("name", "is_active", "snippet")}),
        (_("Look"), {"fields": ("title", "colour", "language", "greeting")}),
        (_("Pre-chat form"), {"fields": ("ask_name", "ask_email")}),
        (_("Routing"), {"fields": ("queue",)}),
        (_("Security"), {"fields": ("key", "allowed_origins", "max_upload_bytes", "upload_types")}),
    )

    @admin.display(description=_("Snippet to paste into your site"))
    def snippet(self, obj):
        if obj is None or obj.pk is None:
            return _("Save the widget to get its snippet.")
        request = getattr(self, "_request", None)
        src = reverse("chat:widget_js")
        if request is not None:
            src = request.build_absolute_uri(src)
        return format_html(
            '<code style="user-select:all">&lt;script src="{}" data-widget="{}" async&gt;'
            "&lt;/script&gt;</code>",
            src,
            obj.key,
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        self._request = request
        return super().get_form(request, obj, change, **kwargs)


@admin.register(ChatSession)
class ChatSessionAdmin(admin.ModelAdmin):
    """Read-only: sessions are written by the widget."""

    list_display = ("__str__", "widget", "ticket", "page_url", "left_email", "last_seen_at")
    list_filter = ("widget", "left_email")
    readonly_fields = [f.name for f in ChatSession._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False
