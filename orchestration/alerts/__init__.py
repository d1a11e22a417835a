"""Alerts: watchlists, the rules that turn analyses and shocks into alerts, webhooks.

Plain Python that knows nothing of Dagster: orchestration/assets/alerts.py runs it.
"""
