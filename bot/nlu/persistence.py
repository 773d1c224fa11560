"""Reading a trained component's file back from Rasa's model storage, shared by the classifiers."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, Optional, TypeVar

from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

logger = logging.getLogger(__name__)
Loaded = TypeVar("Loaded")


def read_trained(
    model_storage: ModelStorage, resource: Resource, filename: str, read: Callable[[Path], Loaded]
) -> Optional[Loaded]:
    """The file ``read`` returns, or None when training saved nothing (e.g. fewer than two intents)."""
    try:
        with model_storage.read_from(resource) as directory:
            path = directory / filename
            return read(path) if path.exists() else None
    except ValueError:  # the storage holds no directory for this resource
        logger.debug("nothing persisted for %s", resource.name)
        return None
