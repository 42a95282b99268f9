"""Motion: on while any kind Lookout watches (ONVIF events or pixel motion) is active; pushed
over Lookout's event stream. Unknown (event feed down) is shown as unknown, never as "clear"."""

from __future__ import annotations

from typing import Any

from homeassistant.components.binary_sensor import BinarySensorDeviceClass, BinarySensorEntity
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .coordinator import LookoutCoordinator
from .entity import LookoutEntity, exposed


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry, async_add_entities: AddEntitiesCallback) -> None:
    if not exposed(entry, "motion"):
        return
    coordinator: LookoutCoordinator = entry.runtime_data.coordinator
    async_add_entities(
        LookoutMotion(coordinator, cam_id)
        for cam_id, cam in coordinator.data.cameras.items()
        if cam["capabilities"].get("motionEvents") or coordinator.data.motion.get(cam_id)
    )


class LookoutMotion(LookoutEntity, BinarySensorEntity):
    _attr_device_class = BinarySensorDeviceClass.MOTION
    _attr_translation_key = "motion"

    def __init__(self, coordinator: LookoutCoordinator, camera_id: str) -> None:
        super().__init__(coordinator, camera_id, "motion")

    @property
    def _kinds(self) -> dict[str, str]:
        return self.coordinator.data.motion.get(self.camera_id, {}) if self.coordinator.data else {}

    @property
    def is_on(self) -> bool | None:
        kinds = self._kinds
        if any(v == "active" for v in kinds.values()):
            return True
        if not kinds or any(v == "unknown" for v in kinds.values()):
            return None
        return False

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        return {"kinds": dict(self._kinds)}
