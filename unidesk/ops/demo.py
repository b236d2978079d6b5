"""A realistic demo desk that follows the playbook, and a bulk loader for benchmarks."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import transaction

from unidesk.accounts.models import Role, Team, User
from unidesk.channels.chat.models import ChatWidget
from unidesk.core.time import now
from unidesk.customers.models import Customer, Identity, Tier
from unidesk.intake.inbound import InboundMessage
from unidesk.intake.receive import receive
from unidesk.queues.models import ChannelWeight, Queue, RoutingRule, Strategy, Urgency
from unidesk.sla.models import BusinessHours, Calendar, Priority, SlaPolicy, SlaTarget
from unidesk.tickets.models import Message, MessageKind, Status, Ticket
from unidesk.tickets.services import reply_to_ticket, set_status

DEMO_PASSWORD = "demo"
DEMO_WIDGET_KEY = "demo-shop"

# (slug, name, strategy, urgency, policy, keywords, set_priority)
QUEUES = [
    (
        "payments",
        "Payments",
        Strategy.FIFO,
        Urgency.URGENT,
        "urgent",
        [
            "payment",
            "paid",
            "charged",
            "charge",
            "refund",
            "card",
            "оплата",
            "оплатил",
            "платеж",
            "платёж",
            "списали",
            "возврат",
            "деньги",
            "pago",
            "pagamento",
            "cobrança",
            "reembolso",
            "cobro",
            "tarjeta",
            "cartão",
        ],
        Priority.HIGH,
    ),
    (
        "claims",
        "Claims",
        Strategy.FIFO,
        Urgency.URGENT,
        "urgent",
        [
            "claim",
            "complaint",
            "compensation",
            "damaged",
            "претензия",
            "жалоба",
            "компенсация",
            "reclamação",
            "reclamo",
            "queja",
            "indenização",
        ],
        Priority.HIGH,
    ),
    (
        "outages",
        "Outages",
        Strategy.FIFO,
        Urgency.URGENT,
        "urgent",
        [
            "down",
            "outage",
            "not working",
            "doesn't work",
            "не работает",
            "сбой",
            "недоступен",
            "fora do ar",
            "não funciona",
            "no funciona",
            "caído",
        ],
        Priority.URGENT,
    ),
    (
        "account",
        "Account & security",
        Strategy.SLA,
        Urgency.NORMAL,
        "standard",
        [
            "password",
            "login",
            "log in",
            "hacked",
            "2fa",
            "пароль",
            "взломали",
            "войти",
            "senha",
            "contraseña",
            "hackeado",
        ],
        None,
    ),
    (
        "feedback",
        "Ideas & feedback",
        Strategy.HYBRID,
        Urgency.BACKGROUND,
        "standard",
        [
            "suggestion",
            "idea",
            "feature request",
            "предложение",
            "идея",
            "sugestão",
            "sugerencia",
        ],
        Priority.LOW,
    ),
    ("general", "General questions", Strategy.LIFO, Urgency.NORMAL, "standard", [], None),
]

# first response, next response, resolution in minutes, per priority
POLICIES = {
    "urgent": (
        "Urgent 24/7",
        True,
        {
            Priority.URGENT: (15, 30, 240),
            Priority.HIGH: (30, 60, 480),
            Priority.NORMAL: (60, 120, 1440),
            Priority.LOW: (240, 480, 4320),
        },
    ),
    "standard": (
        "Business hours",
        False,
        {
            Priority.URGENT: (60, 120, 480),
            Priority.HIGH: (120, 240, 960),
            Priority.NORMAL: (240, 480, 2400),
            Priority.LOW: (480, 960, 4800),
        },
    ),
}

AGENTS = [
    # username, first name, role, languages, queues
    ("lena", "Лена", Role.LEAD, ["ru", "en"], []),
    ("alice", "Alice", Role.AGENT, ["en", "pt"], ["payments", "claims", "general"]),
    ("boris", "Борис", Role.AGENT, ["ru"], ["payments", "outages", "account", "general"]),
    ("carmen", "Carmen", Role.AGENT, ["es", "pt", "en"], ["claims", "general", "feedback"]),
    ("dmitry", "Дмитрий", Role.AGENT, ["ru", "en"], ["payments", "claims", "outages", "account"]),
]

# channel, identity kind, identity, name, language, subject, text, minutes ago
CONVERSATIONS = [
    (
        "email",
        "email",
        "olga.petrova@example.ru",
        "Ольга Петрова",
        "ru",
        "Списали деньги дважды",
        "Здравствуйте! Вчера оплатила подписку, а деньги списали дважды. Верните, пожалуйста, "
        "второй платёж. Карта 4111 1111 1111 1111.",
        190,
    ),
    (
        "chat",
        "email",
        "joao.silva@example.com.br",
        "João Silva",
        "pt",
        "",
        "Oi, o app não funciona desde ontem, aparece erro 500 quando abro o extrato.",
        35,
    ),
    (
        "api",
        "external",
        "crm-88121",
        "Mark Evans",
        "en",
        "Refund for order 88121",
        "Hi, I was charged for order 88121 but it was cancelled. When will the refund arrive?",
        300,
    ),
    (
        "email",
        "email",
        "lucia.gomez@example.es",
        "Lucía Gómez",
        "es",
        "Reclamo por producto dañado",
        "Hola, el producto llegó dañado y quiero presentar un reclamo. Adjunto fotos.",
        600,
    ),
    (
        "telegram",
        "telegram",
        "5123456789",
        "Игорь",
        "ru",
        "",
        "Не могу войти в аккаунт, пишет неверный пароль, хотя я его не менял. Меня взломали?",
        20,
    ),
    (
        "chat",
        "email",
        "sam@example.org",
        "Sam Taylor",
        "en",
        "",
        "Quick question: can I change the e-mail on my account?",
        12,
    ),
    (
        "email",
        "email",
        "ana.costa@example.pt",
        "Ana Costa",
        "pt",
        "Sugestão: modo escuro",
        "Olá! Tenho uma sugestão: um modo escuro no aplicativo seria ótimo.",
        4000,
    ),
    (
        "api",
        "email",
        "kenji@example.jp",
        "Kenji Sato",
        "en",
        "Invoice copy",
        "Could you send me a copy of last month's invoice? My phone is +44 20 7946 0958.",
        240,
    ),
    (
        "email",
        "email",
        "pavel@example.ru",
        "Павел",
        "ru",
        "Сайт не работает",
        "Добрый день, личный кабинет недоступен уже час, сбой у вас?",
        50,
    ),
    (
        "chat",
        "phone",
        "+5511987654321",
        "Maria Oliveira",
        "pt",
        "",
        "Boa tarde, quero saber o prazo de entrega do meu pedido.",
        8,
    ),
    (
        "email",
        "email",
        "carlos@example.mx",
        "Carlos Ruiz",
        "es",
        "Cobro duplicado",
        "Buenas, me hicieron un cobro duplicado con mi tarjeta. ¿Pueden revisar?",
        95,
    ),
    (
        "telegram",
        "telegram",
        "5987654321",
        "Анна",
        "ru",
        "",
        "Хочу предложение: добавьте, пожалуйста, выгрузку в Excel.",
        2000,
    ),
    (
        "email",
        "email",
        "jane@example.com",
        "Jane Doe",
        "en",
        "Complaint about delivery",
        "I want to file a complaint: the courier left my parcel in the rain and it is damaged.",
        1500,
    ),
    (
        "api",
        "external",
        "crm-90412",
        "Fatima Khan",
        "en",
        "How to export data?",
        "Hello, how do I export my transactions to CSV?",
        400,
    ),
]


def is_seeded() -> bool:
    return Queue.objects.exists()


@transaction.atomic
def seed_config() -> None:
    calendars = {
        True: Calendar.objects.create(name="24/7", time_zone="UTC", is_24x7=True),
        False: Calendar.objects.create(name="Moscow office", time_zone="Europe/Moscow"),
    }
    BusinessHours.objects.bulk_create(
        BusinessHours(
            calendar=calendars[False], weekday=day, start_minute=9 * 60, end_minute=18 * 60
        )
        for day in range(5)
    )
    policies = {}
    for key, (name, is_24x7, targets) in POLICIES.items():
        policy = SlaPolicy.objects.create(name=name, calendar=calendars[is_24x7])
        SlaTarget.objects.bulk_create(
            SlaTarget(
                policy=policy,
                priority=prio,
                first_response_minutes=fr,
                next_response_minutes=nr,
                resolution_minutes=res,
            )
            for prio, (fr, nr, res) in targets.items()
        )
        policies[key] = policy
    for channel, weight in (("chat", 3), ("phone", 3), ("telegram", 2), ("api", 1), ("email", 1)):
        ChannelWeight.objects.create(channel=channel, weight=weight)
    queues = {}
    for position, (slug, name, strategy, urgency, policy_key, keywords, prio) in enumerate(QUEUES):
        queue = Queue.objects.create(
            slug=slug,
            name=name,
            strategy=strategy,
            urgency=urgency,
            sla_policy=policies[policy_key],
            is_default=(slug == "general"),
            hybrid_wait_cap_minutes=3 * 24 * 60,
        )
        queues[slug] = queue
        if keywords:
            RoutingRule.objects.create(
                name=f"{name} keywords",
                position=(position + 1) * 10,
                queue=queue,
                keywords=keywords,
                set_priority=prio,
            )
    RoutingRule.objects.create(
        name="VIP customers write to payments first",
        position=5,
        queue=queues["payments"],
        tiers=[Tier.VIP],
        keywords=["payment", "оплата", "pago", "pagamento"],
        set_priority=Priority.URGENT,
    )
    admin = User.objects.create_superuser("admin", "admin@demo.unidesk.local", "admin")
    admin.role = Role.ADMIN
    admin.save(update_fields=["role"])
    team = Team.objects.create(name="Frontline")
    for username, first, role, languages, skills in AGENTS:
        user = User(
            username=username,
            first_name=first,
            role=role,
            languages=languages,
            email=f"{username}@demo.unidesk.local",
            is_staff=(role == Role.LEAD),
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.teams.add(team)
        for slug in skills:
            queues[slug].agents.add(user)
        if role == Role.LEAD:
            team.lead = user
            team.save(update_fields=["lead"])


def seed_traffic(*, at: datetime | None = None) -> int:
    """Customer messages in four languages through the real intake door, some answered."""
    at = at or now()
    boris = User.objects.get(username="boris")
    alice = User.objects.get(username="alice")
    count = 0
    for i, (channel, kind, ident, name, lang, subject, text, ago) in enumerate(CONVERSATIONS):
        receipt = receive(
            InboundMessage(
                channel=channel,
                identities=((kind, ident),),
                external_id=f"demo-{i}",
                sender_name=name,
                subject=subject,
                text=text,
                language=lang,
            ),
            at=at - timedelta(minutes=ago),
        )
        count += 1
        if i == 0:
            reply_to_ticket(
                receipt.ticket,
                by=boris,
                at=at - timedelta(minutes=ago - 30),
                text="Ольга, добрый день! Вижу двойное списание, вернули второй платёж. "
                "Деньги придут за 1–3 рабочих дня.",
            )
        if i == 7:
            reply_to_ticket(
                receipt.ticket,
                by=alice,
                at=at - timedelta(minutes=ago - 20),
                text="Hi Kenji, the invoice is attached to this reply.",
            )
            set_status(receipt.ticket, Status.SOLVED, by=alice, at=at - timedelta(minutes=ago - 21))
    Customer.objects.filter(identities__value="olga.petrova@example.ru").update(tier=Tier.VIP)
    return count


def seed_chat() -> ChatWidget:
    """The demo site's chat widget (served at /chat/demo/); idempotent."""
    widget = ChatWidget.objects.filter(key=DEMO_WIDGET_KEY).first()
    if widget is None:
        widget = ChatWidget.objects.create(
            name="Example Shop website",
            key=DEMO_WIDGET_KEY,
            title="",
            colour="#7c3aed",
            allowed_origins="https://shop.example.com",
        )
    return widget


