"""Reports computed from the journal (and rebuildable from it): interval figures per queue,
medium and agent."""
