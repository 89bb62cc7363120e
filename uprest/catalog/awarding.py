"""The awarding body of a module version: a provider record of :mod:`uprest.providers`.

A version points to its provider (``provider_id``); its old free-text ``provider`` column is kept, set to the
provider's name, so that the catalogue's text search and old rows keep working. Other features (certificates)
ask :func:`awarding_body_of` (also in ``uprest.catalog.services``) and never read the catalogue's tables.
"""

from __future__ import annotations

from uprest.catalog.models import ModuleVersion
from uprest.providers.models import Provider


def awarding_body_of(version: ModuleVersion) -> Provider | None:
    """The provider that awards the certificate of `version`; None when the module names none."""
    return version.awarding_body


def set_awarding_body(version: ModuleVersion, provider: Provider | None) -> None:
    """Point `version` at `provider` (None: no awarding body). The caller refreshes the search text."""
    version.awarding_body = provider
    version.provider = provider.name if provider is not None else ""
