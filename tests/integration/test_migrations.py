"""The read-model schema: Alembic owns it, and the quick check agrees with Alembic's head."""

from alembic.script import ScriptDirectory

from infrastructure import migrate
from infrastructure.database import create_engine


def test_the_quick_head_check_matches_alembic():
    assert ScriptDirectory.from_config(migrate.alembic_config()).get_current_head() == migrate.HEAD


def test_upgrade_creates_the_views_once(database_url):
    engine = create_engine(database_url)
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    migrate.upgrade(engine)  # already current: nothing to do
    assert migrate.current_revision(engine) == migrate.HEAD
    engine.dispose()
