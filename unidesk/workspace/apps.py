from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    """The agents' web workspace: server-rendered pages, htmx, live over WebSockets."""

    name = "unidesk.workspace"
    label = "workspace"
    verbose_name = _("Workspace")
