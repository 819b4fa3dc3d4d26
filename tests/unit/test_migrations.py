"""The migration history has one head, so every new revision has one parent to descend from."""

from alembic.script import ScriptDirectory

from bot.store.migrate import alembic_config


def test_the_history_has_exactly_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert script.get_heads() == [script.get_current_head()]
    assert len(script.get_heads()) == 1
