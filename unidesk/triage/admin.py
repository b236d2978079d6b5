from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from unidesk.core.errors import DomainError
from unidesk.triage import desk
from unidesk.triage.models import TicketTopic, TopicModel


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


@admin.register(TopicModel)
class TopicModelAdmin(admin.ModelAdmin):
    """Versions of the routing model: read-only; activation runs the service."""

    list_display = (
        "version", "status", "is_active", "trigger", "finished_at", "examples", "held_out",
        "accuracy_display", "routed_share_display", "routed_precision_display", "encoder",
    )  # fmt: skip
    list_filter = ("status", "is_active", "trigger")
    exclude = ("blob",)
    readonly_fields = (
        "version", "status", "is_active", "trigger", "trained_by", "created_at", "started_at",
        "finished_at", "activated_at", "encoder", "examples", "held_out", "threshold",
        "size_bytes", "note", "report",
    )  # fmt: skip
    actions = ["activate", "deactivate_all"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("blob").select_related("trained_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # versions are the history of routing; old files are pruned instead

    @admin.display(description=_("accuracy"))
    def accuracy_display(self, obj):
        return _pct(obj.accuracy)

    @admin.display(description=_("routes"))
    def routed_share_display(self, obj):
        return _pct(obj.routed_share)

    @admin.display(description=_("right when routing"))
    def routed_precision_display(self, obj):
        return _pct(obj.routed_precision)

    @admin.display(description=_("quality report"))
    def report(self, obj):
        if obj.status != "ready":
            return "—"
        rows = desk.report_rows(obj)
        table = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((q["name"], q["support"], _pct(q["recall"]), _pct(q["precision"]))
             for q in rows["queues"]),
        )  # fmt: skip
        return format_html(
            '<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>'
            '<p><a href="{}">{}</a></p>',
            _("queue"), _("checked"), _("recall"), _("precision"), table,
            reverse("workspace:topic_model", args=[obj.version]),
            _("Full report with the confusion matrix"),
        )  # fmt: skip

    @admin.action(description=_("Route new tickets with this version"))
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Pick exactly one version."), messages.ERROR)
            return
        try:
            desk.activate_model(queryset.get())
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(request, _("Activated."), messages.SUCCESS)

    @admin.action(description=_("Stop routing by model (rules only)"))
    def deactivate_all(self, request, queryset):
        desk.deactivate_models()
        self.message_user(request, _("Model routing is off."), messages.SUCCESS)


@admin.register(TicketTopic)
class TicketTopicAdmin(admin.ModelAdmin):
    list_display = ("ticket", "label", "confidence", "routed", "model_version", "created_at")
    list_filter = ("routed", "model_version")
    raw_id_fields = ("ticket", "model", "queue")
    readonly_fields = (
        "ticket", "model", "model_version", "queue", "label", "confidence", "routed", "created_at",
    )  # fmt: skip

    def has_add_permission(self, request):
        return False
