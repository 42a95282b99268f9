"""PTZ buttons: home and stop (moves go through the lookout.ptz service, they need a direction)."""

from __future__ import annotations

from homeassistant.components.button import ButtonEntity
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .coordinator import LookoutCoordinator
from .entity import LookoutEntity, exposed
from .services import raise_for


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry, async_add_entities: AddEntitiesCallback) -> None:
    if not exposed(entry, "ptz"):
        return
    coordinator: LookoutCoordinator = entry.runtime_data.coordinator
    async_add_entities(
        LookoutPtzButton(coordinator, cam_id, action)
        for cam_id, cam in coordinator.data.cameras.items()
        if cam["capabilities"].get("ptz")
        for action in ("home", "stop")
    )


class LookoutPtzButton(LookoutEntity, ButtonEntity):
    def __init__(self, coordinator: LookoutCoordinator, camera_id: str, action: str) -> None:
        super().__init__(coordinator, camera_id, f"ptz_{action}")
        self._action = action
        self._attr_translation_key = f"ptz_{action}"
        self._attr_icon = "mdi:home-import-outline" if action == "home" else "mdi:stop-circle-outline"

    async def async_press(self) -> None:
        api = self.coordinator.api
        with raise_for(self.camera_id):
            if self._action == "home":
                await api.ptz_home(self.camera_id)
            else:
                await api.ptz_stop(self.camera_id)
