"""Diagnostics download: the entry (token redacted), options, and what Lookout reports. Lookout's
answers carry no credentials; restream URLs may (user:password@), so URL user-info is masked too."""

from __future__ import annotations

import re
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from .const import CONF_TOKEN

TO_REDACT = {CONF_TOKEN, "password", "username", "access_token"}
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


def _mask_urls(value: Any) -> Any:
    if isinstance(value, str):
        return _USERINFO.sub("**REDACTED**@", value)
    if isinstance(value, dict):
        return {k: _mask_urls(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_urls(v) for v in value]
    return value


async def async_get_config_entry_diagnostics(hass: HomeAssistant, entry: ConfigEntry) -> dict[str, Any]:
    runtime = getattr(entry, "runtime_data", None)
    data = runtime.coordinator.data if runtime else None
    return _mask_urls(
        async_redact_data(
            {
                "entry": {"title": entry.title, "data": dict(entry.data), "options": dict(entry.options)},
                "lookout": None
                if data is None
                else {
                    "health": data.health,
                    "cameras": data.cameras,
                    "recording": data.recording,
                    "presets": data.presets,
                    "motion": data.motion,
                },
                "camera_entities": dict(runtime.camera_entities) if runtime else {},
            },
            TO_REDACT,
        )
    )
