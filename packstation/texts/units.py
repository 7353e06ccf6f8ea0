"""Sentences of lot, expiry and serial capture at the station (see packstation.texts):
`domain/workflow/units.py`, `serials.py` and their hints. Every key here is used by the
workflow (`tests/domain/workflow/test_i18n.py` finds a stray one)."""


def _e(en: str, ru: str) -> dict[str, str]:
    return {"en": en, "ru": ru}


TEXTS: dict[str, dict[str, str]] = {
    "step.serial": _e("serial", "серийный №"),
    "serial.what.serial": _e("serial number", "серийный номер"),
    "serial.what.imei": _e("IMEI", "IMEI"),
    "serial.what.uin": _e("UIN", "УИН"),
    "serial.what.expiry": _e("best-before date", "срок годности"),
    # --- expiry ---------------------------------------------------------------------------
    "scan.expires_too_soon": _e(
        "EXPIRES {expiry}, NEEDED UNTIL {until}: {sku}",
        "ГОДЕН ДО {expiry}, А НУЖНО ДО {until}: {sku}",
    ),
    "hint.expiry_aside": _e(
        "Delivery {delivery} +{days} d. Put it aside, take a later one, or CMD:DEFECT",
        "Доставка {delivery} +{days} дн. Отложите, возьмите свежее или CMD:DEFECT",
    ),
    # --- serial numbers and IMEIs -----------------------------------------------------------
    "serial.ask": _e(
        "{sku} {name}: {packed} of {required}. Now scan its {what}",
        "{sku} {name}: {packed} из {required}. Теперь сканируйте {what}",
    ),
    "hint.scan_serial": _e(
        "Scan the {what} of {sku} (CMD:UNDO if it has none)",
        "Сканируйте {what} для {sku} (CMD:UNDO, если его нет)",
    ),
    "serial.recorded": _e(
        "{sku}: {what} {serial} recorded ({packed} of {required})",
        "{sku}: {what} {serial} записан ({packed} из {required})",
    ),
    "serial.first": _e(
        "Scan the {what} of {sku} first (CMD:UNDO takes the unit back)",
        "Сначала сканируйте {what} для {sku} (CMD:UNDO — вернуть единицу)",
    ),
    "serial.item_scanned": _e(
        "That is an item's barcode, not the {what} of {sku}",
        "Это штрихкод товара, а не {what} для {sku}",
    ),
    "serial.unreadable": _e(
        "Not a {what} for {sku}: {detail}",
        "Это не {what} для {sku}: {detail}",
    ),
    "serial.invalid": _e(
        "Not a valid {what} for {sku}: {why}",
        "Неверный {what} для {sku}: {why}",
    ),
    "serial.bad.length": _e(
        "{min} to {max} characters, this has {got}",
        "нужно от {min} до {max} символов, здесь {got}",
    ),
    "serial.bad.characters": _e(
        "Latin letters, digits and signs only, no spaces",
        "только латинские буквы, цифры и знаки, без пробелов",
    ),
    "serial.bad.imei_digits": _e("an IMEI is digits only", "IMEI состоит только из цифр"),
    "serial.bad.imei_length": _e(
        "an IMEI has 15 digits, this has {got}", "в IMEI 15 цифр, здесь {got}"
    ),
    "serial.bad.imei_check": _e(
        "its check digit should be {expected}, is {got}",
        "контрольная цифра должна быть {expected}, а не {got}",
    ),
    "serial.repeat": _e(
        "DUPLICATE SERIAL {serial}: already scanned in {order}",
        "ПОВТОР СЕРИЙНОГО НОМЕРА {serial}: уже есть в заказе {order}",
    ),
    "serial.shipped": _e(
        "SERIAL {serial} ALREADY SHIPPED in order {other}",
        "НОМЕР {serial} УЖЕ ОТГРУЖЕН в заказе {other}",
    ),
    "hint.serial_undo": _e(
        "Put this unit aside: CMD:UNDO, then scan another unit",
        "Отложите эту единицу: CMD:UNDO, затем сканируйте другую",
    ),
}
