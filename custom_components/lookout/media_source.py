"""Recordings in HA's media browser: Lookout ▸ camera ▸ day ▸ clip (with thumbnails).

Identifiers: `<entry_id>`, `<entry_id>/<camera>`, `<entry_id>/<camera>/<YYYY-MM-DD>`,
`<entry_id>/<camera>/<YYYY-MM-DD>/<recording id>`. Days are in HA's time zone. Clips play through
the integration's proxy view (HA signs the path for the player; the Lookout token stays in HA).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from homeassistant.components.media_player import MediaClass, MediaType
from homeassistant.components.media_source.error import MediaSourceError, Unresolvable
from homeassistant.components.media_source.models import (
    BrowseMediaSource,
    MediaSource,
    MediaSourceItem,
    PlayMedia,
)
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .api import LookoutError
from .const import DOMAIN, RECORDING_VIEW_URL, THUMBNAIL_VIEW_URL


async def async_get_media_source(hass: HomeAssistant) -> MediaSource:
    return LookoutMediaSource(hass)


def _day(rec: dict[str, Any]) -> str:
    start = dt_util.parse_datetime(rec["start"])
    return dt_util.as_local(start).date().isoformat() if start else rec["start"][:10]


def _clip_title(rec: dict[str, Any]) -> str:
    start = dt_util.parse_datetime(rec["start"])
    at = dt_util.as_local(start).strftime("%H:%M:%S") if start else rec["start"]
    return f"{at} {rec.get('trigger', rec.get('mode', ''))} ({round(rec.get('durationS', 0))} s)"


class LookoutMediaSource(MediaSource):
    name = "Lookout"

    def __init__(self, hass: HomeAssistant) -> None:
        super().__init__(DOMAIN)
        self.hass = hass

    def _runtimes(self):
        from . import loaded_runtimes

        return loaded_runtimes(self.hass)

    def _runtime(self, entry_id: str):
        for entry, runtime in self._runtimes():
            if entry.entry_id == entry_id:
                return entry, runtime
        raise Unresolvable(f"no loaded Lookout {entry_id}")

    async def async_resolve_media(self, item: MediaSourceItem) -> PlayMedia:
        parts = (item.identifier or "").split("/")
        if len(parts) != 4:
            raise Unresolvable(f"not a Lookout clip: {item.identifier}")
        entry_id, _camera, _day_, rec_id = parts
        self._runtime(entry_id)
        return PlayMedia(RECORDING_VIEW_URL.format(entry_id=entry_id, recording_id=rec_id), "video/mp4")

    async def async_browse_media(self, item: MediaSourceItem) -> BrowseMediaSource:
        parts = [p for p in (item.identifier or "").split("/") if p]
        try:
            if not parts:
                runtimes = self._runtimes()
                if len(runtimes) == 1:
                    return await self._browse_entry(*runtimes[0], root=True)
                return self._dir("", "Lookout", [await self._browse_entry(e, r, expand=False) for e, r in runtimes])
            entry, runtime = self._runtime(parts[0])
            if len(parts) == 1:
                return await self._browse_entry(entry, runtime)
            if len(parts) in (2, 3):
                return await self._browse_camera(entry, runtime, parts[1], parts[2] if len(parts) == 3 else None)
        except LookoutError as err:
            raise MediaSourceError(f"Lookout: {err}") from err
        raise Unresolvable(f"unknown Lookout media {item.identifier}")

    def _dir(self, identifier: str, title: str, children: list[BrowseMediaSource] | None, thumb: str | None = None):
        # <entry>/<camera>/<day> holds clips; every level above holds folders.
        holds_clips = identifier.count("/") == 2
        return BrowseMediaSource(
            domain=DOMAIN,
            identifier=identifier,
            media_class=MediaClass.DIRECTORY,
            media_content_type=MediaType.VIDEO,
            title=title,
            can_play=False,
            can_expand=True,
            children=children,
            children_media_class=MediaClass.VIDEO if holds_clips else MediaClass.DIRECTORY,
            thumbnail=thumb,
        )

    async def _browse_entry(self, entry, runtime, *, expand: bool = True, root: bool = False):
        title = "Lookout" if root else entry.title
        if not expand:
            return self._dir(entry.entry_id, title, None)
        cameras = runtime.coordinator.data.cameras if runtime.coordinator.data else {}
        children = [self._dir(f"{entry.entry_id}/{cid}", cam.get("name") or cid, None) for cid, cam in cameras.items()]
        return self._dir(entry.entry_id, title, children)

    async def _browse_camera(self, entry, runtime, camera: str, day: str | None):
        recs = await runtime.api.recordings(camera)
        recs.sort(key=lambda r: r["start"], reverse=True)
        by_day: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
        for rec in recs:
            by_day.setdefault(_day(rec), []).append(rec)
        cam = (runtime.coordinator.data.cameras if runtime.coordinator.data else {}).get(camera, {})
        base = f"{entry.entry_id}/{camera}"
        if day is None:
            children = [
                self._dir(
                    f"{base}/{d}",
                    f"{d} ({len(items)})",
                    None,
                    THUMBNAIL_VIEW_URL.format(entry_id=entry.entry_id, recording_id=items[0]["id"]),
                )
                for d, items in by_day.items()
            ]
            return self._dir(base, cam.get("name") or camera, children)
        clips = [
            BrowseMediaSource(
                domain=DOMAIN,
                identifier=f"{base}/{day}/{rec['id']}",
                media_class=MediaClass.VIDEO,
                media_content_type="video/mp4",
                title=_clip_title(rec),
                can_play=True,
                can_expand=False,
                thumbnail=THUMBNAIL_VIEW_URL.format(entry_id=entry.entry_id, recording_id=rec["id"]),
            )
            for rec in by_day.get(day, [])
        ]
        return self._dir(f"{base}/{day}", f"{cam.get('name') or camera} {day}", clips)
