"""Alembic revisions of the read models' schema (env.py, versions/), shipped in the wheel so that
the application upgrades an installed database itself (infrastructure/migrate.py)."""
