from __future__ import annotations

import pytest

from unidesk.core.errors import DomainError
from unidesk.customers.models import Customer, Identity
from unidesk.customers.services import (
    known_language,
    merge_customers,
    normalise_identity,
    resolve_customer,
)


@pytest.mark.parametrize(
    "kind, raw, canonical",
    [
        ("email", "  Ann@Example.COM ", "ann@example.com"),
        ("phone", "+7 (912) 345-67-89", "+79123456789"),
        ("phone", "8 912 345 67 89", "89123456789"),
        ("telegram", "5123456789", "5123456789"),
        ("external", " crm-1 ", "crm-1"),
    ],
)
def test_identities_are_normalised(kind: str, raw: str, canonical: str) -> None:
    assert normalise_identity(kind, raw) == canonical


@pytest.mark.parametrize(
    "kind, raw", [("email", "nope"), ("phone", "12"), ("telegram", "@bob"), ("fax", "1")]
)
def test_junk_identities_are_refused(kind: str, raw: str) -> None:
    with pytest.raises(DomainError):
        normalise_identity(kind, raw)


@pytest.mark.django_db
def test_two_people_are_never_merged_by_intake() -> None:
    ann = resolve_customer([("email", "ann@example.com")])
    bob = resolve_customer([("phone", "+44 20 7946 0958")])

    found = resolve_customer([("email", "ann@example.com"), ("phone", "+442079460958")])

    assert found == ann
    assert Identity.objects.get(kind="phone").customer == bob


@pytest.mark.django_db
def test_merging_moves_identities_and_tickets_and_follows_the_pointer(desk) -> None:  # type: ignore[no-untyped-def]
    from unidesk.intake.inbound import InboundMessage
    from unidesk.intake.receive import receive

    chat = receive(
        InboundMessage(channel="chat", identities=(("telegram", "77"),), text="hi")
    ).ticket
    mail = receive(
        InboundMessage(channel="email", identities=(("email", "a@x.io"),), text="hi")
    ).ticket

    target = merge_customers(chat.customer, into=mail.customer)

    assert target == mail.customer
    assert set(target.tickets.all()) == {chat, mail}
    assert set(target.identities.values_list("kind", flat=True)) == {"telegram", "email"}
    assert resolve_customer([("telegram", "77")]) == target
    with pytest.raises(DomainError):
        merge_customers(target, into=Customer.objects.get(pk=chat.customer_id))


@pytest.mark.django_db
def test_known_language_reads_the_customer_a_merge_points_to() -> None:
    ann = resolve_customer([("email", "ann@example.com")], language="pt")
    old = resolve_customer([("telegram", "77")])

    assert known_language([("email", "ANN@example.com")]) == "pt"
    assert known_language([("telegram", "77")]) == ""
    assert known_language([("telegram", "78")]) == ""
    merge_customers(old, into=ann)
    assert known_language([("telegram", "77")]) == "pt"
    assert Customer.objects.count() == 2  # reading created nobody
