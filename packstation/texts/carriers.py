"""Sentences of the carrier and tariff choice at the label step (see packstation.texts):
`domain/carriers.py`, `domain/workflow/carrier_labels.py`, `workflow/explain.py`. Keys are
checked like the workflow's own (`tests/domain/workflow/test_i18n.py`)."""


def _e(en: str, ru: str) -> dict[str, str]:
    return {"en": en, "ru": ru}


TEXTS: dict[str, dict[str, str]] = {
    # --- carrier and tariff ---------------------------------------------------------------
    "carrier.chosen": _e("{tariff} {cost} ₽, {when}", "{tariff} {cost} ₽, {when}"),
    "carrier.when.promise": _e(
        "arrives {arrives} (promise {promise})", "прибудет {arrives} (срок {promise})"
    ),
    "carrier.when.days": _e("{days} d, no ship-by", "{days} дн., срок не задан"),
    "carrier.verdict": _e("{why}; next best {option}", "{why}; следующий вариант {option}"),
    "carrier.reason.cheapest": _e("Cheapest that fits", "Самый дешёвый из подходящих"),
    "carrier.reason.only": _e("The only one that fits", "Единственный подходящий"),
    "carrier.reason.fastest_late": _e(
        "LATE: nothing arrives in time, the fastest",
        "ОПОЗДАЕТ: вовремя не успевает никто, самый быстрый",
    ),
    "carrier.overridden": _e(
        "{tariff} {cost} ₽: override by {lead}: {reason}",
        "{tariff} {cost} ₽: решение старшего смены {lead}: {reason}",
    ),
    "carrier.no_fit_line": _e(
        "No carrier fits {weight} g to {country} (promise {promise})",
        "Нет перевозчика для {weight} г в {country} (срок {promise})",
    ),
    "carrier.candidates": _e("Closest: {list}", "Ближе всего: {list}"),
    "carrier.more": _e("{first}; {rest}", "{first}; {rest}"),
    "carrier.option": _e("{tariff}: {why}", "{tariff}: {why}"),
    "carrier.none_configured": _e("no carriers configured", "перевозчики не настроены"),
    "carrier.why.carrier": _e("not the order's carrier", "не перевозчик заказа"),
    "carrier.why.country": _e("does not go to {country}", "не возит в {country}"),
    "carrier.why.weight": _e("max {max} kg", "не больше {max} кг"),
    "carrier.why.reliability": _e(
        "reliability {reliability} below {floor}", "надёжность {reliability} ниже {floor}"
    ),
    "carrier.why.late": _e("late ({arrives})", "опоздает ({arrives})"),
    "carrier.why.dearer": _e("dearer ({cost} ₽)", "дороже ({cost} ₽)"),
    "carrier.why.slower": _e("slower ({days} d)", "дольше ({days} дн.)"),
    "carrier.why.tie": _e("same price, lost the tie", "та же цена, уступил при равенстве"),
    "carrier.not_now": _e(
        "The carrier is chosen at the label step",
        "Перевозчик выбирается на шаге этикетки",
    ),
    "carrier.pick": _e(
        "Another tariff needs a lead: scan its card ({cards})",
        "Другой тариф — решение старшего смены: сканируйте его карточку ({cards})",
    ),
    "carrier.none_can_take": _e(
        "No configured tariff can take this parcel to {country}",
        "Ни один настроенный тариф не возьмёт эту посылку в {country}",
    ),
    "carrier.unknown_tariff": _e("Unknown tariff {tariff}", "Неизвестный тариф {tariff}"),
    "carrier.cannot_take": _e(
        "{tariff} cannot take this parcel: {why}",
        "{tariff} не возьмёт эту посылку: {why}",
    ),
    "carrier.override_started": _e(
        "Ship with {tariff}: a lead must approve",
        "Отправить тарифом {tariff}: нужно подтверждение старшего смены",
    ),
    "carrier.held": _e(
        "{order} is on hold for a lead (no carrier fits). "
        "Put the parcel aside with its tote and take it to the lead",
        "{order} задержан до решения старшего смены (нет перевозчика). "
        "Отложите посылку с тарой и отнесите старшему смены",
    ),
    "hold.not_now": _e(
        "CMD:HOLD is for an order no carrier fits",
        "CMD:HOLD — только для заказа, которому не подходит ни один перевозчик",
    ),
}
