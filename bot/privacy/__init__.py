"""Privacy primitives shared by every service that keeps anything about a person.

``pseudonymous_id`` turns a channel account into a stable keyed pseudonym, so raw LINE or
Telegram ids never reach storage; ``redact`` strips direct identifiers (ID numbers, phones,
e-mail, street addresses, bank and card numbers) from free text before it is kept.
"""

from bot.privacy.pseudonym import is_pseudonymous_id, pseudonymous_id
from bot.privacy.redaction import PLACEHOLDERS, redact

__all__ = ["PLACEHOLDERS", "is_pseudonymous_id", "pseudonymous_id", "redact"]
