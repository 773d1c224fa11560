"""Tests of the web chat widget (web/) and the server that hands it out (bot/web.py)."""
