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
from dataclasses import dataclass, field

__all__ = ["LOCALES", "TABLE", "Msg", "t"]

LOCALES = ("en", "ru")


@dataclass(frozen=True, slots=True)
class Msg:
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
    # --- the app layer around the workflow (packstation.station) ----------------------
    # --- station screens (packstation/screens, packstation/widgets) --------------------
    "ui.station_title": _e("{station}  {name}", "{station}  {name}"),
    "ui.keys": _e(
        "F2 defect  F3 undo  F4 cancel  F5 reprint  F9 lead  F10 logout",
        "F2 брак  F3 отмена скана  F4 отказ  F5 повтор этикетки  F9 старший  F10 выход",
    ),
    "station.documents_failed": _e(
        "Documents of {order} NOT printed: {error}",
        "Документы к {order} НЕ напечатаны: {error}",
    ),
    "station.documents_retry": _e(
        "Print them at the office (packstation documents {order}), then go on scanning",
        "Напечатайте их в офисе (packstation documents {order}) и продолжайте сканировать",
    ),
    "ui.keys_lead": _e(
        "F1 queue F2 defect F3 undo F4 cancel F5 reprint F9 lead F10 logout F11 returns",
        "F1 очередь F2 брак F3 отмена F4 отказ F5 этик. F9 старший F10 выход F11 возвр.",
    ),
    # The result's headline in big mode, by signal class (domain/signals.py): block letters,
    # so short (at most ~16 letters).
    "ui.signal.good": _e("OK", "ОК"),
    "ui.signal.complete": _e("PACKED", "УПАКОВАН"),
    "ui.signal.wrong_item": _e("WRONG ITEM", "НЕ ТОТ ТОВАР"),
    "ui.signal.over_scan": _e("TOO MANY", "ЛИШНИЙ ТОВАР"),
    "ui.signal.weight": _e("WEIGHT WRONG", "ВЕС НЕ ТОТ"),
    "ui.signal.needs_lead": _e("CALL A LEAD", "ЗОВИТЕ СТАРШЕГО"),
    "ui.signal.failure": _e("FAILURE", "СБОЙ"),
    "ui.signal.refused": _e("STOP", "СТОП"),
    "ui.keys_returns": _e(
        "F2 defect  F3 undo  F4 cancel  F5 reprint  F10 logout  F11 returns",
        "F2 брак  F3 отмена  F4 отказ  F5 этикетка  F10 выход  F11 возвраты",
    ),
    "ui.queue.leads_only": _e(
        "The floor queue (F1) is for leads; you are signed in as {role}",
        "Очередь цеха (F1) — для старших смены; вы вошли как {role}",
    ),
    "ui.demo_keys": _e(
        "demo: F6 next step  F7 wrong item  F8 wrong weight",
        "демо: F6 следующий шаг  F7 чужой товар  F8 неверный вес",
    ),
    "ui.ship_by": _e("ship by {time} ({left})", "отгрузка до {time} ({left})"),
    "ui.late": _e("LATE: ship by {time}", "ОПАЗДЫВАЕТ: отгрузка до {time}"),
    "ui.units": _e("{done} of {total} units", "{done} из {total} шт."),
    "ui.checklist": _e("Packaging checklist", "Проверка упаковки"),
    "ui.check_skipped": _e("skipped by {name}", "пропущено: {name}"),
    "ui.documents": _e("Documents (scan each)", "Документы (сканируйте каждый)"),
    "ui.instruction_confirm": _e("(confirm at checks)", "(подтвердить на проверке)"),
    "ui.instructions_more": _e("+{count} more", "ещё {count}"),
    "ui.no_scale": _e("no reading from the scale", "нет данных от весов"),
    "ui.stable": _e("stable", "стабильно"),
    "ui.motion": _e("in motion", "колеблется"),
    "ui.expected": _e("expected {weight}", "ожидается {weight}"),
    "ui.weighed": _e("weighed {weight} ({diff} g)", "взвешено {weight} ({diff} г)"),
    "ui.device.scanner": _e("scanner", "сканер"),
    "ui.device.scale": _e("scale", "весы"),
    "ui.device.printer": _e("printer", "принтер"),
    "ui.device.db": _e("database", "база"),
    "ui.db_down": _e("DATABASE UNAVAILABLE", "БАЗА НЕДОСТУПНА"),
    "ui.device.camera": _e("camera", "камера"),
    # Short words after "camera" on the device bar (80 columns).
    "ui.camera.stalled": _e("stalled", "стоп"),
    "ui.camera.no_camera": _e("unplugged", "нет"),
    "ui.camera.not_running": _e("off", "не пишет"),
    "ui.camera.unknown": _e("?", "?"),
    "ui.kiosk.locked": _e(
        "Station locked. To leave: F12, then a lead's badge and PIN",
        "Станция заблокирована. Чтобы выйти: F12, затем пропуск и PIN старшего смены",
    ),
    "ui.kiosk.badge": _e("EXIT: scan a lead's badge", "ВЫХОД: сканируйте пропуск старшего"),
    "ui.kiosk.pin": _e(
        "EXIT: type the lead's PIN and Enter", "ВЫХОД: введите PIN старшего и Enter"
    ),
    "ui.kiosk.denied": _e(
        "Not a lead, or wrong PIN: staying", "Не старший или неверный PIN: остаёмся"
    ),
    "ui.kiosk.cancel": _e("Esc cancels", "Esc — отмена"),
    "ui.kiosk.crashed": _e("STATION ERROR: call a lead", "ОШИБКА СТАНЦИИ: позовите старшего смены"),
    "ui.kiosk.crashed_detail": _e(
        "Everything shown green before this screen is saved. The error is in the log."
        " A lead restarts the station: scan the lead's badge, then type the PIN and Enter.",
        "Всё, что было зелёным до этого экрана, сохранено. Ошибка записана в журнал."
        " Старший перезапускает станцию: пропуск старшего, затем PIN и Enter.",
    ),
    "ui.kiosk.restart_badge": _e(
        "RESTART: scan a lead's badge", "ПЕРЕЗАПУСК: сканируйте пропуск старшего"
    ),
    "ui.kiosk.badge_locked": _e(
        "Badge locked after too many wrong PINs until {until}: staying",
        "Пропуск заблокирован из-за неверных PIN-кодов до {until}: остаёмся",
    ),
    # Badge lockout on the queue screen (texts/queue.py holds the queue's other sentences).
    "ui.lead.badge_locked": _e(
        "{name}'s badge is locked after too many wrong PINs until {until}",
        "Пропуск {name} заблокирован из-за неверных PIN-кодов до {until}",
    ),
    "station.ready": _e("Station ready", "Станция готова"),
    # Start-up: "ready" only once the scanner is open and the store answers (issue 16).
    "station.starting": _e("Starting: waiting for {what}", "Запуск: ждём {what}"),
    "station.waiting.scanner": _e("the scanner", "сканер"),
    "station.waiting.database": _e("the database", "базу данных"),
    "station.wait_ready": _e("Do not scan yet", "Пока не сканируйте"),
    "station.resumed": _e(
        "Back where you left off",
        "Продолжаем с того места, где остановились",
    ),
    "station.internal_error": _e(
        "Internal error: nothing was recorded. Scan again or call a lead",
        "Внутренняя ошибка: ничего не записано. Сканируйте ещё раз или позовите старшего смены",
    ),
    "station.db_down": _e(
        "No connection to the database ({error}): nothing was recorded",
        "Нет связи с базой данных ({error}): ничего не записано",
    ),
    "station.not_recorded": _e(
        "NOT RECORDED: {error}. Scan again",
        "НЕ ЗАПИСАНО: {error}. Сканируйте ещё раз",
    ),
    "station.not_recorded_conflict": _e(
        "NOT RECORDED: another station changed the same data. Scan again",
        "НЕ ЗАПИСАНО: те же данные изменила другая станция. Сканируйте ещё раз",
    ),
    "station.claim_conflict": _e(
        "{order} was just taken ({holder})",
        "{order} только что забрали ({holder})",
    ),
    "station.print_failed": _e(
        "LABEL NOT PRINTED for {parcel}: {error}",
        "ЭТИКЕТКА НЕ НАПЕЧАТАНА для {parcel}: {error}",
    ),
    "station.already_open": _e(
        "Station {station} is already open on this floor (another window or PC); close it first",
        "Станция {station} уже открыта в цехе (в другом окне или на другом ПК); "
        "сначала закройте её там",
    ),
    "station.already_open_hint": _e(
        "No scans are taken here. This window takes over by itself once the other one closes",
        "Сканы здесь не принимаются. Это окно продолжит само, как только то закроют",
    ),
    "station.print_retry": _e(
        "Check the printer, then CMD:REPRINT",
        "Проверьте принтер, затем CMD:REPRINT",
    ),
    # --- names shown on screens -----------------------------------------------------------
    "step.logged_out": _e("login", "вход"),
    "step.idle": _e("order", "заказ"),
    "step.items": _e("items", "товары"),
    "step.box": _e("box", "коробка"),
    "step.weight": _e("weight", "вес"),
    "step.checks": _e("checks", "проверки"),
    "step.label": _e("label", "этикетка"),
    "step.closed": _e("done", "готово"),
    "step.defect_pick_line": _e("defect: item", "брак: товар"),
    "step.defect_pick_kind": _e("defect: kind", "брак: вид"),
    "step.override_badge": _e("lead: badge", "старший: пропуск"),
    "step.override_pin": _e("lead: PIN", "старший: PIN"),
    "step.override_reason": _e("lead: reason", "старший: причина"),
    "defect.kind.missing": _e("missing", "нет товара"),
    "defect.kind.damaged": _e("damaged", "повреждён"),
    "defect.kind.wrong_item": _e("wrong item", "не тот товар"),
    "defect.kind.expired": _e("expired", "истёк срок годности"),
    "defect.kind.other": _e("other", "другое"),
    "override.reason.packaging": _e(
        "extra packaging or filler", "дополнительная упаковка или наполнитель"
    ),
    "override.reason.catalog_weight": _e("catalogue weight is wrong", "в каталоге неверный вес"),
    "override.reason.scale": _e("scale problem", "неисправность весов"),
    "override.reason.other": _e("other (describe)", "другое (опишите)"),
    "override.reason.customer_request": _e("the customer asked for it", "по просьбе покупателя"),
    "override.reason.promise": _e("to keep the promised date", "чтобы успеть к обещанному сроку"),
    "override.reason.carrier_problem": _e(
        "problem with the chosen carrier", "проблема у выбранного перевозчика"
    ),
    "override.reason.materials_missing": _e(
        "the material is not at this bench", "нет материала на рабочем месте"
    ),
    "override.reason.not_applicable": _e(
        "does not apply to this parcel", "не относится к этой посылке"
    ),
    "override.reason.customer_cancelled": _e("the customer cancelled", "покупатель отменил заказ"),
    "override.reason.stock_problem": _e(
        "stock is short or unusable", "товара не хватает или он непригоден"
    ),
    "override.reason.wrong_order": _e("the wrong order was taken", "взят не тот заказ"),
    "status.new": _e("new", "новый"),
    "status.needs_correction": _e("needs correction", "требует исправления"),
    "status.ready": _e("ready", "готов к упаковке"),
    "status.packing": _e("packing", "упаковывается"),
    "status.packed": _e("packed", "упакован"),
    "status.shipped": _e("shipped", "отгружен"),
    "status.delivery_failed": _e("delivery failed", "не доставлен"),
    "status.delivered": _e("delivered", "доставлен"),
    "status.returned": _e("returned", "возвращён"),
    "status.cancelled": _e("cancelled", "отменён"),
}


def _merge_area_texts() -> None:
    """Areas keep their sentences in packstation/texts/*; one table serves them all."""
    from packstation.texts import notify, queue, returns, training, units

    for area in (notify, queue, returns, training, units):
        clash = set(area.TEXTS) & set(TABLE)
        if clash:
            raise RuntimeError(f"i18n keys defined twice: {sorted(clash)}")
        TABLE.update(area.TEXTS)


_merge_area_texts()
