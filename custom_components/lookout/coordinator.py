"""One DataUpdateCoordinator per Lookout: cameras, stream states, recorder states, motion, presets.

Polled every SCAN_INTERVAL; motion also arrives pushed over Lookout's Server-Sent Events stream
(`/api/events/stream`), so a motion sensor changes within a second instead of at the next poll.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from dataclasses import dataclass, field
import inspect
import json
import logging
from typing import Any

import aiohttp
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .api import LookoutApi, LookoutApiError, LookoutAuthError, LookoutError
from .const import DOMAIN, SCAN_INTERVAL

_LOGGER = logging.getLogger(__name__)


@dataclass
class LookoutData:
    """What the entities read: one refresh of Lookout's state."""

    health: dict[str, Any]
    cameras: dict[str, dict[str, Any]]
    recording: dict[str, dict[str, Any]]
    presets: dict[str, list[str]]
    # camera -> kind -> 'active' | 'idle' | 'unknown'
    motion: dict[str, dict[str, str]] = field(default_factory=dict)


def _coordinator_kwargs(entry: ConfigEntry) -> dict[str, Any]:
    """`config_entry=` exists since HA 2024.11 (and is expected today); 2024.3 has no such argument."""
    if "config_entry" in inspect.signature(DataUpdateCoordinator.__init__).parameters:
        return {"config_entry": entry}
    return {}


class LookoutCoordinator(DataUpdateCoordinator[LookoutData]):
    """Fetches everything the entities show in one pass."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, api: LookoutApi) -> None:
        super().__init__(
            hass,
            _LOGGER,
            name=f"{DOMAIN} {api.url}",
            update_interval=SCAN_INTERVAL,
            **_coordinator_kwargs(entry),
        )
        self.api = api
        self.entry = entry
        self._events_task: asyncio.Task[None] | None = None

    async def _async_update_data(self) -> LookoutData:
        try:
            health = await self.api.health()
            cameras = {c["id"]: c for c in await self.api.cameras()}
            events = await self.api.events()
            recording: dict[str, dict[str, Any]] = {}
            presets: dict[str, list[str]] = {}
            for cam_id, cam in cameras.items():
                if not cam.get("enabled", True):
                    continue
                # A camera's own failure (its recorder, its ONVIF service) costs that camera its
                # entry, not the refresh; auth and connection errors end the refresh below.
                with suppress(LookoutApiError):
                    recording[cam_id] = await self.api.recording_state(cam_id)
                if cam["capabilities"].get("presets"):
                    try:
                        presets[cam_id] = await self.api.presets(cam_id)
                    except LookoutApiError:
                        # The camera may be rebooting: keep the last known list.
                        if self.data:
                            presets[cam_id] = self.data.presets.get(cam_id, [])
        except LookoutAuthError as err:
            raise ConfigEntryAuthFailed(str(err)) from err
        except LookoutError as err:
            raise UpdateFailed(str(err)) from err
        motion: dict[str, dict[str, str]] = {}
        for st in events.get("states", []):
            motion.setdefault(st["camera"], {})[st["kind"]] = st["state"]
        if self.data is not None and (
            set(cameras) != set(self.data.cameras)
            or {c: bool(p) for c, p in presets.items()} != {c: bool(p) for c, p in self.data.presets.items()}
        ):
            # A camera was added to or removed from Lookout's config (or gained presets): the entities
            # are made per camera at setup, so set the entry up again (stale ones are removed there).
            _LOGGER.info("Lookout's cameras changed; reloading %s", self.entry.title)
            self.hass.config_entries.async_schedule_reload(self.entry.entry_id)
        return LookoutData(health, cameras, recording, presets, motion)

    # --- pushed motion (SSE)
    def start_event_stream(self) -> None:
        self._events_task = self.entry.async_create_background_task(
            self.hass, self._event_loop(), f"{DOMAIN} events {self.api.url}"
        )

    async def _event_loop(self) -> None:
        delay = 1.0
        while True:
            try:
                await self._read_events()
                delay = 1.0
            except asyncio.CancelledError:
                raise
            except (TimeoutError, aiohttp.ClientError, ValueError) as err:
                _LOGGER.debug("Lookout event stream ended (%r); again in %.0f s", err, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 60.0)

    async def _read_events(self) -> None:
        session = self.api._session  # noqa: SLF001 - the API's own session, shared with HA
        async with session.get(
            f"{self.api.url}/api/events/stream",
            headers=self.api.headers({"accept": "text/event-stream"}),
            timeout=aiohttp.ClientTimeout(total=None, sock_read=60),
        ) as resp:
            if resp.status != 200:
                raise aiohttp.ClientResponseError(resp.request_info, resp.history, status=resp.status)
            event = ""
            data: list[str] = []
            async for raw in resp.content:
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
                elif line == "" and data:
                    self._on_event(event, json.loads("\n".join(data)))
                    event, data = "", []

    def _on_event(self, event: str, payload: dict[str, Any]) -> None:
        if self.data is None:
            return
        if event == "snapshot":
            motion: dict[str, dict[str, str]] = {}
            for st in payload.get("states", []):
                motion.setdefault(st["camera"], {})[st["kind"]] = st["state"]
            self.data.motion = motion
        elif event in ("motion", "state") and "camera" in payload and "kind" in payload:
            if "state" in payload and isinstance(payload["state"], str):
                value = payload["state"]
            else:
                value = "active" if payload.get("active") else "idle"
            self.data.motion.setdefault(payload["camera"], {})[payload["kind"]] = value
        else:
            return
        self.async_update_listeners()
