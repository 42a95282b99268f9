"""HA views that proxy Lookout's recordings and their thumbnails to the media browser.

Lookout wants its token, which must never reach a browser; these views are behind HA's own
authentication (the media source hands out signed paths to them), take the Range header through
so the player can seek, and stream the file instead of buffering it.
"""

from __future__ import annotations

from http import HTTPStatus

from aiohttp import web
from homeassistant.components.http import HomeAssistantView
from homeassistant.core import HomeAssistant

from .api import LookoutApi, LookoutApiError, LookoutError
from .const import DOMAIN, RECORDING_VIEW_URL, THUMBNAIL_VIEW_URL

_COPIED = ("content-type", "content-length", "content-range", "accept-ranges", "cache-control")


class _LookoutView(HomeAssistantView):
    requires_auth = True

    @staticmethod
    def _api(request: web.Request, entry_id: str) -> LookoutApi:
        """The client of the loaded Lookout entry the path names; 404 for any other id."""
        from . import loaded_runtimes

        for entry, runtime in loaded_runtimes(request.app["hass"]):
            if entry.entry_id == entry_id:
                return runtime.api
        raise web.HTTPNotFound()


class LookoutRecordingView(_LookoutView):
    url = RECORDING_VIEW_URL
    name = "api:lookout:recording"

    async def get(self, request: web.Request, entry_id: str, recording_id: str) -> web.StreamResponse:
        api = self._api(request, entry_id)
        extra = {"range": request.headers["range"]} if "range" in request.headers else None
        async with api._session.get(  # noqa: SLF001 - HA's shared session, owned by the client
            api.recording_url(recording_id), headers=api.headers(extra)
        ) as upstream:
            if upstream.status >= 400 and upstream.status != HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE:
                raise web.HTTPNotFound() if upstream.status == 404 else web.HTTPBadGateway()
            resp = web.StreamResponse(status=upstream.status)
            for name in _COPIED:
                if name in upstream.headers:
                    resp.headers[name] = upstream.headers[name]
            await resp.prepare(request)
            async for chunk in upstream.content.iter_chunked(64 * 1024):
                await resp.write(chunk)
            await resp.write_eof()
            return resp


class LookoutThumbnailView(_LookoutView):
    url = THUMBNAIL_VIEW_URL
    name = "api:lookout:thumbnail"

    async def get(self, request: web.Request, entry_id: str, recording_id: str) -> web.Response:
        api = self._api(request, entry_id)
        try:
            jpeg = await api.thumbnail(recording_id)
        except LookoutApiError as err:
            raise (web.HTTPNotFound() if err.status in (400, 404) else web.HTTPBadGateway()) from err
        except LookoutError as err:
            raise web.HTTPBadGateway() from err
        return web.Response(body=jpeg, content_type="image/jpeg", headers={"cache-control": "private, max-age=86400"})


def async_register_views(hass: HomeAssistant) -> None:
    if hass.data.setdefault(DOMAIN, {}).get("views"):
        return
    hass.http.register_view(LookoutRecordingView())
    hass.http.register_view(LookoutThumbnailView())
    hass.data[DOMAIN]["views"] = True
