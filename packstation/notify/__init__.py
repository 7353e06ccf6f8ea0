"""Customer notifications: rendering, transports, and the outbox dispatcher.

`packstation notify` drains the ``notifications`` table (see
`packstation.models.outbox`) at least once, keyed for deduplication.
"""
