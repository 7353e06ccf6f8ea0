"""Every user-facing sentence, in English and Russian, looked up by key.

The domain speaks in ``Msg(key, params)`` and never in sentences, so a
station switches language by config and tests can assert on keys. ``t``
never raises: a missing key falls back to English, then to the key itself,
and a missing parameter stays visible as ``{name}`` rather than crashing the
screen mid-order.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

from msgspec import Struct, field

__all__ = ["LOCALES", "TABLE", "Msg", "t"]

LOCALES = ("en", "ru")


class Msg(Struct, frozen=True):
    key: str
    params: Mapping[str, object] = field(default_factory=dict)


class _Keep(dict[str, object]):
    def __missing__(self, name: str) -> str:
        return "{" + name + "}"


_FORMATTER = string.Formatter()


def t(msg: Msg, locale: str = "en") -> str:
    """``msg`` in ``locale``; a parameter that is itself a ``Msg`` is translated too."""
    entry = TABLE.get(msg.key)
    if entry is None:
        return msg.key
    template = entry.get(locale) or entry.get("en") or msg.key
    params = {k: t(v, locale) if isinstance(v, Msg) else v for k, v in msg.params.items()}
    try:
        return _FORMATTER.vformat(template, (), _Keep(params))
    except (ValueError, IndexError, AttributeError, KeyError):
        return template


def _e(en: str, ru: str) -> dict[str, str]:
    return {"en": en, "ru": ru}


TABLE: dict[str, dict[str, str]] = {
    "ignored": _e("Ignored", "Пропущено"),
    # --- login / logout -------------------------------------------------------------
    "login.ok": _e("Hello, {name}", "Здравствуйте, {name}"),
    "login.unknown_badge": _e(
        "Unknown badge {badge}",
        "Неизвестный пропуск {badge}",
    ),
    "login.trainee": _e(
        "{name} is a trainee: train first (a lead marks you ready)",
        "{name} — стажёр: сначала обучение (готовность отмечает старший)",
    ),
    "login.badge_first": _e("Log in first: scan your badge", "Сначала войдите: сканируйте пропуск"),
    "logout.ok": _e("Goodbye, {name}", "До свидания, {name}"),
    "logout.idle": _e(
        "{name} logged out after inactivity",
        "{name}: выход из системы из-за бездействия",
    ),
    "logout.order_open": _e(
        "Finish {order} or cancel it (CMD:CANCEL) before logging out",
        "Сначала завершите {order} или отмените его (CMD:CANCEL), затем выходите",
    ),
    # --- claiming orders ----------------------------------------------------------------
    "claim.ok": _e(
        "Order {order}: {units} units, {city}",
        "Заказ {order}: {units} шт., {city}",
    ),
    "claim.not_found": _e(
        "{code} is not an order or tote",
        "{code} — это не заказ и не тара",
    ),
    "claim.item_without_order": _e(
        "That is an item: scan an order or tote first",
        "Это товар: сначала сканируйте заказ или тару",
    ),
    "claim.held_elsewhere": _e(
        "{order} is being packed at station {station}",
        "{order} уже упаковывают на станции {station}",
    ),
    "claim.not_packable": _e(
        "{order} cannot be packed: status {status}",
        "{order} нельзя упаковать: статус «{status}»",
    ),
    "claim.queue_empty": _e("No orders are ready to pack", "Нет заказов, готовых к упаковке"),
    "claim.already_this": _e(
        "You are already packing {order}",
        "Вы уже упаковываете {order}",
    ),
    "order.finish_first": _e(
        "Finish {order} first, or CMD:CANCEL",
        "Сначала завершите {order} или сканируйте CMD:CANCEL",
    ),
    "order.none": _e(
        "No order yet: scan an order or CMD:NEXT", "Нет заказа: сканируйте заказ или CMD:NEXT"
    ),
    "order.released": _e("{order} is back in the queue", "{order} возвращён в очередь"),
    "station.order_cancelled": _e(
        "{order} CANCELLED by the buyer: put the items back",
        "{order} ОТМЕНЁН покупателем: верните товары на место",
    ),
    "station.order_cancelled_hint": _e(
        "Do not pack it. Items back to the shelf, then scan the next order or CMD:NEXT",
        "Не упаковывайте. Товары на полку, затем сканируйте следующий заказ или CMD:NEXT",
    ),
    "order.packed": _e(
        "{order} packed, parcel {parcel}",
        "{order} упакован, посылка {parcel}",
    ),
    "cancel.needs_lead": _e(
        "Items of {order} were already scanned: a lead must approve the cancel",
        "По заказу {order} уже сканировали товары: отмену подтверждает старший смены",
    ),
    "cancel.approved": _e(
        "{order} is back in the queue: cancel approved by {name}",
        "{order} возвращён в очередь: отмену подтвердил(а) {name}",
    ),
    # --- packing evidence (packstation/domain/evidence.py) ---------------------------------
    "claim.no_camera": _e(
        "{order} not taken: no video from the camera ({camera}). Fix it or call a lead",
        "{order} не взят: нет видео с камеры ({camera}). Проверьте камеру или позовите старшего",
    ),
    "camera.state.recording": _e("recording", "идёт запись"),
    "camera.state.stalled": _e("stream stalled", "поток остановился"),
    "camera.state.no_camera": _e("camera unplugged", "камера не подключена"),
    "camera.state.not_running": _e("recorder not running", "запись не запущена"),
    "camera.state.unknown": _e("not checked yet", "ещё не проверена"),
    # --- commands and dialogs -------------------------------------------------------------
    "command.unknown": _e("Unknown command {command}", "Неизвестная команда {command}"),
    "alert.dismissed": _e("OK", "Понятно"),
    "flow.busy": _e(
        "Finish this step first, or CMD:CANCEL",
        "Сначала завершите этот шаг или сканируйте CMD:CANCEL",
    ),
    "flow.cancelled": _e("Cancelled", "Отменено"),
    # --- items ----------------------------------------------------------------------------
    "scan.accepted": _e(
        "{sku} {name}: {packed} of {required}", "{sku} {name}: {packed} из {required}"
    ),
    "scan.unknown": _e("UNKNOWN CODE {code}", "НЕИЗВЕСТНЫЙ КОД {code}"),
    "scan.not_in_order": _e(
        "NOT IN THIS ORDER (belongs to {other})",
        "НЕТ В ЭТОМ ЗАКАЗЕ (это товар заказа {other})",
    ),
    "scan.over_scan": _e(
        "LINE ALREADY COMPLETE: {sku} {name}, {qty} needed",
        "ПОЗИЦИЯ УЖЕ СОБРАНА: {sku} {name}, нужно {qty} шт.",
    ),
    "scan.bad_check_digit": _e(
        "BAD CHECK DIGIT in {code}: scan again or type the code",
        "НЕВЕРНАЯ КОНТР. ЦИФРА в {code}: сканируйте снова или введите код",
    ),
    "scan.bad_check_digit_detail": _e(
        "BAD CHECK DIGIT in {code} (should be {expected}, is {got}): scan again",
        "НЕВЕРНАЯ КОНТР. ЦИФРА в {code} (нужна {expected}, не {got}): сканируйте снова",
    ),
    "scan.invalid": _e("UNREADABLE CODE {code}: {detail}", "КОД НЕ РАСПОЗНАН {code}: {detail}"),
    "scan.marking_required": _e(
        "{sku} needs its marking code: scan the DataMatrix (Chestny ZNAK) of this unit",
        "Для {sku} нужен код маркировки: сканируйте DataMatrix «Честного знака» на этой единице",
    ),
    "scan.marking_repeat": _e(
        "DUPLICATE MARKING CODE: this unit was already scanned in {order}",
        "ПОВТОР КОДА МАРКИРОВКИ: эта единица уже сканирована в заказе {order}",
    ),
    "scan.marking_used": _e(
        "DUPLICATE MARKING CODE: already used in order {other}",
        "ПОВТОР КОДА МАРКИРОВКИ: код уже использован в заказе {other}",
    ),
    "undo.ok": _e(
        "Last scan undone: {sku} {packed} of {required}",
        "Последнее сканирование отменено: {sku} {packed} из {required}",
    ),
    "undo.nothing": _e("Nothing to undo", "Отменять нечего"),
    "undo.box_closed": _e(
        "Box {n} is closed: use CMD:DEFECT or CMD:CANCEL",
        "Коробка {n} закрыта: используйте CMD:DEFECT или CMD:CANCEL",
    ),
    "undo.too_late": _e(
        "The box is already chosen: use CMD:DEFECT or CMD:CANCEL",
        "Коробка уже выбрана: используйте CMD:DEFECT или CMD:CANCEL",
    ),
    # --- box and weight -----------------------------------------------------------------
    "box.chosen": _e("Box: {name} (tare {tare} g)", "Коробка: {name} (тара {tare} г)"),
    "box.unknown": _e(
        "Unknown box {code}; boxes here: {known}",
        "Неизвестная коробка {code}; есть: {known}",
    ),
    "box.items_first": _e(
        "Not all items are in: {packed} of {required} units",
        "Ещё не все товары: {packed} из {required} шт.",
    ),
    "box.too_late": _e(
        "The parcel is already weighed: the box cannot change now",
        "Посылка уже взвешена: коробку сменить нельзя",
    ),
    "box.no_order": _e("No order yet: scan an order first", "Нет заказа: сначала сканируйте заказ"),
    "box.split": _e(
        "Box {n} closed with {units} units: scan its box, then weigh it",
        "Коробка {n} закрыта, в ней {units} шт.: сканируйте коробку и взвесьте",
    ),
    "box.closing": _e(
        "Box {n} is closed: box and weigh it before {sku} goes into the next box",
        "Коробка {n} закрыта: упакуйте и взвесьте её, потом {sku} — в следующую коробку",
    ),
    "box.split_already": _e(
        "Box {n} is already closed: scan its box and weigh it",
        "Коробка {n} уже закрыта: сканируйте коробку и взвесьте",
    ),
    "box.split_empty": _e(
        "Box {n} is empty: scan items into it first",
        "Коробка {n} пуста: сначала сканируйте в неё товары",
    ),
    "box.split_nothing_left": _e(
        "All items are in: this is the last box",
        "Все товары собраны: это последняя коробка",
    ),
    "box.sealed": _e(
        "Box {n} sealed: {actual} g (expected {expected} g). Scan the next items",
        "Коробка {n} закрыта: {actual} г (ожидалось {expected} г). Сканируйте следующие товары",
    ),
    # --- box suggestion (packstation/domain/workflow/boxing.py) --------------------------
    "box.suggested": _e("Box {box} fits ({name})", "Подойдёт {box} ({name})"),
    "box.no_suggestion.no_dims": _e(
        "No box suggestion (no item sizes)", "Коробку не подсказать (нет размеров)"
    ),
    "box.no_suggestion.no_sizes": _e(
        "No box suggestion (no box sizes)", "Без подсказки: у коробок нет размеров"
    ),
    "box.no_suggestion.none_fits": _e(
        "No box takes all: CMD:NEWBOX", "Всё в одну не войдёт: CMD:NEWBOX"
    ),
    "box.no_suggestion.too_many": _e(
        "No box suggestion (too many items)", "Коробку не подсказать (много товаров)"
    ),
    "box.no_suggestion.empty": _e("Nothing in the box yet", "В коробке пока ничего нет"),
    "hint.box_advice": _e("{advice}. {scan}", "{advice}. {scan}"),
    "hint.box_suggested": _e(
        "{advice}: scan it, or another box", "{advice}: сканируйте её или другую"
    ),
    "hint.box_suggested_n": _e(
        "{advice}: scan it for box {n}", "{advice}: сканируйте её для коробки {n}"
    ),
    "box.too_small": _e(
        "{box} IS TOO SMALL: {why}. {suggested}",
        "{box} МАЛА: {why}. {suggested}",
    ),
    "box.why.longest": _e("an item is longer than the box", "товар длиннее коробки"),
    "box.why.volume": _e("the items do not fit by volume", "товары не входят по объёму"),
    "box.use": _e("Use {box}", "Возьмите {box}"),
    "box.use_none": _e("Split: CMD:NEWBOX", "Разделите: CMD:NEWBOX"),
    "hint.box_override": _e(
        "Scan a bigger box, or CMD:LEAD for a lead override",
        "Сканируйте коробку больше или CMD:LEAD — решение старшего смены",
    ),
    "box.chosen_larger": _e(
        "Box: {name} (tare {tare} g). {suggested} is enough: scan it to change",
        "Коробка: {name} (тара {tare} г). {suggested} хватит, сканируйте её",
    ),
    "box.override_started": _e(
        "Lead approval for box {box}", "Подтверждение старшего смены для коробки {box}"
    ),
    "override.box_ok": _e("Box {box} approved by {name}", "Коробку {box} разрешил(а) {name}"),
    "hint.lead_reason_box": _e(
        "Reason: {catalog_size} catalogue sizes wrong, {fits_anyway} fits anyway, {other} other "
        "(type {other}, a space and a few words)",
        "Причина: {catalog_size} неверные размеры в каталоге, {fits_anyway} всё равно входит, "
        "{other} другое (введите {other}, пробел и пару слов)",
    ),
    "override.reason.catalog_size": _e(
        "catalogue item sizes are wrong", "в каталоге неверные размеры товара"
    ),
    "override.reason.fits_anyway": _e(
        "the items fit anyway (soft, folded, diagonal)",
        "товары всё равно входят (мягкие, сложены, по диагонали)",
    ),
    "weight.accepted": _e(
        "Weight OK: {actual} g (expected {expected} g)",
        "Вес в норме: {actual} г (ожидалось {expected} г)",
    ),
    "weight.out_of_tolerance": _e(
        "WEIGHT MISMATCH: {actual} g, expected {expected} g "
        "({difference} g, allowed ±{tolerance} g)",
        "ВЕС НЕ СОВПАДАЕТ: {actual} г, ожидалось {expected} г "
        "({difference} г, допуск ±{tolerance} г)",
    ),
    # --- lead override -------------------------------------------------------------------
    "override.started": _e("Lead approval", "Подтверждение старшего смены"),
    "override.nothing": _e(
        "Nothing needs a lead's approval now",
        "Сейчас нечего подтверждать старшему смены",
    ),
    "override.unknown_badge": _e("Unknown badge {badge}", "Неизвестный пропуск {badge}"),
    "override.not_lead": _e(
        "{name} is not a lead: a lead must approve",
        "{name} — не старший смены: нужно подтверждение старшего",
    ),
    "override.lead_ok": _e("{name}: enter your PIN", "{name}: введите PIN-код"),
    "override.wrong_pin": _e(
        "Wrong PIN ({left} attempts left)",
        "Неверный PIN-код (осталось попыток: {left})",
    ),
    "override.too_many": _e(
        "Wrong PIN too many times: approval cancelled",
        "Слишком много неверных PIN-кодов: подтверждение отменено",
    ),
    "override.badge_locked": _e(
        "{name}'s badge is locked after too many wrong PINs until {until} ({minutes} min): "
        "another lead must approve",
        "Пропуск {name} заблокирован из-за неверных PIN-кодов до {until} ({minutes} мин): "
        "нужно подтверждение другого старшего смены",
    ),
    "override.pin_not_expected": _e("No PIN is needed now", "PIN-код сейчас не нужен"),
    "override.pin_ok": _e("{name}: choose the reason", "{name}: выберите причину"),
    "override.reason_not_expected": _e(
        "No reason is needed now",
        "Причина сейчас не нужна",
    ),
    "override.note_required": _e(
        "Describe the reason in a few words",
        "Опишите причину в нескольких словах",
    ),
    "override.carrier_ok": _e(
        "{tariff} approved by {name}",
        "Тариф {tariff} подтвердил(а) {name}",
    ),
    "override.reason_other_purpose": _e(
        "That reason is not for this override: see the numbers below",
        "Эта причина не для этого решения: смотрите номера ниже",
    ),
    "override.weight_ok": _e(
        "Weight {actual} g accepted by {name}",
        "Вес {actual} г принят, подтвердил(а) {name}",
    ),
    # --- checks and documents ------------------------------------------------------------
    "checks.confirmed": _e("✓ {text}", "✓ {text}"),
    "checks.already": _e("Already checked: {text}", "Уже отмечено: {text}"),
    "checks.already_skipped": _e(
        "Already skipped with a lead's approval: {text}",
        "Уже пропущено с разрешения старшего смены: {text}",
    ),
    "checks.skip_started": _e(
        "Skip check {number} ({text}): a lead must approve",
        "Пропуск проверки {number} ({text}): нужно подтверждение старшего смены",
    ),
    "checks.skipped": _e(
        "Skipped: {text} (approved by {name})",
        "Пропущено: {text} (подтвердил(а) {name})",
    ),
    "checks.document_not_skippable": _e(
        "Documents cannot be skipped: put in {document} and scan DOC:{document}:{order}",
        "Документы пропускать нельзя: вложите {document} и сканируйте DOC:{document}:{order}",
    ),
    "checks.no_such": _e(
        "There is no check {number} (1–{total})", "Нет проверки {number} (1–{total})"
    ),
    "checks.not_now": _e(
        "Checks come after weighing",
        "Проверки — после взвешивания",
    ),
    "document.confirmed": _e("Document {document} ✓", "Документ {document} ✓"),
    "document.already": _e("{document} is already confirmed", "{document} уже подтверждён"),
    "document.other_order": _e(
        "WRONG DOCUMENT: {document} of {other}, this parcel is {order}",
        "ЧУЖОЙ ДОКУМЕНТ: {document} заказа {other}, а упаковывается {order}",
    ),
    "document.not_needed": _e(
        "{order} does not need document {document}",
        "Для {order} документ {document} не нужен",
    ),
    "document.not_yet": _e(
        "Documents come after weighing: keep {document} ready",
        "Документы — после взвешивания: держите {document} под рукой",
    ),
    "document.missing": _e(
        "Document missing: scan {document} for {order}",
        "Не хватает документа: сканируйте {document} для {order}",
    ),
    "document.no_order": _e(
        "No order yet: scan an order first", "Нет заказа: сначала сканируйте заказ"
    ),
    # --- label ---------------------------------------------------------------------------
    "label.wrong": _e(
        "WRONG LABEL: this parcel is {parcel}",
        "ЧУЖАЯ ЭТИКЕТКА: у этой посылки номер {parcel}",
    ),
    "label.waiting_marketplace": _e(
        "Waiting for the marketplace label of {order}: CMD:HOLD puts it on the hold shelf",
        "Ждём этикетку маркетплейса для {order}: CMD:HOLD — на полку ожидания",
    ),
    "label.marketplace_printed": _e(
        "Marketplace label printed: stick it on and scan it ({parcel})",
        "Этикетка маркетплейса напечатана: наклейте и сканируйте ({parcel})",
    ),
    "label.marketplace_more": _e(
        "Marketplace label {n} of {m} printed ({parcel}); the others are coming",
        "Этикетка маркетплейса {n} из {m} напечатана ({parcel}); остальные в пути",
    ),
    "label.scan_marketplace": _e(
        "Stick the marketplace label on and scan it ({parcel})",
        "Наклейте этикетку маркетплейса и сканируйте её ({parcel})",
    ),
    "station.marketplace_failed": _e(
        "The marketplace refused {order}: {error}",
        "Маркетплейс отказал по {order}: {error}",
    ),
    "label.held_marketplace": _e(
        "{order} to the hold shelf (no marketplace label yet): take the next order",
        "{order} на полку ожидания (нет этикетки маркетплейса): берите следующий заказ",
    ),
    "mark.rejected": _e(
        "CODE REFUSED by the marketplace ({sku}): {reason}. Code {code}",
        "КОД ОТКЛОНЁН маркетплейсом ({sku}): {reason}. Код {code}",
    ),
    "mark.rejected_hint": _e(
        "Take that unit out and scan another {sku} with its marking code",
        "Выньте эту единицу и сканируйте другую {sku} с её кодом маркировки",
    ),
    "label.not_yet": _e(
        "The label is printed after the checks",
        "Этикетка печатается после проверок",
    ),
    "label.retry": _e("Printing the label again", "Печатаю этикетку ещё раз"),
    "label.reprinted": _e(
        "Label {parcel} sent to the printer again", "Этикетка {parcel} отправлена на печать ещё раз"
    ),
    "label.no_fit": _e("NO CARRIER FITS: {why}", "НЕТ ПЕРЕВОЗЧИКА: {why}"),
    "label.already": _e(
        "Label {parcel} ({n} of {m}) is already scanned",
        "Этикетка {parcel} ({n} из {m}) уже сканирована",
    ),
    "label.confirmed": _e(
        "Parcel {n} of {m} ✓ {parcel}; next label: {next}",
        "Посылка {n} из {m} ✓ {parcel}; следующая этикетка: {next}",
    ),
    "label.finish_first": _e(
        "Labels are being scanned: scan {parcel} first, or CMD:CANCEL",
        "Этикетки уже сканируются: сначала сканируйте {parcel} или CMD:CANCEL",
    ),
    "order.packed_parcels": _e(
        "{order} packed: {count} parcels",
        "{order} упакован: посылок {count}",
    ),
    # --- defects -------------------------------------------------------------------------
    "defect.started": _e("Defect in {order}", "Брак в заказе {order}"),
    "defect.line_chosen": _e("Defect: {sku} {name}", "Брак: {sku} {name}"),
    "defect.line_not_in_order": _e(
        "That item is not in {order}: scan an item of this order or pick its line",
        "Этого товара нет в {order}: сканируйте товар заказа или выберите строку",
    ),
    "defect.no_such_line": _e(
        "There is no line {number} (1–{total})", "Нет строки {number} (1–{total})"
    ),
    "defect.start_first": _e("Scan CMD:DEFECT first", "Сначала сканируйте CMD:DEFECT"),
    "defect.line_first": _e(
        "First scan the item or pick its line",
        "Сначала сканируйте товар или выберите строку",
    ),
    "defect.sealed": _e(
        "{sku} of this order is only in a sealed box: it cannot ship short now (CMD:CANCEL)",
        "{sku} этого заказа есть только в закрытой коробке: отгрузить без него нельзя (CMD:CANCEL)",
    ),
    "defect.nothing_left": _e(
        "{sku}: nothing left to ship on this line",
        "{sku}: по этой строке отгружать уже нечего",
    ),
    "defect.held": _e(
        "{order} on hold ({defect}, {sku}): all back in the tote, to the lead",
        "{order} задержан ({defect}, {sku}): всё в тару и к старшему",
    ),
    "defect.short": _e(
        "{sku} ships one short ({defect}); the customer will be told",
        "{sku} отгружаем на одну единицу меньше ({defect}); покупателю сообщим",
    ),
    "defect.short_removed": _e(
        "Take one {sku} out of the parcel ({defect}); "
        "it ships one short, the customer will be told",
        "Выньте одну единицу {sku} из посылки ({defect}); отгружаем без неё, покупателю сообщим",
    ),
}


def _merge_area_texts() -> None:
    """Areas keep their sentences in packstation/texts/*; one table serves them all."""
    from packstation.texts import carriers, hints, notify, queue, returns, station, training, units

    for area in (carriers, hints, notify, queue, returns, station, training, units):
        clash = set(area.TEXTS) & set(TABLE)
        if clash:
            raise RuntimeError(f"i18n keys defined twice: {sorted(clash)}")
        TABLE.update(area.TEXTS)


_merge_area_texts()
