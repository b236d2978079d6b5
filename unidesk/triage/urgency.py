"""Urgency: the playbook's urgent topics plus deadline and repeat-contact signals.

Rule-based, in Russian, English, Portuguese and Spanish (stems, so inflections match):

* topics: ``payments`` (charges, double charges, refunds, списали, estorno, reembolso),
  ``claims`` (formal complaints, lawyers, regulators: претензия, суд, Procon), ``fraud``
  (account takeover, hacking, stolen cards, "взломали", "не я", golpe, estafa), ``outage``
  (the product is down or blocks the customer: "не работает", "can't log in", "fora do ar");
* signals: ``deadline`` (today, urgent, asap, срочно, сегодня, hoje, urgente, hoy),
  ``repeat`` (the text says it again: "третий раз", "again", "de novo", "otra vez") and
  ``repeat_contacts`` (the caller's count of earlier contacts about this issue);
* calm words ("не срочно", "no rush", "when you have time") lower the level.

Levels: ``fraud`` alone is urgent (money is leaving now); any other topic is high, and
urgent together with a deadline, a repeat or 2+ earlier contacts; a deadline or 3+
contacts without a topic is high; a message with no topic and no signal is normal, and a
calm one or a bare thank-you is low.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["LEVELS", "UrgencyResult", "urgency"]

LEVELS = ("low", "normal", "high", "urgent")

_TOPICS: dict[str, re.Pattern[str]] = {
    "payments": re.compile(
        r"\b(?:charg(?:e|ed|es|ing)|double[- ]charged|overcharg\w*|refund\w*|payment\w*|paid"
        r"|billing|billed|invoice\w*|debited|chargeback|списал\w*|списан\w*|спишут|оплат\w*"
        r"|платеж\w*|платёж\w*|перевод\w*|возврат\w*|верните\s+деньги|вернуть\s+деньги"
        r"|деньги\s+не\s+пришли|двойн\w+\s+списан\w*|счет\s+на\s+оплату|cobran\w*|cobrad\w*"
        r"|cobro\w*|estorno|reembols\w*|pagamento\w*|pago\w*|fatura|factura|cargo\s+doble"
        r"|devoluci[oó]n|transfer[eê]ncia|transferencia)",
        re.IGNORECASE,
    ),
    "claims": re.compile(
        r"\b(?:претензи\w*|жалоб\w*|суд\b|в\s+суд|судебн\w*|юрист\w*|адвокат\w*|прокуратур\w*"
        r"|роспотребнадзор\w*|цб\b|центробанк\w*|lawsuit|sue\b|suing|lawyer\w*|attorney"
        r"|legal\s+action|formal\s+complaint|ombudsman|regulator\w*|reclama[cç][aã]o"
        r"|reclamaci[oó]n|procon|demanda\w*|abogad\w*|advogad\w*|processo\s+judicial)",
        re.IGNORECASE,
    ),
    "fraud": re.compile(
        r"\b(?:hack(?:ed|er|ers|ing)?|compromised|unauthori[sz]ed|fraud\w*|scam\w*|phishing"
        r"|stolen|stole|someone\s+(?:logged|used|accessed|took)|identity\s+theft"
        r"|not\s+me\b|wasn'?t\s+me|взлом\w*|мошенн\w*|украл\w*|украден\w*|похитил\w*"
        r"|кто[- ]то\s+(?:зашел|вошел|вошёл|зашёл|снял|перевел|перевёл|списал)"
        r"|это\s+был[аи]?\s+не\s+я|не\s+я\s+(?:снимал|переводил|покупал|оплачивал)"
        r"|чуж\w+\s+(?:вход|устройств\w*)|фишинг\w*|hackea\w*|invadid\w*|golpe\w*|fraude\w*"
        r"|estafa\w*|robad\w*|roubad\w*|clonad\w*|não\s+fui\s+eu|no\s+fui\s+yo)",
        re.IGNORECASE,
    ),
    "outage": re.compile(
        r"\b(?:(?:is|are|site|app|service|server|website|system)\s+down|outage|not\s+working"
        r"|doesn'?t\s+work|does\s+not\s+work|stopped\s+working|can'?t\s+(?:log\s*in|login"
        r"|sign\s*in|access|pay|connect)|cannot\s+(?:log\s*in|login|sign\s*in|access|pay)"
        r"|unable\s+to\s+(?:log\s*in|login|sign\s*in|access|pay)|error\s+5\d\d|crash\w*"
        r"|не\s+работа\w*|перестал\w*\s+работать|не\s+(?:могу|можем|получается)\s+"
        r"(?:войти|зайти|оплатить|авторизоваться|подключиться)|не\s+(?:грузится|загружается"
        r"|открывается|запускается)|недоступ\w*|(?:сайт|сервер|сервис|приложение|банк|система)\w*"
        r"\s+(?:упал\w*|лежит|висит)|сбо[йи]\w*|ошибка\s+5\d\d"
        r"|n[aã]o\s+funciona\w*|fora\s+do\s+ar|caiu|travad\w*|no\s+funciona\w*|ca[ií]d[oa]"
        r"|no\s+puedo\s+(?:entrar|acceder|pagar)|n[aã]o\s+consigo\s+(?:entrar|acessar|pagar))",
        re.IGNORECASE,
    ),
}
_DEADLINE_RE = re.compile(
    r"\b(?:today|tonight|asap|urgent\w*|immediately|right\s+now|deadline|by\s+tomorrow"
    r"|within\s+(?:an?|the|\d+)\s+hours?|emergency|срочно|срочн\w+|сегодня|немедленно|сейчас\s+же"
    r"|прямо\s+сейчас|до\s+завтра|к\s+завтра\w*|горит|экстренн\w*|hoje|urgente\w*|agora"
    r"|imediatamente|hoy|ya\s+mismo|inmediatamente|cuanto\s+antes|ahora\s+mismo)\b",
    re.IGNORECASE,
)
_REPEAT_RE = re.compile(
    r"\b(?:again|(?:second|third|fourth|fifth|\d+(?:st|nd|rd|th))\s+time|already\s+(?:wrote"
    r"|written|contacted|called|asked)|still\s+(?:no|not|waiting)|опять|снова|ещ[её]\s+раз"
    r"|(?:второй|третий|четв[её]ртый|пятый|\d+-?[йи]?)\s+раз|уже\s+(?:писал\w*|обращал\w*"
    r"|звонил\w*)|до\s+сих\s+пор|de\s+novo|novamente|outra\s+vez|otra\s+vez|de\s+nuevo"
    r"|nuevamente|j[aá]\s+(?:liguei|escrevi))",
    re.IGNORECASE,
)
_CALM_RE = re.compile(
    r"\b(?:не\s+срочно|не\s+к\s+спеху|когда\s+будет\s+время|no\s+rush|not\s+urgent"
    r"|when\s+you\s+(?:have|get)\s+(?:a\s+)?(?:time|chance|moment)|sem\s+pressa|sin\s+prisa"
    r"|no\s+es\s+urgente|n[aã]o\s+[eé]\s+urgente)\b",
    re.IGNORECASE,
)
_THANKS_ONLY_RE = re.compile(
    r"^\W*(?:спасибо|благодарю|thanks?|thank\s+you|thx|ok|okay|ок|ага|понял|поняла|obrigad[oa]"
    r"|gracias|valeu)(?:\s+\w+){0,3}\W*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class UrgencyResult:
    level: str  # one of LEVELS
    reasons: tuple[str, ...]  # "topic:payments", "deadline", "repeat", "repeat_contacts:3"


def urgency(text: str, *, repeat_contacts: int = 0) -> UrgencyResult:
    """Urgency level of ``text``; ``repeat_contacts`` = earlier contacts about this issue."""
    topics = [name for name, pattern in _TOPICS.items() if pattern.search(text)]
    calm = _CALM_RE.search(text) is not None
    deadline = not calm and _DEADLINE_RE.search(text) is not None
    repeat = _REPEAT_RE.search(text) is not None
    reasons = [f"topic:{name}" for name in topics]
    if deadline:
        reasons.append("deadline")
    if repeat:
        reasons.append("repeat")
    if repeat_contacts > 0:
        reasons.append(f"repeat_contacts:{repeat_contacts}")
    pressing = deadline or repeat or repeat_contacts >= 2
    if "fraud" in topics or (topics and pressing):
        level = "urgent"
    elif topics or deadline or repeat_contacts >= 3:
        level = "high"
    elif calm or _THANKS_ONLY_RE.match(text):
        level = "low"
        reasons.append("calm" if calm else "thanks")
    else:
        level = "normal"
    if calm and level in ("urgent", "high") and "fraud" not in topics:
        level = LEVELS[LEVELS.index(level) - 1]
        reasons.append("calm")
    return UrgencyResult(level, tuple(reasons))
