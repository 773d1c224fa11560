"""The agency dashboard: suppressed insights, knowledge gaps, hand-offs and "addressed" markers
for signed-in staff. See docs/dashboard.md; ``bot.dashboard.app.create_app`` builds it.

Nothing is imported or opened here, so ``coserve`` stays quick to start.
"""
