"""Plain Python for running the pipeline unattended: knowing when a run's worker is gone."""
