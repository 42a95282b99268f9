"""The Lookout integration: camera entities with live video (Lookout's RTSP restream), motion,
recording, presets and PTZ, services, recordings in the media browser, and the Lookout card.

Domain-wide parts (services, the recording proxy views, the card) are set up once in async_setup;
each config entry (one Lookout) gets an API client, a coordinator and the entity platforms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import logging

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType

from .api import LookoutApi, LookoutAuthError, LookoutError
from .const import CONF_TOKEN, CONF_URL, DOMAIN
from .coordinator import LookoutCoordinator
from .entity import hub_identifier
from .frontend import async_register_card
from .services import async_register_services
from .views import async_register_views

_LOGGER = logging.getLogger(__name__)

PLATFORMS = [
    Platform.CAMERA,
    Platform.BINARY_SENSOR,
    Platform.SWITCH,
    Platform.SELECT,
    Platform.BUTTON,
    Platform.SENSOR,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


@dataclass
class LookoutRuntime:
    """Per-entry state (entry.runtime_data)."""

    api: LookoutApi
    coordinator: LookoutCoordinator
    # camera entity_id -> Lookout camera id, filled as camera entities are added (services use it)
    camera_entities: dict[str, str] = field(default_factory=dict)
    # unique ids of the entities made in this setup (what is not here is stale and removed)
    unique_ids: set[str] = field(default_factory=set)


LookoutConfigEntry = ConfigEntry  # today: ConfigEntry[LookoutRuntime] (generic since HA 2024.4)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Services, proxy views and the card: once, whatever the number of Lookouts."""
    async_register_services(hass)
    async_register_views(hass)
    await async_register_card(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: LookoutConfigEntry) -> bool:
    api = LookoutApi(async_get_clientsession(hass), entry.data[CONF_URL], entry.data.get(CONF_TOKEN))
    try:
        await api.health()
    except LookoutAuthError as err:
        raise ConfigEntryAuthFailed(str(err)) from err
    except LookoutError as err:
        raise ConfigEntryNotReady(str(err)) from err
    coordinator = LookoutCoordinator(hass, entry, api)
    await coordinator.async_config_entry_first_refresh()
    # HA 2024.5+ declares runtime_data on ConfigEntry; on 2024.3 it is a plain attribute.
    entry.runtime_data = LookoutRuntime(api, coordinator)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    _remove_stale(hass, entry, entry.runtime_data)
    _check_mqtt_duplicates(hass, entry, list(coordinator.data.cameras))
    coordinator.start_event_stream()
    entry.async_on_unload(entry.add_update_listener(_async_options_updated))
    return True


def _remove_stale(hass: HomeAssistant, entry: LookoutConfigEntry, runtime: LookoutRuntime) -> None:
    """Entities no longer made (a camera removed from Lookout, an entity kind switched off in the
    options) leave the registries, and so do camera devices without entities."""
    ents = er.async_get(hass)
    for reg in er.async_entries_for_config_entry(ents, entry.entry_id):
        if reg.unique_id not in runtime.unique_ids:
            ents.async_remove(reg.entity_id)
    devices = dr.async_get(hass)
    hub = {hub_identifier(entry)}
    for device in dr.async_entries_for_config_entry(devices, entry.entry_id):
        if device.identifiers != hub and not er.async_entries_for_device(ents, device.id, True):
            devices.async_update_device(device.id, remove_config_entry_id=entry.entry_id)


def _check_mqtt_duplicates(hass: HomeAssistant, entry: LookoutConfigEntry, cameras: list[str]) -> None:
    """The integration owns every Lookout entity; Lookout's MQTT discovery (`mqtt.discovery`) must be
    off, or each camera shows up twice. Its entities have unique ids `<base>_<camera>_<entity>`
    (docs/mqtt.md): if HA has such MQTT cameras, say so in Repairs."""
    issue_id = f"mqtt_discovery_on_{entry.entry_id}"
    found = sorted(
        reg.entity_id
        for reg in er.async_get(hass).entities.values()
        if reg.platform == "mqtt"
        and reg.domain == "camera"
        and any(reg.unique_id.endswith(f"_{cam}_camera") for cam in cameras)
    )
    if found:
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="mqtt_discovery_on",
            translation_placeholders={"entities": ", ".join(found)},
        )
    else:
        ir.async_delete_issue(hass, DOMAIN, issue_id)


async def _async_options_updated(hass: HomeAssistant, entry: LookoutConfigEntry) -> None:
    await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: LookoutConfigEntry) -> bool:
    # The event stream task is an entry background task: HA cancels it on unload.
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        entry.runtime_data = None
    return unloaded


def loaded_runtimes(hass: HomeAssistant) -> list[tuple[ConfigEntry, LookoutRuntime]]:
    """Every loaded Lookout entry with its runtime data."""
    out = []
    for entry in hass.config_entries.async_entries(DOMAIN):
        runtime = getattr(entry, "runtime_data", None)
        if entry.state is ConfigEntryState.LOADED and isinstance(runtime, LookoutRuntime):
            out.append((entry, runtime))
    return out
