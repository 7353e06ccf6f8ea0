"""User-facing sentences of one area each, merged into `packstation.i18n.TABLE`.

Each module holds a plain dict {key: {"en": ..., "ru": ...}}; `i18n` is still
the one place that looks them up, so screens and the domain use `t(Msg(...))`.
"""
