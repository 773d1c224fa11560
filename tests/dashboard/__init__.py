"""Tests of the agency dashboard (bot/dashboard/)."""
