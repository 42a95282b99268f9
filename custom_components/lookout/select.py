"""Preset select: the camera's presets by name; choosing one moves the camera there. The state is
the last preset chosen here (cameras do not report which preset they are at)."""

from __future__ import annotations

from homeassistant.components.select import SelectEntity
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .coordinator import LookoutCoordinator
from .entity import LookoutEntity, exposed
from .services import raise_for


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry, async_add_entities: AddEntitiesCallback) -> None:
    if not exposed(entry, "presets"):
        return
    coordinator: LookoutCoordinator = entry.runtime_data.coordinator
    async_add_entities(LookoutPresetSelect(coordinator, cam_id) for cam_id in coordinator.data.presets)


class LookoutPresetSelect(LookoutEntity, SelectEntity):
    _attr_translation_key = "preset"
    _attr_icon = "mdi:camera-marker"
    _attr_current_option: str | None = None

    def __init__(self, coordinator: LookoutCoordinator, camera_id: str) -> None:
        super().__init__(coordinator, camera_id, "preset")

    @property
    def options(self) -> list[str]:
        return list(self.coordinator.data.presets.get(self.camera_id, []))

    async def async_select_option(self, option: str) -> None:
        with raise_for(self.camera_id):
            await self.coordinator.api.goto_preset(self.camera_id, option)
        self._attr_current_option = option
        self.async_write_ha_state()
