"""Device layer: scanner, scale and printer drivers plus pty simulators (no UI, no database).

Drivers run in their own threads and report through callbacks (`base.py`);
the Textual app wraps those in `post_message`.
"""
