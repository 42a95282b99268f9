"""Services: lookout.ptz, lookout.goto_preset, lookout.record, lookout.snapshot.

Each targets Lookout camera entities (`entity_id`); the Lookout camera behind an entity is found
through the loaded entries. Lookout's errors become HomeAssistantError with Lookout's own message
(a wrong preset name, a camera without PTZ), bad input ServiceValidationError.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import partial
import os
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
import voluptuous as vol

from .api import LookoutApi, LookoutApiError, LookoutError
from .const import CONF_SNAPSHOT_PROFILE, DEFAULT_SNAPSHOT_PROFILE, DOMAIN, PROFILES

SPEED = vol.All(vol.Coerce(float), vol.Range(min=-1, max=1))
DURATION = vol.All(vol.Coerce(float), vol.Range(min=0.05, max=30))

PTZ_SCHEMA = vol.Schema(
    {
        vol.Required("entity_id"): cv.entity_ids,
        vol.Required("action"): vol.In(["move", "zoom", "stop", "home"]),
        vol.Optional("pan", default=0): SPEED,
        vol.Optional("tilt", default=0): SPEED,
        vol.Optional("zoom", default=0): SPEED,
        vol.Optional("duration", default=1): DURATION,
    }
)
PRESET_SCHEMA = vol.Schema({vol.Required("entity_id"): cv.entity_ids, vol.Required("preset"): cv.string})
RECORD_SCHEMA = vol.Schema(
    {
        vol.Required("entity_id"): cv.entity_ids,
        vol.Required("action"): vol.In(["start", "stop", "clip"]),
        vol.Optional("duration"): vol.All(vol.Coerce(float), vol.Range(min=1, max=86400)),
    }
)
SNAPSHOT_SCHEMA = vol.Schema(
    {
        vol.Required("entity_id"): cv.entity_ids,
        vol.Optional("filename"): cv.string,
        vol.Optional("profile"): vol.In(list(PROFILES)),
    }
)


@contextmanager
def raise_for(camera: str) -> Iterator[None]:
    """Lookout's failures as HA errors, with Lookout's message (never a token)."""
    try:
        yield
    except LookoutApiError as err:
        if err.status in (400, 404, 409):
            raise ServiceValidationError(f"Lookout camera {camera}: {err}") from err
        raise HomeAssistantError(f"Lookout camera {camera}: {err}") from err
    except LookoutError as err:
        raise HomeAssistantError(f"Lookout camera {camera}: {err}") from err


def _targets(hass: HomeAssistant, call: ServiceCall) -> list[tuple[Any, LookoutApi, str, str]]:
    """(entry, api, camera id, entity id) for every entity in the call."""
    from . import loaded_runtimes

    found = []
    runtimes = loaded_runtimes(hass)
    for entity_id in call.data["entity_id"]:
        for entry, runtime in runtimes:
            if entity_id in runtime.camera_entities:
                found.append((entry, runtime.api, runtime.camera_entities[entity_id], entity_id))
                break
        else:
            raise ServiceValidationError(f"{entity_id} is not a Lookout camera entity")
    return found


async def _ptz(hass: HomeAssistant, call: ServiceCall) -> None:
    d = call.data
    for _entry, api, cam, _eid in _targets(hass, call):
        with raise_for(cam):
            if d["action"] == "stop":
                await api.ptz_stop(cam)
            elif d["action"] == "home":
                await api.ptz_home(cam)
            else:
                pan, tilt = (0.0, 0.0) if d["action"] == "zoom" else (d["pan"], d["tilt"])
                await api.ptz_move(cam, pan, tilt, d["zoom"], int(d["duration"] * 1000))


async def _goto_preset(hass: HomeAssistant, call: ServiceCall) -> None:
    for _entry, api, cam, _eid in _targets(hass, call):
        with raise_for(cam):
            await api.goto_preset(cam, call.data["preset"])


async def _record(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    d = call.data
    if d["action"] == "clip" and "duration" not in d:
        raise ServiceValidationError("lookout.record with action clip needs a duration")
    out: dict[str, Any] = {}
    for entry, api, cam, eid in _targets(hass, call):
        with raise_for(cam):
            if d["action"] == "stop":
                state = await api.recording_stop(cam)
            else:
                state = await api.recording_start(cam, d.get("duration"))
        coordinator = entry.runtime_data.coordinator
        coordinator.data.recording[cam] = state
        coordinator.async_update_listeners()
        out[eid] = {"recording": state.get("recording"), "ends_at": (state.get("current") or {}).get("endsAt")}
    return out


async def _snapshot(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    out: dict[str, Any] = {}
    for entry, api, cam, eid in _targets(hass, call):
        profile = call.data.get("profile") or entry.options.get(CONF_SNAPSHOT_PROFILE, DEFAULT_SNAPSHOT_PROFILE)
        name = call.data.get("filename")
        if name:
            name = name.replace("{camera}", cam).replace("{entity}", eid.split(".", 1)[-1])
        else:
            media = hass.config.media_dirs.get("local") or hass.config.path("media")
            stamp = dt_util.now().strftime("%Y%m%d-%H%M%S")
            name = os.path.join(media, "lookout", cam, f"{stamp}.jpg")
        path = Path(name)
        if not path.is_absolute():
            raise ServiceValidationError(f"filename must be an absolute path, got {name}")
        # HA writes only where the user allowed it: allowlist_external_dirs (which includes the
        # media folders, /media on HA OS). The parent may not exist yet, so check the path itself.
        if not hass.config.is_allowed_path(str(path)):
            raise ServiceValidationError(
                f"{path} is not in allowlist_external_dirs; add its folder there (homeassistant: "
                "allowlist_external_dirs) or write under a media folder"
            )
        with raise_for(cam):
            jpeg = await api.snapshot(cam, profile)

        await hass.async_add_executor_job(_write_atomically, path, jpeg)
        out[eid] = {"path": str(path), "bytes": len(jpeg), "taken_at": datetime.now().astimezone().isoformat()}
    return out


def _write_atomically(path: Path, data: bytes) -> None:
    """A reader (the media browser, an automation) never sees half a JPEG."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def async_register_services(hass: HomeAssistant) -> None:
    if hass.services.has_service(DOMAIN, "ptz"):
        return
    hass.services.async_register(DOMAIN, "ptz", partial(_ptz, hass), schema=PTZ_SCHEMA)
    hass.services.async_register(DOMAIN, "goto_preset", partial(_goto_preset, hass), schema=PRESET_SCHEMA)
    hass.services.async_register(
        DOMAIN, "record", partial(_record, hass), schema=RECORD_SCHEMA, supports_response=SupportsResponse.OPTIONAL
    )
    hass.services.async_register(
        DOMAIN,
        "snapshot",
        partial(_snapshot, hass),
        schema=SNAPSHOT_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
