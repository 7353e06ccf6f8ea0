"""Sentences of the training area (see packstation.texts): the training station, its coach,
the lead's trainees view and "ready". Every key here is used (tests/training/test_texts.py).
Lines of the coach's pane are at most 24 cells wide per word group: the pane wraps them."""


def _e(en: str, ru: str) -> dict[str, str]:
    return {"en": en, "ru": ru}


TEXTS: dict[str, dict[str, str]] = {
    # --- the banner on every training screen ----------------------------------------------
    "training.banner": _e(
        "TRAINING · practice orders: nothing is shipped or printed",
        "ОБУЧЕНИЕ · учебные заказы: ничего не отгружается и не печатается",
    ),
    "training.banner_lesson": _e(
        "TRAINING · {lesson} · orders {done}/{orders} · errors {errors}",
        "ОБУЧЕНИЕ · {lesson} · заказы {done}/{orders} · ошибки {errors}",
    ),
    "training.keys": _e(
        "F6 scale F7 reprint docs F2 defect F3 undo F4 cancel F9 lead F10 logout",
        "F6 весы F7 документы F2 брак F3 отмена F4 отказ F9 старший F10 выход",
    ),
    # --- lessons ----------------------------------------------------------------------------
    "training.lesson.first_order": _e("First order", "Первый заказ"),
    "training.lesson.marked_goods": _e("Marked goods", "Маркированный товар"),
    "training.lesson.weight_problems": _e("Weight problems", "Проблемы с весом"),
    "training.lesson.defects": _e("Defects", "Брак"),
    "training.lesson.documents_abroad": _e("Documents abroad", "Документы за границу"),
    # An intro fits 3 lines of the coach's pane under the first hint and its code.
    "training.intro.first_order": _e(
        "Follow the hints: badge, order, items, box, scale, label.",
        "Следуйте подсказкам: заказ, товары, коробка, весы, этикетка.",
    ),
    "training.intro.marked_goods": _e(
        "Every marked unit has its own code: scan each one once.",
        "У каждой маркированной единицы свой код: по одному скану.",
    ),
    "training.intro.weight_problems": _e(
        "Scale wrong twice? Call a lead (F9), reason: scale.",
        "Весы дважды врут? Зовите старшего (F9), причина: весы.",
    ),
    "training.intro.defects": _e(
        "A wrong item is put aside; its line gets a defect (F2).",
        "Чужой товар — в сторону, на его строку — брак (F2).",
    ),
    "training.intro.documents_abroad": _e(
        "A missing document is never skipped: reprint it (F7).",
        "Недостающий документ не пропускают: перепечатайте (F7).",
    ),
    # --- a lead picks the lesson --------------------------------------------------------------
    "training.pick.lead": _e(
        "A lead picks the lesson: scan a lead's badge",
        "Урок выбирает старший смены: сканируйте его пропуск",
    ),
    "training.pick.lesson": _e(
        "{name}: type or scan the lesson's number",
        "{name}: введите или сканируйте номер урока",
    ),
    "training.pick.not_lead": _e("{badge} is not a lead's badge", "{badge} — не пропуск старшего"),
    "training.pick.unknown": _e("No lesson {ref}", "Нет урока {ref}"),
    "training.pick.preparing": _e("Preparing {lesson}…", "Готовим урок «{lesson}»…"),
    "training.pick.ready": _e(
        "{lesson}: {orders} practice order(s) ready",
        "{lesson}: учебных заказов {orders}",
    ),
    "training.pick.failed": _e("Lesson not prepared: {error}", "Урок не подготовлен: {error}"),
    # --- the coach's hints ----------------------------------------------------------------------
    "training.hint.badge": _e("Scan your own badge to start", "Сканируйте свой пропуск"),
    "training.hint.next": _e("Take the next order: CMD:NEXT", "Берите следующий заказ: CMD:NEXT"),
    "training.hint.done": _e(
        "Lesson over. A lead picks the next one",
        "Урок окончен. Следующий выбирает старший",
    ),
    "training.hint.not_lesson": _e(
        "Not an order of this lesson: finish or cancel it",
        "Это не заказ урока: закончите или отмените его",
    ),
    "training.hint.item": _e("From the tote: {sku}. Scan it", "Из тары: {sku}. Сканируйте"),
    "training.hint.tote_empty": _e(
        "The tote is empty, yet {skus} is open. What now?",
        "Тара пуста, а {skus} не собран. Что делать?",
    ),
    "training.hint.new_box": _e(
        "Box {n} is full: close it (CMD:NEWBOX)",
        "Коробка {n} полна: закройте (CMD:NEWBOX)",
    ),
    "training.hint.box": _e("Take box {box}, scan it", "Возьмите коробку {box}, сканируйте"),
    "training.hint.weigh": _e(
        "Put the parcel on the scale (F6)",
        "Поставьте посылку на весы (F6)",
    ),
    "training.hint.weigh_again": _e(
        "Weigh again (F6), or call a lead (F9)",
        "Взвесьте снова (F6) или зовите старшего (F9)",
    ),
    "training.hint.check": _e("Check, then CMD:OK: {text}", "Проверьте и CMD:OK: {text}"),
    "training.hint.document": _e(
        "Put the {document} in the box, scan it",
        "Вложите {document} в коробку, сканируйте",
    ),
    "training.hint.no_document": _e(
        "The {document} is not in the tray. What now?",
        "{document} нет в лотке. Что делать?",
    ),
    "training.hint.label": _e(
        "Label {n}/{m} (on screen): stick on, scan",
        "Этикетка {n}/{m} (на экране): наклейте, сканируйте",
    ),
    "training.hint.defect_line": _e(
        "Type the line's number, Enter",
        "Введите номер строки, Enter",
    ),
    "training.hint.defect_kind": _e(
        "Type the defect kind's number, Enter",
        "Введите номер вида брака, Enter",
    ),
    "training.hint.lead": _e(
        "A lead: badge, PIN, reason's number",
        "Старший: пропуск, PIN, номер причины",
    ),
    # --- the bench: scale and tray --------------------------------------------------------------
    "training.weigh.nothing": _e("Nothing to weigh now", "Сейчас нечего взвешивать"),
    "training.docs.reprinted": _e(
        "The office reprinted the {document}: it is in the tray",
        "Офис перепечатал {document}: документ в лотке",
    ),
    "training.docs.nothing": _e(
        "No document is missing from the tray",
        "В лотке есть все документы",
    ),
    "training.label.title": _e(
        "The label, as printed (on screen):",
        "Этикетка, как напечатана (на экране):",
    ),
    "training.not_here": _e(
        "Not at a training station: practise the packing here",
        "На учебной станции этого нет: здесь тренируют упаковку",
    ),
    # --- the score --------------------------------------------------------------------------------
    "training.score": _e(
        "{lesson}: {spu} s/unit · errors {errors} · faults right {right}/{faults}",
        "{lesson}: {spu} с/ед. · ошибки {errors} · сбои верно {right}/{faults}",
    ),
    "training.passed": _e("PASSED", "ЗАЧТЁН"),
    "training.not_passed": _e("NOT PASSED", "НЕ ЗАЧТЁН"),
    "training.score_saved": _e("Score saved for {name}", "Результат сохранён: {name}"),
    "training.score_not_saved": _e(
        "Score NOT saved ({error})",
        "Результат НЕ сохранён ({error})",
    ),
    "training.abandoned": _e(
        "Lesson stopped (logged out): no score",
        "Урок прерван (выход): без оценки",
    ),
    # --- the lead's "ready" -----------------------------------------------------------------------
    "training.ready.done": _e("{name} may pack real orders now", "{name} допущен(а) к заказам"),
    "training.ready.unknown": _e("No active badge {badge}", "Нет действующего пропуска {badge}"),
    "training.ready.not_trainee": _e(
        "{name} is a {role}, not a trainee",
        "{name}: роль {role}, не стажёр",
    ),
    # --- the trainees view (queue screen, `t`) ----------------------------------------------------
    "training.view.title": _e("Trainees", "Стажёры"),
    "training.view.keys": _e(
        "y ready (badge + PIN)  q back",
        "y допустить (пропуск + PIN)  q назад",
    ),
    "training.view.none": _e("No trainees", "Стажёров нет"),
    "training.view.no_selection": _e("No trainee selected", "Стажёр не выбран"),
    "training.view.ready_title": _e(
        "{name}: ready for real orders",
        "{name}: допуск к заказам",
    ),
    "training.view.note": _e("Note (why ready)", "Примечание (почему готов)"),
    "training.view.trainee": _e("trainee", "стажёр"),
    "training.view.ready_since": _e("ready {date}", "допущен {date}"),
    "training.col.name": _e("Trainee", "Стажёр"),
    "training.col.status": _e("Status", "Статус"),
    "training.col.lessons": _e("Lessons", "Уроки"),
    "training.col.passed": _e("Passed", "Зачёт"),
    "training.col.spu": _e("s/unit", "с/ед"),
    "training.col.errors": _e("Errors", "Ошибки"),
    "training.col.faults": _e("Faults", "Сбои"),
    # --- the queue's stations table: the operator's training (lessons passed/all, status) ---
    "training.col.standing": _e("Training", "Обучение"),
    "training.standing.ready": _e("ready", "допущен"),
}
