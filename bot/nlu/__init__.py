"""Rasa NLU components: Traditional Chinese tokenization, a sentence-embedding featurizer
and the input guard. They plug domain helpers (``bot.language``, ``bot.search.embeddings``)
into Rasa's pipeline; ``config.yml`` names them by dotted path."""
