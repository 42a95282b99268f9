"""Recording switch: on = a manual recording runs (Lookout's recording/start), off = stop."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .coordinator import LookoutCoordinator
from .entity import LookoutEntity, exposed
from .services import raise_for


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry, async_add_entities: AddEntitiesCallback) -> None:
    if not exposed(entry, "recording"):
        return
    coordinator: LookoutCoordinator = entry.runtime_data.coordinator
    async_add_entities(LookoutRecordingSwitch(coordinator, cam_id) for cam_id in coordinator.data.recording)


class LookoutRecordingSwitch(LookoutEntity, SwitchEntity):
    _attr_translation_key = "recording"
    _attr_icon = "mdi:record-rec"

    def __init__(self, coordinator: LookoutCoordinator, camera_id: str) -> None:
        super().__init__(coordinator, camera_id, "recording")

    @property
    def is_on(self) -> bool | None:
        rec = self.coordinator.data.recording.get(self.camera_id)
        return None if rec is None else bool(rec.get("recording"))

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        rec = self.coordinator.data.recording.get(self.camera_id) or {}
        return {"mode": rec.get("mode"), "error": rec.get("error")}

    async def _set(self, on: bool) -> None:
        api = self.coordinator.api
        with raise_for(self.camera_id):
            state = await (api.recording_start(self.camera_id) if on else api.recording_stop(self.camera_id))
        self.coordinator.data.recording[self.camera_id] = state
        self.async_write_ha_state()

    async def async_turn_on(self, **kwargs: Any) -> None:
        await self._set(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        await self._set(False)
