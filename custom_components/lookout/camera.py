"""Camera entities: live video from Lookout's RTSP restream (stream_source, so HA's go2rtc/stream
give WebRTC and HLS without a second connection to the camera) and stills from Lookout's snapshot."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from homeassistant.components.camera import Camera, CameraEntityFeature
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .api import LookoutError
from .const import (
    CONF_SNAPSHOT_PROFILE,
    CONF_STREAM_PROFILE,
    DEFAULT_SNAPSHOT_PROFILE,
    DEFAULT_STREAM_PROFILE,
)
from .coordinator import LookoutCoordinator
from .entity import LookoutEntity, camera_model

_LOGGER = logging.getLogger(__name__)


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry, async_add_entities: AddEntitiesCallback) -> None:
    coordinator: LookoutCoordinator = entry.runtime_data.coordinator
    async_add_entities(LookoutCamera(coordinator, cam_id) for cam_id in coordinator.data.cameras)


def restream_url(camera: dict[str, Any], profile: str) -> str | None:
    """The profile's RTSP restream with its credentials, from the camera answer's
    `gateway.restream[]` (addon/src/contracts/api.ts `RestreamInfo`: url without credentials, and a
    read-only username/password Lookout generated for restream clients). None without the gateway."""
    gateway = camera.get("gateway") or {}
    entries = {r.get("profile"): r for r in gateway.get("restream") or [] if isinstance(r, dict)}
    info = entries.get(profile) or next(iter(entries.values()), None)
    url = info.get("url") if info else None
    if not isinstance(url, str) or not url.startswith(("rtsp://", "rtsps://")):
        return None
    parts = urlsplit(url)
    if info.get("username") and "@" not in parts.netloc:
        auth = quote(str(info["username"]), safe="")
        if info.get("password"):
            auth += ":" + quote(str(info["password"]), safe="")
        url = urlunsplit(parts._replace(netloc=f"{auth}@{parts.netloc}"))
    return url


class LookoutCamera(LookoutEntity, Camera):
    _attr_name = None  # the device's main feature: named like the camera

    def __init__(self, coordinator: LookoutCoordinator, camera_id: str) -> None:
        LookoutEntity.__init__(self, coordinator, camera_id, "camera")
        Camera.__init__(self)
        options = coordinator.entry.options
        self._stream_profile = options.get(CONF_STREAM_PROFILE, DEFAULT_STREAM_PROFILE)
        self._snapshot_profile = options.get(CONF_SNAPSHOT_PROFILE, DEFAULT_SNAPSHOT_PROFILE)
        cam = coordinator.data.cameras[camera_id]
        self._attr_brand = cam.get("manufacturer")
        self._attr_model = camera_model(cam)

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.coordinator.entry.runtime_data.camera_entities[self.entity_id] = self.camera_id

    async def async_will_remove_from_hass(self) -> None:
        runtime = getattr(self.coordinator.entry, "runtime_data", None)
        if runtime is not None:
            runtime.camera_entities.pop(self.entity_id, None)
        # HA's stream (HLS) of this entity would otherwise keep reading the restream until its idle
        # timer ends (5 min), after the entity is gone.
        # Removing each output clears its idle timer too (stop() alone leaves them, HA 2024.3).
        if self.stream is not None:
            for provider in list(self.stream.outputs().values()):
                await self.stream.remove_provider(provider)
            await self.stream.stop()
            self.stream = None
        await super().async_will_remove_from_hass()

    def _profile(self, name: str) -> dict[str, Any] | None:
        cam = self.camera or {}
        profiles = {p["name"]: p for p in cam.get("profiles", [])}
        return profiles.get(name) or next(iter(profiles.values()), None)

    @property
    def supported_features(self) -> CameraEntityFeature:
        # HA offers live video (go2rtc WebRTC, HLS) only for cameras with STREAM.
        cam = self.camera
        return CameraEntityFeature.STREAM if cam and restream_url(cam, self._stream_profile) else CameraEntityFeature(0)

    async def stream_source(self) -> str | None:
        cam = self.camera
        return restream_url(cam, self._stream_profile) if cam else None

    async def async_camera_image(self, width: int | None = None, height: int | None = None) -> bytes | None:
        try:
            return await self.coordinator.api.snapshot(self.camera_id, self._snapshot_profile)
        except LookoutError as err:
            _LOGGER.debug("snapshot of %s failed: %s", self.camera_id, err)
            return None

    @property
    def is_recording(self) -> bool:
        rec = self.coordinator.data.recording.get(self.camera_id) if self.coordinator.data else None
        return bool(rec and rec.get("recording"))

    @property
    def is_streaming(self) -> bool:
        profile = self._profile(self._stream_profile)
        return bool(profile and profile.get("state") == "live")

    @property
    def motion_detection_enabled(self) -> bool:
        """Lookout watches for motion: ONVIF events, or pixel motion (it reports a state then)."""
        cam = self.camera or {}
        data = self.coordinator.data
        return bool(cam.get("capabilities", {}).get("motionEvents")) or bool(data and data.motion.get(self.camera_id))

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        return {"lookout_camera": self.camera_id, "stream_profile": self._stream_profile}
