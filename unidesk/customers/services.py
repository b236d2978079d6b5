"""Writes to customers: resolving a sender to a customer, and merging two customers."""

from __future__ import annotations

import functools
from collections.abc import Iterable

import phonenumbers
from django.db import connection, transaction

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


def _normalised(identities: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    wanted = {(kind, normalise_identity(kind, value)) for kind, value in identities}
    if not wanted:
        raise DomainError("A message needs at least one sender identity.")
    return wanted


def _owner(wanted: set[tuple[str, str]]) -> tuple[dict[tuple[str, str], Customer], Customer | None]:
    """The customers owning each known identity, and the one the most specific names."""
    rows = Customer.objects.raw(_owners_sql(len(wanted)), _flat(sorted(wanted)))
    # Each row carries the identity it matched (the SQL's two extra columns).
    owners = {(vars(row)["identity_kind"], vars(row)["identity_value"]): row for row in rows}
    for wanted_kind in _RESOLUTION_ORDER:
        match = next((c for (k, _), c in owners.items() if k == wanted_kind), None)
        if match is not None:
            return owners, _canonical(match)
    return owners, None


def known_language(identities: Iterable[tuple[str, str]]) -> str:
    """The language of the customer these identities name ("" for nobody known yet, or a
    customer of unknown language). Reads only."""
    _, customer = _owner(_normalised(identities))
    return customer.language if customer is not None else ""


def resolve_customer(
    identities: Iterable[tuple[str, str]], *, name: str = "", language: str = ""
) -> Customer:
    """Find the customer these identities belong to, or create one.

    Identities not yet known are attached to the customer found. An identity that already
    belongs to another customer is left there: two people are never merged automatically.
    Must run inside the caller's transaction (intake's).
    """
    wanted = _normalised(identities)
    owners, customer = _owner(wanted)
    if customer is None:
        customer = Customer.objects.create(name=name, language=language)
    elif name and not customer.name:
        customer.name = name
        customer.save(update_fields=["name"])
    new = sorted(wanted - set(owners))
    if new:
        # One statement; an identity a concurrent intake claimed meanwhile stays with them.
        Identity.objects.bulk_create(
            [Identity(customer=customer, kind=kind, value=value) for kind, value in new],
            ignore_conflicts=True,
        )
    return customer


@functools.lru_cache(maxsize=16)  # one statement per number of identities
def _owners_sql(count: int) -> str:
    """The customers owning any of `count` (kind, value) identities, each row with the
    identity it matched: SQL written once per count, since every message asks (the ORM
    compiled it anew each time, which cost more than the seek). `(kind = k AND value = v)
    OR ...` seeks the unique (kind, value) index; `value IN (...)` read the whole table."""
    q = connection.ops.quote_name
    columns = ", ".join(f"c.{q(str(f.column))}" for f in Customer._meta.concrete_fields)
    match = " OR ".join([f"(i.{q('kind')} = %s AND i.{q('value')} = %s)"] * count)
    return (
        f"SELECT {columns}, i.{q('kind')} AS identity_kind, i.{q('value')} AS identity_value "
        f"FROM {q(Identity._meta.db_table)} i JOIN {q(Customer._meta.db_table)} c "
        f"ON c.{q('id')} = i.{q('customer_id')} WHERE {match}"
    )


def _flat(pairs: Iterable[tuple[str, str]]) -> list[str]:
    return [item for pair in pairs for item in pair]


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
