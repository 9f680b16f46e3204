"""Scheduled jobs name their functions where the code now lives.

APScheduler's job store (``scheduler_jobs``, beside the read models but not one of them) keeps
each job's state pickled, with a textual reference to the function it runs:
``caseledger.interfaces.scheduler:run_daily_reminders``. The packages moved to the repository
root, so that module is now ``interfaces.scheduler``; a reference that no longer resolves makes
APScheduler drop the job when it starts, and with it the pending run time that lets a missed daily
run be caught up. This rewrites the references in place and keeps everything else in the state,
the pending run time included. The table is created by the scheduler on its first start, so it
may not exist: then there is nothing to rewrite.

Revision ID: 0007
Revises: 0006
"""
import pickle

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BEFORE = "caseledger.interfaces.scheduler:"
AFTER = "interfaces.scheduler:"


def rewrite_job_references(old_prefix: str, new_prefix: str) -> None:
    bind = op.get_bind()
    if not sa.inspect(bind).has_table("scheduler_jobs"):
        return
    jobs = sa.table("scheduler_jobs", sa.column("id", sa.String), sa.column("job_state", sa.LargeBinary))
    for job_id, job_state in bind.execute(sa.select(jobs.c.id, jobs.c.job_state)).all():
        state = pickle.loads(job_state)  # noqa: S301 - the job store's own format, written by APScheduler
        func = state.get("func")
        if isinstance(func, str) and func.startswith(old_prefix):
            state["func"] = new_prefix + func.removeprefix(old_prefix)
            bind.execute(jobs.update().where(jobs.c.id == job_id)
                         .values(job_state=pickle.dumps(state, pickle.HIGHEST_PROTOCOL)))


def upgrade() -> None:
    rewrite_job_references(BEFORE, AFTER)


def downgrade() -> None:
    rewrite_job_references(AFTER, BEFORE)
