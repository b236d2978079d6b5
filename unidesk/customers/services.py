"""Writes to customers: resolving a sender to a customer, and merging two customers."""

from __future__ import annotations

import operator
from collections.abc import Iterable
from functools import reduce

import phonenumbers
from django.db import transaction
from django.db.models import Q

from unidesk.core.errors import DomainError
from unidesk.customers.models import Customer, Identity, IdentityKind

# When several identities arrive together, the most specific one decides who the customer is.
_RESOLUTION_ORDER = (
    IdentityKind.EXTERNAL,
    IdentityKind.EMAIL,
    IdentityKind.TELEGRAM,
    IdentityKind.PHONE,
)


def normalise_identity(kind: str, value: str) -> str:
    """The canonical form an identity is stored and looked up in.

    E-mail is lower-cased, phones become E.164 (a number without a country code is kept as
    its digits), Telegram ids and external ids are trimmed. Raises DomainError on junk.
    """
    value = value.strip()
    if not value:
        raise DomainError(f"The {kind} identity is empty.")
    if kind == IdentityKind.EMAIL:
        if "@" not in value or value.startswith("@") or value.endswith("@") or " " in value:
            raise DomainError(f"{value!r} is not an e-mail address.")
        return value.lower()
    if kind == IdentityKind.PHONE:
        try:
            number = phonenumbers.parse(value, None)
        except phonenumbers.NumberParseException:
            digits = "".join(ch for ch in value if ch.isdigit())
            if len(digits) < 5:
                raise DomainError(f"{value!r} is not a phone number.") from None
            return digits
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if kind == IdentityKind.TELEGRAM:
        if not value.lstrip("-").isdigit():
            raise DomainError(f"{value!r} is not a Telegram user id.")
        return value
    if kind == IdentityKind.EXTERNAL:
        return value
    raise DomainError(f"Unknown identity kind {kind!r}.")


def _canonical(customer: Customer) -> Customer:
    seen = set()
    while customer.merged_into_id is not None and customer.pk not in seen:
        seen.add(customer.pk)
        customer = Customer.objects.get(pk=customer.merged_into_id)
    return customer


def resolve_customer(
    identities: Iterable[tuple[str, str]], *, name: str = "", language: str = ""
) -> Customer:
    """Find the customer these identities belong to, or create one.

    Identities not yet known are attached to the customer found. An identity that already
    belongs to another customer is left there: two people are never merged automatically.
    Must run inside the caller's transaction (intake's).
    """
    wanted: set[tuple[str, str]] = {
        (kind, normalise_identity(kind, value)) for kind, value in identities
    }
    if not wanted:
        raise DomainError("A message needs at least one sender identity.")
    # (kind = k AND value = v) OR ...: seeks on the unique (kind, value) index. A filter on
    # the values alone read the whole table at every message.
    pairs = reduce(operator.or_, (Q(kind=kind, value=value) for kind, value in sorted(wanted)))
    known = {
        (i.kind, i.value): i for i in Identity.objects.select_related("customer").filter(pairs)
    }
    customer: Customer | None = None
    for wanted_kind in _RESOLUTION_ORDER:
        match = next((i for (k, _), i in known.items() if k == wanted_kind), None)
        if match is not None:
            customer = _canonical(match.customer)
            break
    if customer is None:
        customer = Customer.objects.create(name=name, language=language)
    elif name and not customer.name:
        customer.name = name
        customer.save(update_fields=["name"])
    new = sorted(wanted - set(known))
    if new:
        # One statement; an identity a concurrent intake claimed meanwhile stays with them.
        Identity.objects.bulk_create(
            [Identity(customer=customer, kind=kind, value=value) for kind, value in new],
            ignore_conflicts=True,
        )
    return customer


@transaction.atomic
def merge_customers(source: Customer, *, into: Customer) -> Customer:
    """Move `source`'s identities and tickets to `into`; `source` stays as a pointer."""
    target = _canonical(into)
    if _canonical(source).pk == target.pk:
        raise DomainError("A customer cannot be merged into itself.")
    source.identities.update(customer=target)
    source.tickets.update(customer=target)  # reverse relation: no import of tickets
    Customer.objects.filter(merged_into=source).update(merged_into=target)
    source.merged_into = target
    source.save(update_fields=["merged_into"])
    if not target.name and source.name:
        target.name = source.name
        target.save(update_fields=["name"])
    return target
