from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from unidesk.channels.telegram import services
from unidesk.channels.telegram.models import TelegramBot
from unidesk.core.errors import DomainError


class TelegramBotForm(forms.ModelForm):
    token = forms.CharField(
        label=_("Bot token"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "From @BotFather. Stored encrypted and never shown again; leave empty to keep "
            "the current one."
        ),
    )

    class Meta:
        model = TelegramBot
        fields = ("name", "token", "token_env", "default_queue", "mode", "is_active")

    def clean_token(self) -> str:
        token = str(self.cleaned_data.get("token", ""))
        if token and (":" not in token or " " in token or len(token) > 200):
            raise forms.ValidationError(_("A bot token looks like 123456789:AA…"))
        return token

    def clean(self):
        data = super().clean() or {}
        has_stored = bool(self.instance.pk and self.instance.token_encrypted)
        if not (data.get("token") or data.get("token_env") or has_stored):
            raise forms.ValidationError(_("Give the bot's token, or the variable that holds it."))
        return data


@admin.register(TelegramBot)
class TelegramBotAdmin(admin.ModelAdmin):
    form = TelegramBotForm
    list_display = ("name", "username", "mode", "default_queue", "is_active", "has_token")
    list_filter = ("mode", "is_active")
    readonly_fields = ("username", "webhook", "webhook_secret", "update_offset")
    actions = ["check_connection", "register_webhook"]

    def get_fields(self, request, obj=None):
        return [*TelegramBotForm.Meta.fields, *self.readonly_fields]

    @admin.display(description=_("token set"), boolean=True)
    def has_token(self, obj):
        return obj.has_token

    @admin.display(description=_("webhook URL"))
    def webhook(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        request = getattr(self, "_request", None)
        base = request.build_absolute_uri("/") if request is not None else "/"
        return services.webhook_url(obj, base_url=base)

    def get_form(self, request, obj=None, change=False, **kwargs):
        self._request = request
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request, obj, form, change):
        token = form.cleaned_data.get("token")
        if token:
            obj.set_token(token)
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Check the connection (ask Telegram who the bot is)"))
    def check_connection(self, request, queryset):
        for bot in queryset:
            try:
                username = services.check_bot(bot)
            except DomainError as exc:
                self.message_user(request, f"{bot.name}: {exc.message}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(bot)s is @%(username)s.") % {"bot": bot.name, "username": username},
                )

    @admin.action(description=_("Register the webhook at this desk's address"))
    def register_webhook(self, request, queryset):
        for bot in queryset:
            try:
                url = services.register_webhook(bot, base_url=request.build_absolute_uri("/"))
            except DomainError as exc:
                self.message_user(request, f"{bot.name}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, _("Telegram now calls %(url)s.") % {"url": url})
