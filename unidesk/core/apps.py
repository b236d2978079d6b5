from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "unidesk.core"
    label = "core"

    def ready(self) -> None:
        from django.apps import apps
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from unidesk.core.cache import clear_config_caches

        # Configuration caches forget everything when any desk setting changes here.
        for label in ("queues", "sla"):
            for model in apps.get_app_config(label).get_models():
                post_save.connect(clear_config_caches, sender=model, weak=False)
                post_delete.connect(clear_config_caches, sender=model, weak=False)
        # Agents' skills (Queue.agents), roles and being active decide which queues
        # "next ticket" looks at, which tickets they may open and to whom a ticket may go.
        queue_agents = apps.get_model("queues", "Queue").agents.through
        m2m_changed.connect(clear_config_caches, sender=queue_agents, weak=False)
        # API tokens are kept too (channels.api.auth): revoking one must take effect.
        for name in ("User", "ApiToken"):
            model = apps.get_model("accounts", name)
            post_save.connect(clear_config_caches, sender=model, weak=False)
            post_delete.connect(clear_config_caches, sender=model, weak=False)
