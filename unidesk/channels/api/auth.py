"""Bearer tokens for integrations (`Authorization: Bearer udk_...`)."""

from __future__ import annotations

import copy
from datetime import timedelta

from django.http import HttpRequest
from ninja.security import HttpBearer

from unidesk.accounts.models import ApiToken, User, hash_token
from unidesk.core.cache import ConfigCache
from unidesk.core.time import now

_TOUCH_EVERY = timedelta(minutes=5)
# Valid tokens are kept like desk configuration (core.cache), which spares every API call
# a query: a token revoked or deleted, or its agent deactivated or changed, is refused at
# once by the process that saved the change and within UNIDESK_CONFIG_CACHE_SECONDS by
# the others. Unknown tokens are never kept.
_tokens: ConfigCache[ApiToken | None] = ConfigCache("API tokens")


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        key = hash_token(token)
        api_token = _tokens.get(key, lambda: ApiToken.objects.matching(key), keep_none=False)
        if api_token is None:
            return None
        at = now()
        if api_token.last_used_at is None or at - api_token.last_used_at > _TOUCH_EVERY:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=at)
            api_token.last_used_at = at
        # Each request gets its own copy: the cached agent is shared between threads.
        user = copy.copy(api_token.user)
        request.user = user
        return user
