"""Renderer tests; also the API specs (``line_spec``, ``telegram_spec``) the channel fakes check against."""
