"""Bearer tokens for integrations (`Authorization: Bearer udk_...`)."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest
from ninja.security import HttpBearer

from unidesk.accounts.models import ApiToken, User
from unidesk.core.time import now

_TOUCH_EVERY = timedelta(minutes=5)


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        api_token = ApiToken.objects.matching(token)
        if api_token is None:
            return None
        at = now()
        if api_token.last_used_at is None or at - api_token.last_used_at > _TOUCH_EVERY:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=at)
        request.user = api_token.user
        return api_token.user
