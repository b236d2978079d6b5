from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from unidesk.core.errors import DomainError
from unidesk.outbox.models import Delivery, DeliveryStatus
from unidesk.outbox.services import retry_delivery


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Read-only: deliveries change through the outbox services (the worker, a retry)."""

    list_display = ("id", "message", "channel", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status", "channel")
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ["retry"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Retry the selected failed deliveries"))
    def retry(self, request, queryset):
        done = 0
        for delivery in queryset.filter(status=DeliveryStatus.FAILED):
            try:
                retry_delivery(delivery, by=request.user)
                done += 1
            except DomainError as exc:
                self.message_user(request, exc.message, messages.WARNING)
        self.message_user(request, _("%(n)d deliveries queued again.") % {"n": done})
