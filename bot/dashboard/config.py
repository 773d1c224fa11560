"""The dashboard's settings: the ``dashboard:`` section of ``coserve.yml`` (bot.settings)."""

from __future__ import annotations

from bot.settings import DashboardSettings, Settings

__all__ = ["DashboardSettings", "dashboard_settings"]


def dashboard_settings(settings: Settings) -> DashboardSettings:
    return settings.dashboard
