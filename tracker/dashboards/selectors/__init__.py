"""Reads for the dashboards; import them from here."""

from tracker.dashboards.selectors.overview import *  # noqa: F403
