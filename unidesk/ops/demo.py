"""A realistic demo desk that follows the playbook, and a bulk loader for benchmarks."""

from __future__ import annotations

import math
import random
import zoneinfo
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model

from unidesk.accounts.models import Role, Team, User
from unidesk.channels.chat.models import ChatWidget
from unidesk.channels.email.models import Mailbox, QueueSignature
from unidesk.core.time import now
from unidesk.customers.models import Customer, Identity, Tier
from unidesk.intake.inbound import InboundMessage
from unidesk.intake.receive import receive
from unidesk.queues.models import ChannelWeight, Queue, RoutingRule, Strategy, Urgency
from unidesk.sla.models import BusinessHours, Calendar, Holiday, Priority, SlaPolicy, SlaTarget
from unidesk.tickets.models import Message, MessageKind, Status, Ticket
from unidesk.tickets.services import reply_to_ticket, set_status
from unidesk.wfm.models import ChannelStaffing, StaffingSettings
from unidesk.wfm.selectors import get_week_plan
from unidesk.wfm.services import RosterEntry, set_planned_staff

DEMO_PASSWORD = "demo"
DEMO_MAILBOX = "support@demo.unidesk.local"
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


def ensure_demo_mailbox() -> Mailbox:
    """The demo's mailbox: `unidesk smtpd` accepts mail for it (by envelope recipient)."""
    mailbox, _created = Mailbox.objects.get_or_create(
        address=DEMO_MAILBOX,
        defaults={
            "from_name": "Unidesk Demo Support",
            "default_queue": Queue.objects.filter(is_default=True).first(),
            "signature": "{agent}\nUnidesk Demo Support",
        },
    )
    return mailbox


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
    ensure_demo_mailbox()
    QueueSignature.objects.create(
        queue=queues["payments"], text="{agent}\nPayments team · Unidesk Demo"
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
    batch: int = 10_000,
) -> int:
    """Add `n` waiting tickets (each with one customer message) in bulk, for benchmarks.

    Bypasses intake on purpose (no routing, no per-row SLA arithmetic: due times use a flat
    24/7 offset by priority) and the ORM's per-object work: rows are plain tuples written
    with `executemany` under ids chosen here, so 100k tickets load in seconds.
    """
    rng = random.Random(seed)
    at = at or now()
    queues = queues or list(Queue.objects.all())
    if not queues:
        raise ValueError("No queues: run the demo seeding first.")
    weights = dict(ChannelWeight.objects.values_list("channel", "weight"))
    channels = ["email", "chat", "api", "telegram"]
    offsets = {Priority.URGENT: 30, Priority.HIGH: 120, Priority.NORMAL: 480, Priority.LOW: 2880}
    people, identities = _RawTable(Customer, at=at), _RawTable(Identity, at=at)
    first_customer = people.next_id()
    customer_ids = list(range(first_customer, first_customer + max(1, min(n, 20_000))))
    with transaction.atomic():
        people.insert(
            [{"id": pk, "name": f"Bulk customer {pk}", "language": "en"} for pk in customer_ids]
        )
        identities.insert(
            [{"customer_id": pk, "kind": "external", "value": f"bulk-{pk}"} for pk in customer_ids],
            with_ids=False,
        )
    people.reset_sequence()
    tickets, messages = _RawTable(Ticket, at=at), _RawTable(Message, at=at)
    created = 0
    while created < n:
        size = min(batch, n - created)
        ticket_rows, message_rows = [], []
        first_id = tickets.next_id()
        for ticket_id in range(first_id, first_id + size):
            channel = rng.choice(channels)
            priority = rng.choices(list(offsets), weights=[1, 3, 12, 4])[0]
            since = at - timedelta(seconds=rng.randint(0, 30 * 86400))
            subject = f"Bulk ticket {rng.randint(1, 10**9)}"
            due = since + timedelta(minutes=offsets[priority])
            ticket_rows.append(
                {
                    "id": ticket_id,
                    "subject": subject,
                    "customer_id": rng.choice(customer_ids),
                    "channel": channel,
                    "status": Status.NEW.value,
                    "priority": int(priority),
                    "queue_id": rng.choice(queues).pk,
                    "channel_weight": weights.get(channel, 1),
                    "created_at": since,
                    "updated_at": at,
                    "waiting_since": since,
                    "first_response_due_at": due,
                    "resolution_due_at": since + timedelta(minutes=offsets[priority] * 8),
                    "sla_due_at": due,
                }
            )
            message_rows.append(
                {
                    "ticket_id": ticket_id,
                    "kind": MessageKind.CUSTOMER.value,
                    "channel": channel,
                    "text": f"{subject}: please help.",
                    "created_at": since,
                }
            )
        with transaction.atomic():
            tickets.insert(ticket_rows)
            messages.insert(message_rows, with_ids=False)
        created += size
    tickets.reset_sequence()
    return created


