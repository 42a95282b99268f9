"""Constants shared by the Lookout integration's modules."""

from __future__ import annotations

from datetime import timedelta
import json
from pathlib import Path

DOMAIN = "lookout"

CONF_TOKEN = "token"
CONF_URL = "url"
CONF_ADDON_SLUG = "addon_slug"

# Options
CONF_STREAM_PROFILE = "stream_profile"
CONF_SNAPSHOT_PROFILE = "snapshot_profile"
CONF_EXPOSE = "expose"
PROFILES = ("main", "sub")
DEFAULT_STREAM_PROFILE = "main"
DEFAULT_SNAPSHOT_PROFILE = "sub"
# What the integration adds beside the camera entities (options flow: "what to expose").
EXPOSE_CHOICES = ("motion", "recording", "presets", "ptz", "health")
DEFAULT_EXPOSE = list(EXPOSE_CHOICES)

SCAN_INTERVAL = timedelta(seconds=10)
REQUEST_TIMEOUT_S = 10

# The card bundle shipped inside the integration (built from panel/ into the HACS release zip).
FRONTEND_DIR = Path(__file__).parent / "frontend"
CARD_FILE = "lookout-card.js"
CARD_URL_BASE = "/lookout_frontend"
VERSION: str = json.loads((Path(__file__).parent / "manifest.json").read_text())["version"]

# HA views that proxy recordings (Lookout needs its token; browsers get HA's signed paths).
RECORDING_VIEW_URL = "/api/lookout/{entry_id}/recordings/{recording_id}"
THUMBNAIL_VIEW_URL = "/api/lookout/{entry_id}/recordings/{recording_id}/thumbnail"
