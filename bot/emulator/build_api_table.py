"""Build ``api_table.json``: the Bot API method signatures the emulator validates against.

The full ``api.json`` is large and mostly prose; the emulator only needs facts (parameter
names, accepted types, required flag), so this script distils them into a small,
reviewable, committed file.  Re-run it when the shared ``api.json`` is updated:

    python -m bot.emulator.build_api_table [path/to/api.json]
"""

import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SOURCE = REPO_ROOT / ".." / "shared" / "telegram-bot-api" / "api.json"
TARGET = Path(__file__).with_name("api_table.json")


def build_table(api: dict) -> dict:
    """Reduce the parsed ``api.json`` to ``{"version", "methods": {name: {param: [types, required]}}}``."""
    methods = {
        name: {field["name"]: [field["types"], field["required"]] for field in spec.get("fields", [])}
        for name, spec in sorted(api["methods"].items())
    }
    return {"version": api["version"], "methods": methods}


def render(table: dict) -> str:
    """Serialise with one method per line so diffs between API versions stay readable."""
    lines = [f'{{"version": {json.dumps(table["version"])}, "methods": {{']
    items = list(table["methods"].items())
    for index, (name, params) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        lines.append(f"{json.dumps(name)}: {json.dumps(params, ensure_ascii=False)}{comma}")
    lines.append("}}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> None:
    """Read the source given on the command line (or the shared default) and write the table."""
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    table = build_table(json.loads(source.read_text(encoding="utf-8")))
    TARGET.write_text(render(table), encoding="utf-8")
    print(f"wrote {len(table['methods'])} methods ({table['version']}) to {TARGET}")


if __name__ == "__main__":
    main(sys.argv)
