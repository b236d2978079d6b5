from django.contrib import admin

from unidesk.tickets.models import Event, Message, Tag, Ticket


class MessageInline(admin.StackedInline):
    model = Message
    extra = 0
    fields = ("kind", "sender_name", "sender_address", "text", "created_at")
    readonly_fields = fields
    can_delete = False


class EventInline(admin.TabularInline):
    model = Event
    extra = 0
    fields = ("created_at", "kind", "actor", "data")
    readonly_fields = fields
    can_delete = False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-mostly: tickets change through the workspace and API, which run the services."""

    list_display = ("id", "subject", "status", "priority", "queue", "assignee", "created_at")
    list_filter = ("status", "priority", "queue", "channel")
    search_fields = ("subject",)
    raw_id_fields = ("customer", "assignee")
    readonly_fields = [f.name for f in Ticket._meta.fields]
    inlines = [MessageInline, EventInline]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)
