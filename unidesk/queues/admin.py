from django.contrib import admin

from unidesk.queues.models import ChannelWeight, Queue, RoutingRule


class RoutingRuleInline(admin.TabularInline):
    model = RoutingRule
    extra = 0
    fields = (
        "position",
        "name",
        "is_active",
        "keywords",
        "regex",
        "channels",
        "tiers",
        "set_priority",
    )


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ("name", "strategy", "urgency", "sla_policy", "is_default")
    list_filter = ("strategy", "urgency")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("agents",)
    inlines = [RoutingRuleInline]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("position", "name", "queue", "is_active", "set_priority")
    list_editable = ("is_active",)
    list_filter = ("queue", "is_active")
    ordering = ("position", "id")


@admin.register(ChannelWeight)
class ChannelWeightAdmin(admin.ModelAdmin):
    list_display = ("channel", "weight")