class _RawTable:
    """Many rows of one model written without building model objects (COPY on PostgreSQL,
    executemany elsewhere): every column not given takes the field's default, converted
    once; datetimes are adapted per backend."""

    def __init__(self, model: type[Model], *, at: datetime) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not f.generated]
        self.datetimes = {
            f.attname for f in self.fields if f.get_internal_type() == "DateTimeField"
        }
        self.sqlite = connection.vendor == "sqlite"
        self.defaults = {
            f.attname: (
                self._value({f.attname: at}, f.attname)  # what auto_now(_add) would write
                if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                else f.get_db_prep_save(f.get_default(), connection)
            )
            for f in self.fields
            if not f.primary_key
        }

    def next_id(self) -> int:
        last = self.model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
        return int(last or 0) + 1

    def insert(self, rows: list[dict[str, Any]], *, with_ids: bool = True) -> None:
        columns = [f for f in self.fields if with_ids or not f.primary_key]
        table = connection.ops.quote_name(self.model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(str(f.column)) for f in columns)
        marks = ", ".join(["%s"] * len(columns))
        params = [tuple(self._value(row, f.attname) for f in columns) for row in rows]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # COPY: several times faster than INSERTs
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for values in params:
                        copy.write_row(values)
            else:
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", params)

    def _value(self, row: dict[str, Any], name: str) -> Any:
        if name not in row:
            return self.defaults.get(name)
        value = row[name]
        if self.sqlite and name in self.datetimes and value is not None:
            return str(value.astimezone(UTC).replace(tzinfo=None))  # as Django stores them
        return value

    def reset_sequence(self) -> None:
        """Ids were chosen here: PostgreSQL's sequence must move past them."""
        statements = connection.ops.sequence_reset_sql(no_style(), [self.model])
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


# --- staffing: eight weeks of past contacts, channel settings and a shift roster ---------

# channel, weekday-Monday daily contacts, intraday hourly shape
HISTORY_CHANNELS = [
    ("phone", 230, (0, 0, 0, 0, 0, 0, 1, 3, 7, 10, 11, 10, 9, 9, 9, 9, 8, 7, 5, 4, 3, 2, 1, 0)),
    ("chat", 160, (1, 1, 0, 0, 0, 0, 1, 2, 4, 6, 7, 7, 7, 7, 7, 7, 7, 7, 8, 8, 7, 5, 3, 2)),
    ("email", 110, (1, 1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 7, 7, 7, 6, 6, 5, 4, 3, 3, 2, 2, 1)),
]
HISTORY_WEEKDAYS = (1.0, 0.95, 0.92, 0.9, 0.85, 0.45, 0.35)
HISTORY_TREND_PER_WEEK = 0.02


def _history_counts(
    gen: np.random.Generator, *, days: int, weeks: int, first: datetime, daily: float,
    hourly: tuple[int, ...], holidays: set[int],
) -> list[list[int]]:  # fmt: skip
    """Poisson counts per day and half hour: weekday x shape x a gentle upward trend.

    ``daily`` is a Monday's volume at the end of the ``weeks`` of history, so the history
    is the same whichever day of the week the demo is seeded.
    """
    shape = np.repeat(np.asarray(hourly, dtype=float) / 2, 2)
    shape /= shape.sum()
    out = []
    for d in range(days):
        day = first + timedelta(days=d)
        level = daily * (1 + HISTORY_TREND_PER_WEEK * (d - 7 * weeks) / 7)
        mean = level * HISTORY_WEEKDAYS[day.weekday()] * (0.3 if d in holidays else 1.0)
        out.append([int(v) for v in gen.poisson(mean * shape)])
    return out