def load_bulk_tickets(
    n: int,
    *,
    queues: list[Queue] | None = None,
    seed: int = 7,
    at: datetime | None = None,
    batch: int = 5000,
) -> int:
    """Add `n` waiting tickets (each with one customer message) in bulk, for benchmarks.

    Bypasses intake on purpose (no routing, no per-row SLA arithmetic: due times use a flat
    24/7 offset by priority) so that 100k tickets load in seconds.
    """
    rng = random.Random(seed)
    at = at or now()
    queues = queues or list(Queue.objects.all())
    if not queues:
        raise ValueError("No queues: run the demo seeding first.")
    weights = dict(ChannelWeight.objects.values_list("channel", "weight"))
    channels = ["email", "chat", "api", "telegram"]
    offsets = {Priority.URGENT: 30, Priority.HIGH: 120, Priority.NORMAL: 480, Priority.LOW: 2880}
    start_customer = Customer.objects.count()
    customers_needed = max(1, min(n, 20_000))
    created = 0
    with transaction.atomic():
        customers = Customer.objects.bulk_create(
            Customer(name=f"Bulk customer {start_customer + i}", language="en")
            for i in range(customers_needed)
        )
        Identity.objects.bulk_create(
            Identity(customer=c, kind="external", value=f"bulk-{c.pk}") for c in customers
        )
    while created < n:
        size = min(batch, n - created)
        rows = []
        for _ in range(size):
            channel = rng.choice(channels)
            priority = rng.choices(list(offsets), weights=[1, 3, 12, 4])[0]
            since = at - timedelta(seconds=rng.randint(0, 30 * 86400))
            rows.append(
                Ticket(
                    subject=f"Bulk ticket {rng.randint(1, 10**9)}",
                    customer=rng.choice(customers),
                    channel=channel,
                    status=Status.NEW,
                    priority=priority,
                    queue=rng.choice(queues),
                    channel_weight=weights.get(channel, 1),
                    created_at=since,
                    waiting_since=since,
                    first_response_due_at=since + timedelta(minutes=offsets[priority]),
                    resolution_due_at=since + timedelta(minutes=offsets[priority] * 8),
                    sla_due_at=since + timedelta(minutes=offsets[priority]),
                )
            )
        with transaction.atomic():
            tickets = Ticket.objects.bulk_create(rows)
            Message.objects.bulk_create(
                Message(
                    ticket=t,
                    kind=MessageKind.CUSTOMER,
                    channel=t.channel,
                    text=f"{t.subject}: please help.",
                    created_at=t.created_at,
                )
                for t in tickets
            )
        created += size
    return created
