from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "unidesk.triage"
    label = "triage"

    def ready(self) -> None:
        configure_phone_regions()


def configure_phone_regions() -> None:
    """Redaction reads national phone numbers of the desk's UNIDESK_PHONE_REGIONS."""
    import phonenumbers
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    from unidesk.triage import pii

    regions = list(settings.UNIDESK_PHONE_REGIONS)
    unknown = [code for code in regions if code not in phonenumbers.SUPPORTED_REGIONS]
    if unknown:
        raise ImproperlyConfigured(
            f"UNIDESK_PHONE_REGIONS: unknown region code(s) {', '.join(unknown)} "
            "(ISO 3166 two-letter codes, e.g. RU,BR,PT)"
        )
    pii.DEFAULT_PHONE_REGION = ",".join(regions) or "ZZ"
