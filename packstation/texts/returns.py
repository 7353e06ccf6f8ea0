"""Sentences of the returns area (see packstation.texts): the returns screen and its rules."""


def _e(en: str, ru: str) -> dict[str, str]:
    return {"en": en, "ru": ru}


TEXTS: dict[str, dict[str, str]] = {
    # --- what to do next ---------------------------------------------------------------
    "returns.hint.open": _e(
        "Scan the return label, the RMA or the order id",
        "Сканируйте этикетку возврата, номер возврата или номер заказа",
    ),
    "returns.hint.first_item": _e(
        "Scan each returned item; CMD:CANCEL drops this return",
        "Сканируйте каждый возвращённый товар; CMD:CANCEL — отменить возврат",
    ),
    "returns.hint.items": _e(
        "Scan the next item; CMD:OK closes the return, CMD:UNDO drops the last one",
        "Сканируйте следующий товар; CMD:OK — закрыть возврат, CMD:UNDO — отменить",
    ),
    "returns.hint.condition": _e(
        "Condition, Enter: 1 resellable 2 damaged 3 wrong 4 incomplete 5 not ours",
        "Состояние, Enter: 1 годен 2 повреждён 3 не тот 4 некомплект 5 не наш",
    ),
    "returns.hint.decision": _e(
        "Refund: F full  P partial  N none (letter, Enter)",
        "Возврат денег: F полный  P частичный  N нет (буква, Enter)",
    ),
    "returns.hint.amount": _e(
        "Type the refund for this unit, at most {max} {currency}, and Enter",
        "Введите сумму за эту единицу, не больше {max} {currency}, и Enter",
    ),
    "returns.hint.reason": _e(
        "Reason: 1 used 2 damaged 3 incomplete 4 not ours 5 overdue, or type; Enter",
        "Причина: 1 б/у 2 брак 3 некомплект 4 не наш 5 срок прошёл, или текст; Enter",
    ),
    # --- results -----------------------------------------------------------------------
    "returns.ready": _e("Returns: ready", "Возвраты: готово"),
    "returns.looking_up": _e("Looking up {key}…", "Поиск {key}…"),
    "returns.opened": _e(
        "Return of {order}: up to {units} unit(s) may come back",
        "Возврат по заказу {order}: можно вернуть до {units} шт.",
    ),
    "returns.not_found": _e(
        "No return or order with this code", "Нет возврата или заказа с таким кодом"
    ),
    "returns.item_first": _e(
        "This is an item: scan the return label or the order id first",
        "Это товар: сначала сканируйте этикетку возврата или номер заказа",
    ),
    "returns.not_returnable": _e(
        "Order {order} is {status}: it has not been shipped",
        "Заказ {order}: {status}, он не отгружался",
    ),
    "returns.already_closed": _e(
        "This return of {order} was already received and closed",
        "Этот возврат по заказу {order} уже принят и закрыт",
    ),
    "returns.nothing_left": _e(
        "Everything shipped in {order} has already come back",
        "Всё отгруженное по заказу {order} уже возвращено",
    ),
    "returns.already_open": _e(
        "The return of {order} is already open", "Возврат по заказу {order} уже открыт"
    ),
    "returns.item_ok": _e(
        "{sku} {name}: {n} of {shipped} shipped back",
        "{sku} {name}: возвращено {n} из {shipped}",
    ),
    "returns.not_in_order": _e(
        "NOT IN ORDER {order}: put it aside", "НЕТ В ЗАКАЗЕ {order}: отложите"
    ),
    "returns.over_shipped": _e(
        "{sku} {name}: only {shipped} shipped, all {returned} back already",
        "{sku} {name}: отгружено только {shipped}, уже возвращено {returned}",
    ),
    "returns.over_returned": _e(
        "{sku} {name}: {returned} of {shipped} shipped already returned",
        "{sku} {name}: уже возвращено {returned} из {shipped} отгруженных",
    ),
    "returns.marking_repeat": _e(
        "This marking code was already scanned in this return",
        "Этот код маркировки уже сканирован в этом возврате",
    ),
    "returns.marking_foreign": _e(
        "{sku}: this unit's marking code was not shipped in this order: recorded as not ours",
        "{sku}: код маркировки не из этого заказа: записан как «не наш»",
    ),
    "returns.serial_repeat": _e(
        "This serial number was already scanned in this return",
        "Этот серийный номер уже сканирован в этом возврате",
    ),
    "returns.serial_needed": _e(
        "{sku} left with serial numbers: scan this unit's serial (S/N or IMEI)",
        "{sku} отгружен с серийными номерами: сканируйте серийный номер (S/N или IMEI)",
    ),
    "returns.serial_foreign": _e(
        "{sku}: this serial number was not shipped in this order: recorded as not ours",
        "{sku}: серийный номер не из этого заказа: записан как «не наш»",
    ),
    "returns.lot_foreign": _e(
        "{sku}: lot {lot} was not shipped in this order: recorded as not ours",
        "{sku}: партия {lot} не из этого заказа: записан как «не наш»",
    ),
    "returns.bad_check_digit": _e(
        "Bad check digit: expected {expected}, got {got}",
        "Неверная контрольная цифра: ожидалась {expected}, получена {got}",
    ),
    "returns.invalid": _e("Unreadable code: {detail}", "Код не читается: {detail}"),
    "returns.unknown_command": _e(
        "This command does nothing on the returns screen",
        "Эта команда не действует на экране возвратов",
    ),
    "returns.nothing_open": _e("No return is open", "Возврат не открыт"),
    "returns.cancelled": _e(
        "Return of {order} dropped: nothing recorded",
        "Возврат по заказу {order} отменён: ничего не записано",
    ),
    "returns.nothing_to_undo": _e("Nothing to undo", "Нечего отменять"),
    "returns.undone": _e("{sku}: last unit removed", "{sku}: последняя единица убрана"),
    "returns.no_items": _e(
        "Scan at least one item before closing", "Перед закрытием сканируйте хотя бы один товар"
    ),
    "returns.finish_item": _e(
        "Finish this item first (or CMD:UNDO)", "Сначала закончите с этим товаром (или CMD:UNDO)"
    ),
    "returns.closing": _e("Closing the return of {order}…", "Закрытие возврата по заказу {order}…"),
    "returns.pick_condition": _e("Type the condition's number 1-5", "Введите номер состояния 1-5"),
    "returns.condition_set": _e("Condition: {condition}", "Состояние: {condition}"),
    "returns.pick_decision": _e(
        "Type F, P or N for the refund", "Введите F, P или N для решения о возврате денег"
    ),
    "returns.no_price": _e(
        "{sku} has no price in the order: only N (no refund) is possible",
        "У {sku} нет цены в заказе: возможно только N (без возврата денег)",
    ),
    "returns.decision_full": _e(
        "Full refund {amount} {currency}", "Полный возврат {amount} {currency}"
    ),
    "returns.decision_partial": _e("Partial refund", "Частичный возврат денег"),
    "returns.decision_none": _e("No refund", "Без возврата денег"),
    "returns.amount_invalid": _e(
        "Not an amount: type e.g. 150.00", "Это не сумма: введите, например, 150.00"
    ),
    "returns.amount_too_big": _e(
        "More than the unit price {max} {currency}",
        "Больше цены единицы {max} {currency}",
    ),
    "returns.amount_set": _e(
        "Partial refund {amount} {currency}", "Частичный возврат {amount} {currency}"
    ),
    "returns.reason_missing": _e("A reason is required", "Нужна причина"),
    "returns.reason_too_long": _e(
        "The reason is longer than {limit} characters", "Причина длиннее {limit} символов"
    ),
    "returns.reason_set": _e("Reason recorded", "Причина записана"),
    "returns.close_refused": _e("NOT CLOSED: {detail}", "НЕ ЗАКРЫТ: {detail}"),
    "returns.closed_refund": _e(
        "Return of {order} closed: {units} unit(s), refund {amount} {currency}; customer told",
        "Возврат по заказу {order} закрыт: {units} шт., к возврату {amount} {currency}; "
        "покупатель уведомлён",
    ),
    "returns.closed_no_refund": _e(
        "Return of {order} closed: {units} unit(s), no refund; customer told",
        "Возврат по заказу {order} закрыт: {units} шт., без возврата денег; покупатель уведомлён",
    ),
    "returns.db_error": _e(
        "NOT RECORDED, database unavailable: {detail}", "НЕ ЗАПИСАНО, база недоступна: {detail}"
    ),
    # --- words ---------------------------------------------------------------------------
    "returns.cond.resellable": _e("resellable", "годен к продаже"),
    "returns.cond.damaged": _e("damaged", "повреждён"),
    "returns.cond.wrong_item": _e("wrong item", "не тот товар"),
    "returns.cond.missing_parts": _e("missing parts", "некомплект"),
    "returns.cond.not_ours": _e("not ours", "не наш"),
    "returns.dec.full": _e("full", "полный"),
    "returns.dec.partial": _e("partial", "частичный"),
    "returns.dec.none": _e("none", "нет"),
    "returns.reason.used": _e("signs of use", "следы использования"),
    "returns.reason.damaged": _e("damaged by the customer", "повреждён покупателем"),
    "returns.reason.missing_parts": _e("parts missing", "некомплект"),
    "returns.reason.not_ours": _e("not our item", "не наш товар"),
    "returns.reason.late": _e("return period over", "срок возврата истёк"),
    "returns.reason.marking_mismatch": _e(
        "marking code not shipped in this order", "код маркировки не из этого заказа"
    ),
    "returns.reason.serial_mismatch": _e(
        "serial number not shipped in this order", "серийный номер не из этого заказа"
    ),
    "returns.reason.lot_mismatch": _e("lot not shipped in this order", "партия не из этого заказа"),
    # --- the screen ------------------------------------------------------------------------
    "returns.title": _e(
        "RETURNS  {station}  {name} ({role})", "ВОЗВРАТЫ  {station}  {name} ({role})"
    ),
    "returns.order": _e("{order}  {customer}", "{order}  {customer}"),
    "returns.announced": _e("RMA {rma}: {reason}", "Возврат {rma}: {reason}"),
    "returns.walk_in": _e("not announced", "без заявки"),
    "returns.col.sku": _e("SKU", "Артикул"),
    "returns.col.item": _e("Item", "Товар"),
    "returns.col.shipped": _e("Shipped", "Отгр."),
    "returns.col.back": _e("Back", "Возвр."),
    "returns.col.price": _e("Price", "Цена"),
    "returns.total": _e(
        "{units} unit(s)   refund {amount} {currency}",
        "{units} шт.   к возврату {amount} {currency}",
    ),
    "returns.keys": _e(
        "1-5 condition  F/P/N refund  CMD:OK close  CMD:UNDO  CMD:CANCEL  F11 back",
        "1-5 состояние  F/P/N деньги  CMD:OK закрыть  CMD:UNDO  CMD:CANCEL  F11 назад",
    ),
    "returns.not_allowed": _e(
        "Returns are for a lead or the returns desk, not {role}",
        "Возвраты принимает старший или сотрудник возвратов, не {role}",
    ),
    "returns.finish_order_first": _e(
        "Finish or cancel order {order} before receiving returns",
        "Закончите или отмените заказ {order} перед приёмом возвратов",
    ),
    "returns.leave_first": _e(
        "Close (CMD:OK) or drop (CMD:CANCEL) the return of {order} first",
        "Сначала закройте (CMD:OK) или отмените (CMD:CANCEL) возврат по заказу {order}",
    ),
}
