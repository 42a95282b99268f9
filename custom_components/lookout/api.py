"""Lookout's HTTP API as the integration uses it (aiohttp, HA's shared session).

Every request carries the Bearer token when one is configured, and every POST/PUT a JSON body with
`content-type: application/json` (Lookout refuses other bodies). Errors become three exceptions the
rest of the integration maps to HA's: wrong token → LookoutAuthError (reauth), unreachable →
LookoutConnectionError (entities unavailable, setup retried), anything else → LookoutApiError with
Lookout's own `{error: {code, message}}`.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import aiohttp

from .const import REQUEST_TIMEOUT_S


class LookoutError(Exception):
    """Base of the errors below."""


class LookoutConnectionError(LookoutError):
    """Lookout did not answer (refused, timed out, DNS)."""


class LookoutAuthError(LookoutError):
    """Lookout refused the token (401/403)."""


class LookoutApiError(LookoutError):
    """Lookout answered with an error."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}" if code else message)
        self.status = status
        self.code = code


def _seg(value: str) -> str:
    """One path segment (camera ids, preset names, recording ids are never paths)."""
    return quote(value, safe="")


class LookoutApi:
    """A thin client: one method per API route the integration needs."""

    def __init__(self, session: aiohttp.ClientSession, url: str, token: str | None) -> None:
        self._session = session
        self.url = url.rstrip("/")
        self._token = token or None

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"accept": "application/json"}
        if self._token:
            headers["authorization"] = f"Bearer {self._token}"
        if extra:
            headers.update(extra)
        return headers

    async def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        params: dict[str, str] | None = None,
        raw: bool = False,
    ) -> Any:
        """JSON answer (or bytes with raw=True); raises one of the errors above."""
        data = None
        extra = None
        if method in ("POST", "PUT", "PATCH"):
            data = json.dumps(body or {})
            extra = {"content-type": "application/json"}
        try:
            async with self._session.request(
                method,
                f"{self.url}{path}",
                data=data,
                params=params,
                headers=self.headers(extra),
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S),
            ) as resp:
                if resp.status in (401, 403):
                    raise LookoutAuthError(f"Lookout refused the token ({resp.status})")
                if resp.status >= 400:
                    code, message = "", resp.reason or str(resp.status)
                    try:
                        err = (await resp.json(content_type=None))["error"]
                        code, message = str(err.get("code", "")), str(err.get("message", ""))
                    except (ValueError, KeyError, TypeError, aiohttp.ClientError):
                        pass
                    raise LookoutApiError(resp.status, code, message)
                if resp.status == 204:
                    return None
                if raw:
                    return await resp.read()
                return await resp.json(content_type=None)
        except (TimeoutError, aiohttp.ClientError) as err:
            raise LookoutConnectionError(f"cannot reach Lookout at {self.url}: {err!r}") from err

    # --- reads
    async def health(self) -> dict[str, Any]:
        return await self.request("GET", "/api/health")

    async def cameras(self) -> list[dict[str, Any]]:
        return (await self.request("GET", "/api/cameras"))["cameras"]

    async def events(self) -> dict[str, Any]:
        return await self.request("GET", "/api/events")

    async def recording_state(self, camera: str) -> dict[str, Any]:
        return await self.request("GET", f"/api/cameras/{_seg(camera)}/recording")

    async def presets(self, camera: str) -> list[str]:
        answer = await self.request("GET", f"/api/cameras/{_seg(camera)}/presets")
        return [p["name"] for p in answer["presets"]]

    async def snapshot(self, camera: str, profile: str) -> bytes:
        return await self.request("GET", f"/api/cameras/{_seg(camera)}/snapshot", params={"profile": profile}, raw=True)

    async def recordings(self, camera: str | None = None) -> list[dict[str, Any]]:
        params = {"camera": camera} if camera else None
        return (await self.request("GET", "/api/recordings", params=params))["recordings"]

    async def recording(self, recording_id: str) -> dict[str, Any] | None:
        for rec in await self.recordings():
            if rec["id"] == recording_id:
                return rec
        return None

    async def thumbnail(self, recording_id: str) -> bytes:
        return await self.request("GET", f"/api/recordings/{_seg(recording_id)}/thumbnail", raw=True)

    def recording_url(self, recording_id: str) -> str:
        return f"{self.url}/api/recordings/{_seg(recording_id)}"

    # --- commands
    async def ptz_move(self, camera: str, pan: float, tilt: float, zoom: float, timeout_ms: int) -> Any:
        body = {"pan": pan, "tilt": tilt, "zoom": zoom, "timeout_ms": timeout_ms}
        return await self.request("POST", f"/api/cameras/{_seg(camera)}/ptz/move", body)

    async def ptz_stop(self, camera: str) -> Any:
        return await self.request("POST", f"/api/cameras/{_seg(camera)}/ptz/stop", {})

    async def ptz_home(self, camera: str) -> Any:
        return await self.request("POST", f"/api/cameras/{_seg(camera)}/ptz/home", {})

    async def goto_preset(self, camera: str, preset: str) -> Any:
        return await self.request("POST", f"/api/cameras/{_seg(camera)}/presets/{_seg(preset)}/goto", {})

    async def recording_start(self, camera: str, duration_s: float | None = None) -> dict[str, Any]:
        body = {} if duration_s is None else {"duration_s": duration_s}
        return await self.request("POST", f"/api/cameras/{_seg(camera)}/recording/start", body)

    async def recording_stop(self, camera: str) -> dict[str, Any]:
        return await self.request("POST", f"/api/cameras/{_seg(camera)}/recording/stop", {})
