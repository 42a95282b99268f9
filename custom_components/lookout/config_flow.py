"""Config flow: found by the Supervisor when the Lookout add-on runs (the user only confirms), or
by URL + API token for a standalone Lookout; reauth when the token changes; options for the live
stream profile, the snapshot profile and which entities to add."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from homeassistant.config_entries import ConfigEntry, ConfigFlow, OptionsFlow
from homeassistant.core import callback
from homeassistant.data_entry_flow import FlowResult
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import voluptuous as vol

from .api import LookoutApi, LookoutAuthError, LookoutConnectionError, LookoutError
from .const import (
    CONF_ADDON_SLUG,
    CONF_EXPOSE,
    CONF_SNAPSHOT_PROFILE,
    CONF_STREAM_PROFILE,
    CONF_TOKEN,
    CONF_URL,
    DEFAULT_EXPOSE,
    DEFAULT_SNAPSHOT_PROFILE,
    DEFAULT_STREAM_PROFILE,
    DOMAIN,
    EXPOSE_CHOICES,
    PROFILES,
)

try:  # HA 2025.1+
    from homeassistant.helpers.service_info.hassio import HassioServiceInfo
except ImportError:  # HA 2024.3
    from homeassistant.components.hassio import HassioServiceInfo

_LOGGER = logging.getLogger(__name__)


def _normalise_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if "://" not in url:
        url = f"http://{url}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise vol.Invalid("invalid_url")
    if parts.username or parts.password:
        raise vol.Invalid("credentials_in_url")  # the token goes in its own field, never in a URL
    return url


def _unique_id(url: str) -> str:
    """The Lookout's identity: host and port (Lookout has no instance id of its own)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.hostname}:{port}".lower()


async def _validate(flow: ConfigFlow, url: str, token: str | None) -> dict[str, Any]:
    api = LookoutApi(async_get_clientsession(flow.hass), url, token)
    health = await api.health()
    await api.cameras()  # /api/health is open; this one proves the token
    return health


def _error_key(err: Exception) -> str:
    if isinstance(err, LookoutAuthError):
        return "invalid_auth"
    if isinstance(err, LookoutConnectionError):
        return "cannot_connect"
    return "unknown"


class LookoutConfigFlow(ConfigFlow, domain=DOMAIN):
    VERSION = 1

    def __init__(self) -> None:
        self._discovered: dict[str, Any] = {}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        return LookoutOptionsFlow(config_entry)

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> FlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                url = _normalise_url(user_input[CONF_URL])
            except vol.Invalid as err:
                errors[CONF_URL] = str(err.msg)
            else:
                token = user_input.get(CONF_TOKEN) or None
                await self.async_set_unique_id(_unique_id(url))
                self._abort_if_unique_id_configured(updates={CONF_URL: url, CONF_TOKEN: token})
                try:
                    await _validate(self, url, token)
                except LookoutError as err:
                    errors["base"] = _error_key(err)
                else:
                    return self.async_create_entry(
                        title=f"Lookout ({urlsplit(url).netloc})", data={CONF_URL: url, CONF_TOKEN: token}
                    )
        schema = vol.Schema(
            {
                vol.Required(CONF_URL, default=(user_input or {}).get(CONF_URL, "http://")): str,
                vol.Optional(CONF_TOKEN): str,
            }
        )
        return self.async_show_form(step_id="user", data_schema=schema, errors=errors)

    # --- Supervisor discovery (the add-on posts {host, port, token} for service "lookout")
    async def async_step_hassio(self, discovery_info: HassioServiceInfo) -> FlowResult:
        cfg = discovery_info.config
        url = f"http://{cfg['host']}:{cfg['port']}"
        token = cfg.get("token") or None
        await self.async_set_unique_id(f"addon_{discovery_info.slug}")
        self._abort_if_unique_id_configured(updates={CONF_URL: url, CONF_TOKEN: token})
        self._discovered = {CONF_URL: url, CONF_TOKEN: token, CONF_ADDON_SLUG: discovery_info.slug}
        self.context["title_placeholders"] = {"name": discovery_info.name}
        return await self.async_step_hassio_confirm()

    async def async_step_hassio_confirm(self, user_input: dict[str, Any] | None = None) -> FlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                await _validate(self, self._discovered[CONF_URL], self._discovered[CONF_TOKEN])
            except LookoutError as err:
                errors["base"] = _error_key(err)
            else:
                return self.async_create_entry(title="Lookout (add-on)", data=self._discovered)
        return self.async_show_form(step_id="hassio_confirm", errors=errors)

    # --- reauth: the token changed
    async def async_step_reauth(self, entry_data: dict[str, Any]) -> FlowResult:
        return await self.async_step_reauth_confirm()

    def _reauth_entry(self) -> ConfigEntry:
        if hasattr(self, "_get_reauth_entry"):  # HA 2024.11+
            return self._get_reauth_entry()
        entry = self.hass.config_entries.async_get_entry(self.context["entry_id"])
        assert entry is not None
        return entry

    async def async_step_reauth_confirm(self, user_input: dict[str, Any] | None = None) -> FlowResult:
        entry = self._reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            token = user_input.get(CONF_TOKEN) or None
            try:
                await _validate(self, entry.data[CONF_URL], token)
            except LookoutError as err:
                errors["base"] = _error_key(err)
            else:
                # `data=` works on 2024.3 and today (today also offers data_updates=).
                return self.async_update_reload_and_abort(
                    entry, data={**entry.data, CONF_TOKEN: token}, reason="reauth_successful"
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Required(CONF_TOKEN): str}),
            errors=errors,
            description_placeholders={"url": entry.data[CONF_URL]},
        )


class LookoutOptionsFlow(OptionsFlow):
    """Live stream profile, snapshot profile, which entities to add."""

    def __init__(self, config_entry: ConfigEntry) -> None:
        # HA 2024.11+ sets self.config_entry itself (assigning it is an error since 2025.12); 2024.3 does not set
        # it at all. Keep our own reference under another name: right on both.
        self._entry = config_entry

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> FlowResult:
        if user_input is not None:
            return self.async_create_entry(title="", data=user_input)
        opts = self._entry.options
        schema = vol.Schema(
            {
                vol.Required(
                    CONF_STREAM_PROFILE, default=opts.get(CONF_STREAM_PROFILE, DEFAULT_STREAM_PROFILE)
                ): vol.In(list(PROFILES)),
                vol.Required(
                    CONF_SNAPSHOT_PROFILE, default=opts.get(CONF_SNAPSHOT_PROFILE, DEFAULT_SNAPSHOT_PROFILE)
                ): vol.In(list(PROFILES)),
                vol.Required(CONF_EXPOSE, default=opts.get(CONF_EXPOSE, DEFAULT_EXPOSE)): cv.multi_select(
                    {k: k for k in EXPOSE_CHOICES}
                ),
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema)
