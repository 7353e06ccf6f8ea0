"""The next-step hint under every result (see packstation.texts): `domain/workflow/hints.py`.
Keys are checked like the workflow's own (`tests/domain/workflow/test_i18n.py`)."""


def _e(en: str, ru: str) -> dict[str, str]:
    return {"en": en, "ru": ru}


TEXTS: dict[str, dict[str, str]] = {
    # --- next-step hints -----------------------------------------------------------------
    "hint.scan_badge": _e("Scan your badge", "Сканируйте пропуск"),
    "hint.scan_order": _e(
        "Scan an order or tote barcode, or CMD:NEXT",
        "Сканируйте заказ или тару, либо CMD:NEXT",
    ),
    "hint.closed": _e(
        "{order} done. Scan the next order or tote, or CMD:NEXT",
        "{order} готов. Сканируйте следующий заказ или тару, либо CMD:NEXT",
    ),
    "hint.scan_items": _e("Next: scan {skus}", "Далее: сканируйте {skus}"),
    "hint.scan_marking": _e(
        "Next: scan the marking code (DataMatrix) of {sku}",
        "Далее: сканируйте код маркировки (DataMatrix) {sku}",
    ),
    "hint.put_aside": _e(
        "Put it aside. Scan the next item of {order}, or CMD:DEFECT.",
        "Отложите его. Сканируйте следующий товар заказа {order} или CMD:DEFECT.",
    ),
    "hint.scan_box": _e("Scan the box: {boxes}", "Сканируйте: {boxes}"),
    "hint.weigh": _e(
        "Put the parcel on the scale (expected {expected} g)",
        "Поставьте посылку на весы (ожидается {expected} г)",
    ),
    "hint.reweigh": _e(
        "Check the contents and weigh again, or CMD:LEAD for a lead override",
        "Проверьте содержимое и взвесьте ещё раз, либо CMD:LEAD — решение старшего смены",
    ),
    "hint.check": _e(
        "Check {number} of {total}: {text} — CMD:OK",
        "Проверка {number} из {total}: {text} — CMD:OK",
    ),
    "hint.scan_document": _e(
        "Put in the {document} and scan its barcode (DOC:{document}:{order})",
        "Вложите {document} и сканируйте его штрихкод (DOC:{document}:{order})",
    ),
    "hint.scan_box_n": _e("Box {n}: {boxes}", "Коробка {n}: {boxes}"),
    "hint.newbox": _e(
        "Scan the remaining items, or CMD:NEWBOX to close this box with its {units} units",
        "Сканируйте остальные товары или CMD:NEWBOX — закрыть эту коробку ({units} шт.)",
    ),
    "hint.scan_label_n": _e(
        "Stick label {n} of {m} on box {n} and scan it ({parcel})",
        "Наклейте этикетку {n} из {m} на коробку {n} и сканируйте её ({parcel})",
    ),
    "hint.no_fit": _e(
        "Lead: scan a TARIFF: card (list: CMD:CARRIER), or CMD:HOLD",
        "Старший смены: карточка TARIFF: (список: CMD:CARRIER) или CMD:HOLD",
    ),
    "hint.marketplace_label": _e(
        "The marketplace label is on its way; CMD:HOLD puts the parcel on the hold shelf",
        "Этикетка маркетплейса в пути; CMD:HOLD — посылку на полку ожидания",
    ),
    "hint.scan_label": _e(
        "Stick the label on the parcel and scan it ({parcel})",
        "Наклейте этикетку на посылку и сканируйте её ({parcel})",
    ),
    "hint.reprint": _e(
        "No label yet: CMD:REPRINT to try again, or call a lead",
        "Этикетки нет: CMD:REPRINT — повторить, или позовите старшего смены",
    ),
    "hint.defect_line": _e(
        "Scan the faulty item or pick its line; CMD:CANCEL to go back",
        "Сканируйте товар с браком или выберите строку; CMD:CANCEL — назад",
    ),
    "hint.defect_kind": _e(
        "What is wrong? CMD:MISSING, CMD:DAMAGED, CMD:WRONG_ITEM, CMD:EXPIRED or CMD:OTHER",
        "Что не так? CMD:MISSING, CMD:DAMAGED, CMD:WRONG_ITEM, CMD:EXPIRED или CMD:OTHER",
    ),
    "hint.lead_badge": _e(
        "Lead: scan your badge; CMD:CANCEL to go back",
        "Старший смены: сканируйте пропуск; CMD:CANCEL — назад",
    ),
    "hint.lead_pin": _e(
        "{name}: type your PIN and press Enter", "{name}: введите PIN-код и нажмите Enter"
    ),
    "hint.lead_reason": _e("Choose the reason for the override", "Выберите причину решения"),
    "hint.lead_reason_carrier": _e(
        "Reason: {customer_request} customer asked, {promise} keep the promise, "
        "{carrier_problem} carrier problem, {other} other",
        "Причина: {customer_request} просьба покупателя, {promise} успеть к сроку, "
        "{carrier_problem} проблема перевозчика, {other} другое",
    ),
    "hint.lead_reason_check": _e(
        "Reason: {materials_missing} no material at this bench, {not_applicable} does not "
        "apply, {other} other (type {other}, a space and a few words)",
        "Причина: {materials_missing} нет материала на месте, {not_applicable} не относится "
        "к посылке, {other} другое (введите {other}, пробел и пару слов)",
    ),
    "hint.lead_reason_cancel": _e(
        "Reason: {customer_cancelled} customer cancelled, {stock_problem} stock problem, "
        "{wrong_order} wrong order, {other} other (type {other}, a space and a few words)",
        "Причина: {customer_cancelled} покупатель отменил, {stock_problem} проблема с "
        "товаром, {wrong_order} не тот заказ, {other} другое (введите {other}, пробел и пару "
        "слов)",
    ),
}
