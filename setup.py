"""Build hook: compile the gettext catalogs of `locales/` into the package (SPEC §2).

`locales/*/LC_MESSAGES/messages.po` stay the source that translators edit. A wheel (and so
`pip install .`) carries them compiled as `bot/locales/*/LC_MESSAGES/messages.mo`, so the
installed bot never writes into its installation. An editable install (`pip install -e .`)
compiles them in place next to the `.po` files, exactly as `pybabel compile -d locales` does.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

SOURCE = Path(__file__).resolve().parent / "locales"


def compile_catalogs(source: Path, target: Path) -> list[Path]:
    """Compile every `<lang>/LC_MESSAGES/messages.po` under `source` into `target` (fuzzy entries left out)."""
    written = []
    for po in sorted(source.glob("*/LC_MESSAGES/messages.po")):
        code = po.parent.parent.name
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=code, domain="messages")
        mo = target / code / "LC_MESSAGES" / "messages.mo"
        mo.parent.mkdir(parents=True, exist_ok=True)
        with mo.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(mo)
    if not written:
        raise SystemExit(f"no catalogs found under {source}")
    return written


class BuildPyWithCatalogs(build_py):
    """`build_py` that also compiles the catalogs (into the package, or in place when editable)."""

    def run(self) -> None:
        super().run()
        target = SOURCE if self.editable_mode else Path(self.build_lib) / "bot" / "locales"
        compile_catalogs(SOURCE, target)


setup(cmdclass={"build_py": BuildPyWithCatalogs})
