"""Serves the Lookout card (lookout-card.js, built from panel/ into the release) and registers it
as a frontend module, so installing the integration is all a user does to get the card. The
version in the module URL (`?v=<manifest version>`) makes browsers fetch the new file after an
update."""

from __future__ import annotations

import logging

from homeassistant.core import HomeAssistant

from .const import CARD_FILE, CARD_URL_BASE, DOMAIN, FRONTEND_DIR, VERSION

_LOGGER = logging.getLogger(__name__)
CARD_URL = f"{CARD_URL_BASE}/{CARD_FILE}"
CARD_MODULE_URL = f"{CARD_URL}?v={VERSION}"


async def async_register_card(hass: HomeAssistant) -> None:
    path = FRONTEND_DIR / CARD_FILE
    if not path.is_file():
        # A git checkout copied by hand, not the release zip: the card is not built in.
        _LOGGER.warning("%s is missing: the Lookout card is not served (install the release zip)", path)
        return
    if hasattr(hass.http, "async_register_static_paths"):  # HA 2024.7+
        from homeassistant.components.http import StaticPathConfig

        await hass.http.async_register_static_paths([StaticPathConfig(CARD_URL, str(path), True)])
    else:  # HA 2024.3 (register_static_path was removed in 2025.7)
        hass.http.register_static_path(CARD_URL, str(path), True)
    hass.data.setdefault(DOMAIN, {})["card_url"] = CARD_MODULE_URL
    if "frontend" in hass.config.components:
        from homeassistant.components.frontend import add_extra_js_url

        add_extra_js_url(hass, CARD_MODULE_URL)
    else:
        _LOGGER.debug("frontend not loaded: the card module %s is served but not registered", CARD_MODULE_URL)
