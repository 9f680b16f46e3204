"""The statutory processes: aggregates, events, stages, rules and clocks. No I/O."""
