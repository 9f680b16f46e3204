"""The statutory processes: aggregates, events, stages, rules and clocks. No I/O."""

import sys

from eventsourcing.utils import register_topic

# TEMPORARY during the move to the root layout: events stored under the old module path resolve
# here until every class pins its topic explicitly.
register_topic("caseledger.domain", sys.modules[__name__])
