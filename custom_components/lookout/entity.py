"""Base entity: one HA device per Lookout camera (via the Lookout hub device), unique ids
`<entry unique id>_<camera id>_<key>`, available while Lookout answers and the camera exists."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import CONF_EXPOSE, DEFAULT_EXPOSE, DOMAIN
from .coordinator import LookoutCoordinator


def hub_identifier(entry: ConfigEntry) -> tuple[str, str]:
    return (DOMAIN, entry.unique_id or entry.entry_id)


def camera_identifier(entry: ConfigEntry, camera_id: str) -> tuple[str, str]:
    return (DOMAIN, f"{entry.unique_id or entry.entry_id}_{camera_id}")


def camera_model(cam: dict[str, Any]) -> str:
    """As Lookout's MQTT discovery names it (control/mqtt/discovery.ts), so a device looks the same."""
    vendor = cam.get("vendor") or "generic"
    return "Camera" if vendor == "generic" else f"{vendor} camera"


def exposed(entry: ConfigEntry, what: str) -> bool:
    return what in entry.options.get(CONF_EXPOSE, DEFAULT_EXPOSE)


class LookoutEntity(CoordinatorEntity[LookoutCoordinator]):
    _attr_has_entity_name = True

    def __init__(self, coordinator: LookoutCoordinator, camera_id: str, key: str) -> None:
        super().__init__(coordinator)
        self.camera_id = camera_id
        entry = coordinator.entry
        self._attr_unique_id = f"{entry.unique_id or entry.entry_id}_{camera_id}_{key}"
        entry.runtime_data.unique_ids.add(self._attr_unique_id)
        cam = coordinator.data.cameras[camera_id]
        health = coordinator.data.health
        self._attr_device_info = DeviceInfo(
            identifiers={camera_identifier(entry, camera_id)},
            name=cam.get("name") or camera_id,
            manufacturer=cam.get("manufacturer"),
            model=camera_model(cam),
            sw_version=health.get("version"),
            via_device=hub_identifier(entry),
        )

    @property
    def camera(self) -> dict[str, Any] | None:
        return self.coordinator.data.cameras.get(self.camera_id) if self.coordinator.data else None

    @property
    def available(self) -> bool:
        cam = self.camera
        return super().available and cam is not None and cam.get("enabled", True)
