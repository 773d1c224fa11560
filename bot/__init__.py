"""CoServe (合產): a participatory public-service assistant.

Domain services live in sub-packages (``search``, ``profiles``, ``render``, ...) and import
nothing from Rasa's dialogue layer; ``bot.actions`` is the thin dialogue layer on top.
"""
