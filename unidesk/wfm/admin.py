from django import forms
from django.contrib import admin

from unidesk.core.errors import DomainError
from unidesk.wfm.models import ChannelStaffing, PlannedStaff, StaffingSettings
from unidesk.wfm.services import check_channel_staffing


class ChannelStaffingForm(forms.ModelForm):
    """The same checks as the workspace's settings form: the staffing maths must accept it.

    The admin builds the form's Meta (model and fields) from the fieldsets.
    """

    def clean(self):
        data = super().clean() or {}
        if not self.errors:
            try:
                check_channel_staffing(
                    self.instance.__class__(
                        pk=self.instance.pk,
                        **{
                            f.name: data.get(f.name, getattr(self.instance, f.name))
                            for f in ChannelStaffing._meta.concrete_fields
                            if f.name != "id"
                        },
                    )
                )
            except DomainError as exc:
                raise forms.ValidationError(exc.message) from None
        return data


@admin.register(StaffingSettings)
class StaffingSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "calendar", "interval_minutes", "history_weeks", "holdout_weeks")

    def has_add_permission(self, request):  # one row: pk 1
        return super().has_add_permission(request) and not StaffingSettings.objects.exists()

    def save_model(self, request, obj, form, change):
        obj.pk = 1
        super().save_model(request, obj, form, change)


@admin.register(ChannelStaffing)
class ChannelStaffingAdmin(admin.ModelAdmin):
    list_display = ("channel", "is_active", "model", "aht_seconds", "sl_target", "shrinkage")
    list_editable = ("is_active",)
    form = ChannelStaffingForm
    fieldsets = (
        (None, {"fields": ("channel", "is_active", "position", "model")}),
        (
            "Staffing",
            {
                "fields": (
                    "aht_seconds",
                    "target_seconds",
                    "sl_target",
                    "asa_target_seconds",
                    "max_occupancy",
                    "shrinkage",
                    "patience_seconds",
                    "max_abandon",
                    "concurrency",
                    "chat_factor",
                )
            },
        ),
        (
            "Forecast",
            {
                "fields": (
                    "forecast_source",
                    "manual_daily_volume",
                    "manual_weekday_weights",
                    "manual_hourly_shape",
                    "margin_kind",
                    "margin_percent",
                    "margin_coverage",
                )
            },
        ),
    )


@admin.register(PlannedStaff)
class PlannedStaffAdmin(admin.ModelAdmin):
    list_display = ("channel", "day", "minute", "agents")
    list_filter = ("channel",)
    date_hierarchy = "day"
