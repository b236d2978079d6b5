from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from unidesk.channels.email.imap import ImapError, poll_mailbox
from unidesk.channels.email.models import Email, Mailbox, QueueSignature
from unidesk.core.crypto import try_decrypt


class MailboxForm(forms.ModelForm):
    imap_password = forms.CharField(
        label=_("IMAP password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "Stored encrypted. Leave empty to keep the stored one. Prefer the password "
            "variable: a secret in the environment never reaches the database."
        ),
    )
    clear_imap_password = forms.BooleanField(label=_("Forget the stored password"), required=False)

    class Meta:
        model = Mailbox
        fields = [
            "address", "aliases", "from_name", "default_queue", "signature", "is_active",
            "imap_host", "imap_port", "imap_security", "imap_user", "imap_password_env",
            "imap_folder", "imap_after", "imap_move_to",
        ]  # fmt: skip

    def save(self, commit=True):
        mailbox = super().save(commit=False)
        if self.cleaned_data.get("clear_imap_password"):
            mailbox.imap_password_encrypted = ""
        elif self.cleaned_data.get("imap_password"):
            mailbox.set_imap_password(self.cleaned_data["imap_password"])
        if commit:
            mailbox.save()
        return mailbox


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = (
        "address",
        "from_name",
        "default_queue",
        "is_active",
        "imap_host",
        "imap_polled_at",
        "has_error",
    )
    list_filter = ("is_active",)
    search_fields = ("address", "aliases")
    readonly_fields = (
        "imap_uidvalidity",
        "imap_last_uid",
        "imap_polled_at",
        "imap_error",
        "stored_password",
    )
    actions = ["poll_now"]
    fieldsets = (
        (None, {"fields": ("address", "aliases", "from_name", "default_queue", "signature",
                           "is_active")}),
        (_("IMAP (to fetch from an existing mailbox)"), {
            "fields": ("imap_host", "imap_port", "imap_security", "imap_user",
                       "imap_password_env", "imap_password", "stored_password",
                       "clear_imap_password", "imap_folder", "imap_after", "imap_move_to"),
        }),
        (_("Polling state"), {
            "fields": ("imap_uidvalidity", "imap_last_uid", "imap_polled_at", "imap_error"),
        }),
    )  # fmt: skip

    @admin.display(boolean=True, description=_("polling error"))
    def has_error(self, obj):
        return bool(obj.imap_error)

    @admin.display(description=_("stored password"))
    def stored_password(self, obj):
        if not obj.imap_password_encrypted:
            return _("none")
        if try_decrypt(obj.imap_password_encrypted) is None:
            return _("unreadable: stored under another key; enter it again")
        return _("stored (encrypted)")

    @admin.action(description=_("Poll the selected mailboxes now (IMAP)"))
    def poll_now(self, request, queryset):
        for mailbox in queryset.exclude(imap_host=""):
            try:
                result = poll_mailbox(mailbox)
            except ImapError as exc:
                self.message_user(request, f"{mailbox}: {exc}", messages.ERROR)
                continue
            self.message_user(
                request,
                _("%(box)s: %(n)d fetched, %(new)d new.")
                % {"box": mailbox, "n": result.fetched, "new": result.created},
            )


@admin.register(QueueSignature)
class QueueSignatureAdmin(admin.ModelAdmin):
    list_display = ("queue", "text")


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin):
    """Read-only: every mail received or sent, with its original."""

    list_display = (
        "created_at",
        "direction",
        "status",
        "sender",
        "mail_id",
        "ticket_link",
        "via",
        "size",
    )
    list_filter = ("direction", "status", "via", "mailbox")
    search_fields = ("mail_id", "sender", "to")
    readonly_fields = [f.name for f in Email._meta.fields]
    list_select_related = ("message",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("ticket"))
    def ticket_link(self, obj):
        if obj.message is None:
            return "—"
        return format_html('<a href="/tickets/{0}/">#{0}</a>', obj.message.ticket_id)
