"""Sentences of the queue area (see packstation.texts): the team lead's queue screen."""


def _e(en: str, ru: str) -> dict[str, str]:
    return {"en": en, "ru": ru}


TEXTS: dict[str, dict[str, str]] = {
    # --- header and panels ----------------------------------------------------------------
    "queue.title": _e("packstation queue", "packstation: очередь"),
    "queue.floor": _e("Floor {time}", "Смена {time}"),
    "queue.last_hour": _e(
        "last hour {orders} orders / {lines} lines",
        "за час {orders} зак. / {lines} строк",
    ),
    "queue.shift": _e(
        "shift {orders} / {lines} ({rate}/h)",
        "смена {orders} / {lines} ({rate}/ч)",
    ),
    "queue.late_count": _e("late {count}", "опаздывают {count}"),
    "queue.at_risk_count": _e("at risk {count}", "под угрозой {count}"),
    "queue.defects": _e("defects {count}", "брак {count}"),
    "queue.marketplace_failing": _e(
        "⚠ {channel}: {count} calls failing, last {last}",
        "⚠ {channel}: сбоев {count}, последний {last}",
    ),
    "queue.no_defects": _e("no defects this shift", "брака за смену нет"),
    "queue.loading": _e("loading…", "загрузка…"),
    "queue.db_down": _e(
        "DATABASE UNAVAILABLE ({error}): showing data from {time}",
        "БАЗА НЕДОСТУПНА ({error}): данные на {time}",
    ),
    # --- orders table ------------------------------------------------------------------------
    "queue.col.order": _e("Order", "Заказ"),
    "queue.col.status": _e("Status", "Статус"),
    "queue.col.ship_by": _e("Ship by", "Отгрузка"),
    "queue.col.priority": _e("Prio", "Приор"),
    "queue.col.station": _e("Station", "Станция"),
    "queue.col.packer": _e("Packer", "Упаковщик"),
    "queue.col.in_status": _e("In status", "В статусе"),
    "queue.col.lines": _e("Lines", "Строк"),
    "queue.col.carrier": _e("Carrier", "Перевозчик"),
    "queue.late": _e("✗ late", "✗ опозд."),
    "queue.col.evidence": _e("Video", "Видео"),
    # --- evidence (docs/evidence.md): the status line under the orders ------------------------
    "queue.evidence": _e(
        "video {used} GB{limit} · {stations} station(s) · oldest {oldest}",
        "видео {used} ГБ{limit} · станций {stations} · старейшее {oldest}",
    ),
    "queue.evidence_limit": _e(" of {limit}", " из {limit}"),
    "queue.evidence_none": _e("no video recorded yet", "видео пока нет"),
    "queue.evidence_over": _e("over max_gb: protected video", "больше max_gb: защищённое видео"),
    "queue.evidence_error": _e(
        "video folder unreadable: {error}", "папка видео недоступна: {error}"
    ),
    "queue.status.new": _e("new", "новый"),
    "queue.status.needs_correction": _e("needs corr", "исправить"),
    "queue.status.ready": _e("ready", "готов"),
    "queue.status.packing": _e("packing", "упаковка"),
    "queue.status.packed": _e("packed", "упакован"),
    "queue.status.shipped": _e("shipped", "отгружен"),
    "queue.status.delivery_failed": _e("undelivered", "не доставлен"),
    "queue.status.delivered": _e("delivered", "доставлен"),
    "queue.status.returned": _e("returned", "возвращён"),
    "queue.status.cancelled": _e("cancelled", "отменён"),
    # A marketplace order of the hold shelf (models/marketplace_hold.py): label awaited,
    # printed in the background (ready for the station that held it).
    "queue.status.marketplace_label": _e("label wait", "ждёт этик."),
    "queue.status.marketplace_label_printed": _e("label ready", "этик. готова"),
    # --- stations table ----------------------------------------------------------------------
    "queue.col.step": _e("Step", "Шаг"),
    "queue.col.idle": _e("Idle", "Простой"),
    "queue.col.heartbeat": _e("Heartbeat", "Связь"),
    "queue.col.devices": _e("Devices", "Устройства"),
    "queue.offline": _e("⚠ offline {age}", "⚠ нет связи {age}"),
    "queue.never_seen": _e("⚠ never", "⚠ не было"),
    "queue.ago": _e("{age} ago", "{age} назад"),
    "queue.no_stations": _e("no stations yet", "станций пока нет"),
    # --- filters, paging, keys ----------------------------------------------------------
    "queue.filter.open": _e("open orders", "открытые заказы"),
    "queue.filter.any": _e("all statuses", "все статусы"),
    "queue.filter.late": _e("late only", "только опаздывающие"),
    "queue.filter.station": _e("station {station}", "станция {station}"),
    "queue.filter.carrier": _e("carrier {carrier}", "перевозчик {carrier}"),
    "queue.filter.search": _e("order {prefix}…", "заказ {prefix}…"),
    "queue.page": _e("{first}–{last} of {total}", "{first}–{last} из {total}"),
    "queue.page_more": _e("{first}–{last} of more", "{first}–{last} из многих"),
    "queue.page_end": _e("{first}–{last}", "{first}–{last}"),
    "queue.page_empty": _e("no orders match", "нет подходящих заказов"),
    "queue.search_prompt": _e(
        "Order id prefix; also status:S late station:ID carrier:C (Enter apply, Esc cancel)",
        "Начало номера заказа; ещё status:S late station:ID carrier:C (Enter, Esc — отмена)",
    ),
    "queue.keys": _e(
        "/ find f filter l late r release p prio h hold a move v video [ ] page q quit",
        "/ поиск f отбор l позд r снять p приор h стоп a отдать v видео [] стр q выход",
    ),
    # --- an order's evidence (`v`, screens/queue_evidence.py) ---------------------------------
    "queue.ev.title": _e("Evidence of {order}", "Доказательства по {order}"),
    "queue.ev.loading": _e("Looking it up…", "Ищем…"),
    "queue.ev.keys": _e("Esc close", "Esc — закрыть"),
    "queue.ev.unknown": _e("Order {order} is unknown", "Заказ {order} не найден"),
    "queue.ev.error": _e("Could not look it up: {error}", "Не удалось найти: {error}"),
    "queue.ev.clip": _e("Clip", "Видео"),
    "queue.ev.photo": _e("Photo {n}", "Фото {n}"),
    "queue.ev.file_gone": _e(
        "the file is not in the evidence folder (deleted or moved)",
        "файла нет в папке доказательств (удалён или перенесён)",
    ),
    "queue.ev.no_video": _e("No video: {why}", "Видео нет: {why}"),
    "queue.ev.claimed_without": _e(
        "claimed without video (camera off or stalled)",
        "взят в работу без видео (камера не работала)",
    ),
    "queue.ev.not_yet": _e(
        "no clip yet (cut within a minute of packing)",
        "клипа пока нет (режется в течение минуты после упаковки)",
    ),
    "queue.ev.no_photos": _e("No photos", "Фото нет"),
    "queue.ev.no_folder": _e(
        "No [evidence] in this config: files are not looked for",
        "В настройках нет [evidence]: файлы не ищутся",
    ),
    "queue.ev.browser": _e("In the browser: {url}", "В браузере: {url}"),
    # --- lead actions ------------------------------------------------------------------------
    "queue.action.release": _e(
        "Release {order} from station {station}",
        "Снять {order} со станции {station}",
    ),
    "queue.action.priority": _e(
        "Change the priority of {order} (now {priority})",
        "Изменить приоритет {order} (сейчас {priority})",
    ),
    "queue.action.hold": _e("Put {order} on hold", "Задержать {order}"),
    "queue.action.reassign": _e(
        "Reassign {order} (now {station}) to another station",
        "Передать {order} (сейчас {station}) другой станции",
    ),
    "queue.field.station": _e("Station id (- : any station)", "Станция (- : любая станция)"),
    "queue.field.badge": _e(
        "Lead badge (scan or type)", "Пропуск старшего (сканируйте или введите)"
    ),
    "queue.field.pin": _e("PIN", "PIN-код"),
    "queue.field.priority": _e("New priority", "Новый приоритет"),
    "queue.field.reason": _e("Reason", "Причина"),
    "queue.modal_keys": _e(
        "Enter next field / confirm   Esc cancel",
        "Enter — следующее поле / подтвердить   Esc — отмена",
    ),
    "queue.field_missing": _e("Fill in: {field}", "Заполните: {field}"),
    "queue.priority_number": _e("The priority is a whole number", "Приоритет — целое число"),
    "queue.working": _e("{order}: checking the PIN…", "{order}: проверка PIN-кода…"),
    "queue.no_selection": _e("No order selected", "Заказ не выбран"),
    "queue.denied.badge": _e(
        "REFUSED: unknown badge {badge}; nothing changed",
        "ОТКАЗАНО: неизвестный пропуск {badge}; ничего не изменено",
    ),
    "queue.denied.role": _e(
        "REFUSED: {name} is not a lead; nothing changed",
        "ОТКАЗАНО: {name} не старший смены; ничего не изменено",
    ),
    "queue.denied.pin": _e(
        "REFUSED: wrong PIN for {name}; nothing changed (attempt recorded)",
        "ОТКАЗАНО: неверный PIN-код для {name}; ничего не изменено (попытка записана)",
    ),
    "queue.no_such_order": _e("No order {order}", "Заказа {order} нет"),
    "queue.not_open": _e(
        "{order} is {status}: only open orders can be changed",
        "{order} в статусе «{status}»: менять можно только открытые заказы",
    ),
    "queue.reason_required": _e("Give a reason", "Укажите причину"),
    "queue.release.not_packing": _e(
        "{order} is not at a station (status {status}): nothing to release",
        "{order} не на станции (статус «{status}»): снимать нечего",
    ),
    "queue.release.done": _e(
        "{order} released from {station}: back in the queue",
        "{order} снят со станции {station} и возвращён в очередь",
    ),
    "queue.priority.done": _e(
        "{order}: priority is now {priority}",
        "{order}: приоритет теперь {priority}",
    ),
    "queue.priority.range": _e(
        "A priority is from {low} to {high}",
        "Приоритет — от {low} до {high}",
    ),
    "queue.reassign.done": _e(
        "{order} is kept for station {station}: it comes first there",
        "{order} закреплён за станцией {station}: там он будет первым",
    ),
    "queue.reassign.no_station": _e(
        "No station {station} on this floor",
        "Станции {station} в цехе нет",
    ),
    "queue.reassign.already": _e(
        "{order} is already at station {station}",
        "{order} уже на станции {station}",
    ),
    "queue.hold.done": _e(
        "{order} is on hold (needs correction)",
        "{order} задержан (требует исправления)",
    ),
    "queue.action_failed": _e(
        "NOT DONE: {error}",
        "НЕ ВЫПОЛНЕНО: {error}",
    ),
}
