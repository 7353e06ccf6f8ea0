"""What the station app and its screens say beyond the workflow (see packstation.texts):
`station.*` (the runner: starting, database, printer), `ui.*` (screens and widgets), and
the names of steps, statuses and states shown on screens."""


def _e(en: str, ru: str) -> dict[str, str]:
    return {"en": en, "ru": ru}


TEXTS: dict[str, dict[str, str]] = {
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
    "station.held_label_printed": _e(
        "Marketplace label of {order} printed ({count}): it goes with that parcel on the hold "
        "shelf; the order comes back at your next CMD:NEXT",
        "Этикетка маркетплейса для {order} напечатана ({count}): к его посылке на полке "
        "ожидания; заказ вернётся по следующему CMD:NEXT",
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
    # An earlier red that would mis-ship, still on screen under a lesser one.
    "ui.still": _e("First: {what}", "Сначала: {what}"),
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
