"""`packstation codes parse CODE`: what a scanned code means to the station."""

from __future__ import annotations

import argparse
import json

from packstation.cli.common import say
from packstation.domain.codes import parse_code
from packstation.domain.text import printable


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    codes = sub.add_parser("codes", help="scan codes")
    csub = codes.add_subparsers(dest="codes_command", required=True, metavar="COMMAND")
    parse = csub.add_parser(
        "parse",
        help="explain a scanned code",
        description="Explain a scanned code. Write GS (FNC1) as \\x1d or <GS>.",
    )
    parse.add_argument("code")
    parse.add_argument("--json", action="store_true", help="machine-readable output")
    parse.set_defaults(func=run_parse)


def unescape_gs(code: str) -> str:
    """GS cannot be typed in a shell; accept the spellings people use for it."""
    for spelling in ("\\x1d", "\\x1D", "<GS>", "{GS}", "\\u001d"):
        code = code.replace(spelling, "\x1d")
    return code


def run_parse(args: argparse.Namespace) -> int:
    code = parse_code(unescape_gs(args.code))
    if args.json:
        say(json.dumps(code.to_dict(), ensure_ascii=False, indent=2))
        return 0
    shown = {k: v for k, v in code.to_dict().items() if v not in (None, "", [], ())}
    width = max(len(k) for k in shown)
    for key, value in shown.items():
        if isinstance(value, list):
            value = "; ".join(str(v) for v in value)
        say(f"{key:<{width}}  {printable(str(value))}")
    return 0
