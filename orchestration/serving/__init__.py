"""What BI tools and the Dagster UI see: published versions of the marts (catalog) and the
day at a glance on each materialization (highlights)."""