def seed_staffing(
    *, at: datetime | None = None, weeks: int = 8, seed: int = 21, scale: float = 1.0
) -> int:
    """Staffing settings for phone, chat, email and telegram (manual profile), eight weeks of
    closed past tickets on the first three (bulk, no intake: the forecast's history), a past
    holiday in the office calendar, and a shift roster for this week and the next.

    ``scale`` multiplies the daily volumes (tests use a lighter desk). Returns the number
    of history tickets created.
    """
    at = at or now()
    rng = random.Random(seed)
    office = Calendar.objects.get(name="Moscow office")
    tz = zoneinfo.ZoneInfo(office.time_zone)
    StaffingSettings.objects.update_or_create(
        pk=1, defaults={"calendar": office, "interval_minutes": 30, "history_weeks": weeks}
    )
    today = at.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())
    first_day = monday - timedelta(days=7 * weeks)
    days = (today - first_day).days
    holiday_index = 7 * (weeks - 3) + 2  # a Wednesday three weeks before this one
    Holiday.objects.get_or_create(
        calendar=office,
        date=first_day + timedelta(days=holiday_index),
        defaults={"name": "Company day off"},
    )
    common = {"shrinkage": "0.300", "margin_kind": "volatility", "margin_coverage": "0.900"}
    ChannelStaffing.objects.bulk_create(
        [
            ChannelStaffing(
                channel="phone", position=1, model="erlang_a", aht_seconds=240,
                target_seconds=20, sl_target="0.800", max_occupancy="0.850",
                patience_seconds=120, max_abandon="0.050", **common,
            ),
            ChannelStaffing(
                channel="chat", position=2, model="chat_slots", aht_seconds=600, concurrency=3,
                target_seconds=60, sl_target="0.800", max_occupancy="0.850", **common,
            ),
            ChannelStaffing(
                channel="email", position=3, model="email_workload", aht_seconds=420,
                target_seconds=4 * 3600, sl_target=None, max_occupancy="0.850",
                shrinkage="0.300", margin_kind="percent", margin_percent="0.100",
            ),
            ChannelStaffing(
                channel="telegram", position=4, model="chat_aht_divide", aht_seconds=420,
                concurrency=2, target_seconds=120, sl_target="0.800", max_occupancy="0.850",
                forecast_source="manual", manual_daily_volume=70, shrinkage="0.300",
                margin_kind="percent", margin_percent="0.150",
            ),
        ]
    )  # fmt: skip

    customers = Customer.objects.bulk_create(
        Customer(name=f"Past customer {i + 1}", language=rng.choice(["ru", "en", "pt", "es"]))
        for i in range(400)
    )
    queues = [q.pk for q in Queue.objects.all()]
    weights = dict(ChannelWeight.objects.values_list("channel", "weight"))
    midnight = datetime.combine(first_day, datetime.min.time(), tzinfo=tz)
    created = 0
    for index, (channel, daily, hourly) in enumerate(HISTORY_CHANNELS):
        counts = _history_counts(
            np.random.default_rng([seed, index]),
            days=days,
            weeks=weeks,
            first=midnight,
            daily=daily * scale,
            hourly=hourly,
            holidays={holiday_index},
        )
        rows: list[dict[str, object]] = []
        for d, per_slot in enumerate(counts):
            for slot, n in enumerate(per_slot):
                start = midnight + timedelta(days=d, minutes=30 * slot)
                for _ in range(n):
                    created_at = start + timedelta(seconds=rng.randrange(1800))
                    if created_at >= at:
                        continue
                    rows.append(
                        {
                            "customer_id": rng.choice(customers).pk,
                            "channel": channel,
                            "status": Status.CLOSED,
                            "queue_id": rng.choice(queues),
                            "channel_weight": weights.get(channel, 1),
                            "created_at": created_at,
                            "updated_at": created_at + timedelta(days=3),
                            "first_response_at": created_at + timedelta(minutes=rng.randint(1, 90)),
                            "solved_at": created_at + timedelta(hours=rng.randint(1, 30)),
                            "closed_at": created_at + timedelta(days=3),
                        }
                    )
        created += _insert_rows(Ticket, rows)
    lead = User.objects.get(username="lena")
    for week_start in (monday, monday + timedelta(days=7)):
        set_planned_staff(_shift_roster(week_start, at=at), by=lead)
    return created


def _insert_rows(model: type[Model], rows: list[dict[str, object]]) -> int:
    """Insert plain rows in one ``executemany``: archive data for the forecast, where the
    ORM's per-value preparation in ``bulk_create`` takes about six times longer.

    Columns not given get the field's default; generated columns are left to the database.
    """
    if not rows:
        return 0
    fields = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and not getattr(f, "generated", False)
    ]
    given = set(rows[0])
    ops = connection.ops
    constant = {
        f.attname: f.get_db_prep_save(f.get_default(), connection)
        for f in fields
        if f.attname not in given
    }
    columns = ", ".join(ops.quote_name(str(f.column)) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({marks})"

    def value(row: dict[str, object], name: str) -> Any:
        if name not in row:
            return constant[name]
        v = row[name]
        return ops.adapt_datetimefield_value(v) if isinstance(v, datetime) else v

    params: list[Any] = [tuple(value(row, f.attname) for f in fields) for row in rows]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(params)


def _shift_roster(week_start: date, *, at: datetime) -> list[RosterEntry]:
    """A roster a lead might have typed: four-hour shift blocks at the blocks' average need,
    one person short at midday on weekdays (so the page shows gaps and slack)."""
    plan = get_week_plan(week=week_start, at=at)
    k = plan.week.intervals_per_day
    entries = []
    for c in plan.channels:
        if c.plan is None or c.channel == "telegram":
            continue
        need = c.plan.scheduled_required
        for day in range(7):
            for block in range(0, k, 8):
                part = need[day * k + block : day * k + block + 8]
                people = math.ceil(float(part.mean())) if part.max() > 0 else 0
                if day < 5 and block == 3 * k // 6 and people > 1:
                    people -= 1
                for i in range(8):
                    entries.append(
                        RosterEntry(
                            channel=c.channel,
                            day=plan.week.days[day],
                            minute=(block + i) * plan.week.interval_minutes,
                            agents=people,
                        )
                    )
    return entries
