"""Stream health: one enum sensor per (camera, profile) with Lookout's stream state."""

from __future__ import annotations

from typing import Any

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .coordinator import LookoutCoordinator
from .entity import LookoutEntity, exposed

# addon/src/contracts/stream-state.ts
STREAM_STATES = ["idle", "starting", "live", "stalled", "backoff", "failed", "stopping"]


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry, async_add_entities: AddEntitiesCallback) -> None:
    if not exposed(entry, "health"):
        return
    coordinator: LookoutCoordinator = entry.runtime_data.coordinator
    async_add_entities(
        LookoutStreamSensor(coordinator, cam_id, p["name"])
        for cam_id, cam in coordinator.data.cameras.items()
        for p in cam.get("profiles", [])
    )


class LookoutStreamSensor(LookoutEntity, SensorEntity):
    _attr_device_class = SensorDeviceClass.ENUM
    _attr_options = STREAM_STATES
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_translation_key = "stream"

    def __init__(self, coordinator: LookoutCoordinator, camera_id: str, profile: str) -> None:
        super().__init__(coordinator, camera_id, f"stream_{profile}")
        self._profile_name = profile
        self._attr_translation_placeholders = {"profile": profile}

    @property
    def _p(self) -> dict[str, Any] | None:
        for p in (self.camera or {}).get("profiles", []):
            if p["name"] == self._profile_name:
                return p
        return None

    @property
    def native_value(self) -> str | None:
        p = self._p
        return p["state"] if p and p.get("state") in STREAM_STATES else None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        p = self._p or {}
        return {"viewers": p.get("viewers"), "mode": p.get("mode")}
