"""The Lookout integration in real Home Assistant core (pytest-homeassistant-custom-component)
against a running Lookout (conftest.peer): config flow, discovery, reauth, options, entities and
devices, camera stream and image, services reaching Lookout and the ONVIF device, recordings in the
media source, diagnostics, the card, reload and unload."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import time
from typing import Any

from homeassistant import config_entries
from homeassistant.components import media_source
from homeassistant.components.camera import CameraEntityFeature, async_get_image
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.lookout.const import DOMAIN, SCAN_INTERVAL

try:  # HA 2025.1+
    from homeassistant.helpers.service_info.hassio import HassioServiceInfo
except ImportError:
    from homeassistant.components.hassio import HassioServiceInfo

from conftest import INSTALLED, REPO, Peer


def unique_id_of(peer: Peer) -> str:
    return peer.url.split("://", 1)[1]


async def setup_entry(hass: HomeAssistant, peer: Peer, token: str | None = None, **options: Any) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Lookout",
        unique_id=unique_id_of(peer),
        data={"url": peer.url, "token": peer.token if token is None else token},
        options=options,
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def wait_for(pred, seconds: float = 20.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = await pred()
        if value:
            return value
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def camera_entity(hass: HomeAssistant, entity_id: str):
    return hass.data["camera"].get_entity(entity_id)


def test_ha_loads_the_integration_from_the_release_zip() -> None:
    import custom_components.lookout as integration

    assert integration.__file__.startswith(str(INSTALLED)), integration.__file__
    assert (INSTALLED / "frontend" / "lookout-card.js").is_file()


# --- config flow


async def test_user_flow_validates_url_and_token(hass: HomeAssistant, peer: Peer) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    assert result["type"] == FlowResultType.FORM and result["step_id"] == "user"

    # Nothing listens there: cannot_connect.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"url": "http://127.0.0.1:1", "token": peer.token}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    # A wrong token: invalid_auth (Lookout answers 401).
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"url": peer.url, "token": "wrong"})
    assert result["errors"] == {"base": "invalid_auth"}
    # Credentials in the URL are refused: the token has its own field.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"url": peer.url.replace("://", "://u:p@"), "token": peer.token}
    )
    assert result["errors"] == {"url": "credentials_in_url"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"url": peer.url + "/", "token": peer.token}
    )
    assert result["type"] == FlowResultType.CREATE_ENTRY, result
    assert result["data"] == {"url": peer.url, "token": peer.token}
    entry = result["result"]
    await hass.async_block_till_done()
    assert entry.unique_id == unique_id_of(peer)
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get("camera.dome") is not None

    # The same Lookout again: aborted.
    again = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    again = await hass.config_entries.flow.async_configure(again["flow_id"], {"url": peer.url, "token": peer.token})
    assert again["type"] == FlowResultType.ABORT and again["reason"] == "already_configured"
    await hass.config_entries.async_unload(entry.entry_id)


async def test_supervisor_discovery_only_asks_to_confirm(hass: HomeAssistant, peer: Peer) -> None:
    host, port = unique_id_of(peer).split(":")
    info = HassioServiceInfo(
        config={"host": host, "port": int(port), "token": peer.token},
        name="Lookout",
        slug="local_lookout",
        uuid="1234",
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_HASSIO}, data=info
    )
    assert result["type"] == FlowResultType.FORM and result["step_id"] == "hassio_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] == FlowResultType.CREATE_ENTRY, result
    assert result["result"].unique_id == "addon_local_lookout"
    assert result["data"]["url"] == peer.url
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED
    # Discovered again (add-on restart): no second entry, the address is updated in place.
    again = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_HASSIO}, data=info
    )
    assert again["type"] == FlowResultType.ABORT and again["reason"] == "already_configured"
    await hass.config_entries.async_unload(result["result"].entry_id)


async def test_reauth_when_the_token_changed(hass: HomeAssistant, peer: Peer) -> None:
    entry = await setup_entry(hass, peer, token="old-token")
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = [f for f in hass.config_entries.flow.async_progress() if f["handler"] == DOMAIN]
    assert len(flows) == 1 and flows[0]["context"]["source"] == config_entries.SOURCE_REAUTH
    flow_id = flows[0]["flow_id"]
    result = await hass.config_entries.flow.async_configure(flow_id, {"token": "still-wrong"})
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(flow_id, {"token": peer.token})
    assert result["type"] == FlowResultType.ABORT and result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.data["token"] == peer.token
    assert entry.state is ConfigEntryState.LOADED
    await hass.config_entries.async_unload(entry.entry_id)


async def test_unreachable_lookout_is_retried_not_failed(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(domain=DOMAIN, unique_id="127.0.0.1:9", data={"url": "http://127.0.0.1:9", "token": "t"})
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY  # HA tries again later by itself
    assert not [f for f in hass.config_entries.flow.async_progress() if f["handler"] == DOMAIN]  # no reauth
    await hass.config_entries.async_unload(entry.entry_id)


async def test_options_choose_stream_profile_and_entities(hass: HomeAssistant, peer: Peer) -> None:
    entry = await setup_entry(hass, peer)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] == FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"stream_profile": "sub", "snapshot_profile": "main", "expose": ["recording"]}
    )
    assert result["type"] == FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()  # the update listener reloads the entry
    assert entry.state is ConfigEntryState.LOADED
    assert camera_entity(hass, "camera.dome")._stream_profile == "sub"
    ents = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    platforms = {e.domain for e in ents if hass.states.get(e.entity_id) is not None}
    assert platforms == {"camera", "switch"}, platforms
    await hass.config_entries.async_unload(entry.entry_id)


# --- entities


async def test_entities_devices_and_unique_ids(hass: HomeAssistant, peer: Peer) -> None:
    entry = await setup_entry(hass, peer)
    ents = {e.unique_id: e for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)}
    uid = entry.unique_id
    expected_dome = {
        f"{uid}_dome_camera",
        f"{uid}_dome_motion",
        f"{uid}_dome_recording",
        f"{uid}_dome_preset",
        f"{uid}_dome_ptz_home",
        f"{uid}_dome_ptz_stop",
        f"{uid}_dome_stream_main",
        f"{uid}_dome_stream_sub",
    }
    expected_yard = {f"{uid}_yard_camera", f"{uid}_yard_recording", f"{uid}_yard_stream_main", f"{uid}_yard_stream_sub"}
    assert set(ents) == expected_dome | expected_yard, sorted(ents)

    devices = dr.async_get(hass)
    dome = devices.async_get_device(identifiers={(DOMAIN, f"{uid}_dome")})
    # Manufacturer from Lookout's vendor registry (none for generic/ONVIF), model as MQTT names it.
    assert dome is not None and dome.name == "Dome" and dome.manufacturer is None and dome.model == "onvif camera"
    hub = devices.async_get(dome.via_device_id) if dome.via_device_id else None
    # The hub device exists once an entity names it (via_device); every camera hangs off it.
    assert ents[f"{uid}_dome_camera"].device_id == dome.id
    assert ents[f"{uid}_dome_camera"].entity_id == "camera.dome"
    yard = devices.async_get_device(identifiers={(DOMAIN, f"{uid}_yard")})
    assert yard is not None and yard.model == "Camera"
    assert hub is None or hub.identifiers == {(DOMAIN, uid)}

    state = hass.states.get("camera.dome")
    assert state.attributes["model_name"] == "onvif camera"
    assert hass.states.get("select.dome_preset").attributes["options"] == ["Porch", "Gate"]
    assert hass.states.get("switch.dome_recording").state == "off"
    assert hass.states.get("sensor.dome_stream_main").state in ("idle", "starting", "live", "stopping")
    await hass.config_entries.async_unload(entry.entry_id)


async def test_camera_image_is_a_jpeg(hass: HomeAssistant, peer: Peer) -> None:
    entry = await setup_entry(hass, peer)
    image = await async_get_image(hass, "camera.yard", timeout=20)
    assert image.content_type == "image/jpeg"
    assert image.content[:2] == b"\xff\xd8" and image.content[-2:] == b"\xff\xd9", image.content[:8]
    assert len(image.content) > 1000
    await hass.config_entries.async_unload(entry.entry_id)


async def test_stream_source_is_the_restream_and_ffmpeg_reads_frames(hass: HomeAssistant, peer: Peer) -> None:
    entry = await setup_entry(hass, peer)
    cam = await hass.async_add_executor_job(peer.get, "/api/cameras/dome")
    assert (cam.get("gateway") or {}).get("restream"), "the peer runs the MediaMTX gateway"
    entity = camera_entity(hass, "camera.dome")
    assert entity.supported_features & CameraEntityFeature.STREAM
    url = await entity.stream_source()
    main = next(r for r in cam["gateway"]["restream"] if r["profile"] == "main")
    # The restream URL with the read-only credential Lookout generated for restream clients.
    assert url == main["url"].replace("rtsp://", f"rtsp://{main['username']}:{main['password']}@"), url
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg, "ffmpeg is installed by scripts/setup.sh"
    proc = await asyncio.create_subprocess_exec(
        ffmpeg, "-hide_banner", "-nostdin", "-rtsp_transport", "tcp", "-i", url,
        "-frames:v", "10", "-f", "null", "-",
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    text = err.decode(errors="replace")
    assert proc.returncode == 0, text[-2000:]
    assert re.search(r"frame=\s*10\b", text) and "Video: h264" in text, text[-2000:]
    # (MediaMTX lets loopback read without a credential, for Lookout's own FFmpeg, so a refusal of
    # an anonymous reader cannot be shown from 127.0.0.1; the gateway's own tests cover its users.)
    await hass.config_entries.async_unload(entry.entry_id)


async def test_ha_stream_plays_the_restream_as_hls(
    hass: HomeAssistant, peer: Peer, hass_ws_client, hass_client
) -> None:
    """HA's own stream integration (what the frontend's camera views and cards use) opens the
    restream and serves HLS: the playlist lists segments and a segment is fMP4 video."""
    assert await async_setup_component(hass, "stream", {})
    entry = await setup_entry(hass, peer)
    ws = await hass_ws_client(hass)
    started = time.monotonic()
    await ws.send_json({"id": 1, "type": "camera/stream", "entity_id": "camera.dome", "format": "hls"})
    answer = await ws.receive_json()
    assert answer["success"], answer
    master_url = answer["result"]["url"]
    client = await hass_client()

    async def playlist():
        resp = await client.get(master_url)
        if resp.status != 200:
            return None
        master = await resp.text()
        media = next(line for line in master.splitlines() if line and not line.startswith("#"))
        resp = await client.get(master_url.rsplit("/", 1)[0] + "/" + media)
        text = await resp.text() if resp.status == 200 else ""
        return (media, text) if "#EXTINF" in text else None

    media, text = await wait_for(playlist, 40, "HA's HLS playlist with a segment")
    print(f"# HA stream: HLS playlist with a segment {time.monotonic() - started:.1f} s after camera/stream")
    base = master_url.rsplit("/", 1)[0] + "/"
    init = await client.get(base + "init.mp4")
    assert init.status == 200 and (await init.read())[4:8] == b"ftyp"
    segment = next(line for line in text.splitlines() if line and not line.startswith("#"))
    seg = await client.get(base + segment)
    body = await seg.read()
    assert seg.status == 200 and b"moof" in body[:4096] and len(body) > 1000, (seg.status, len(body))
    await hass.config_entries.async_unload(entry.entry_id)


async def test_motion_is_pushed_from_lookouts_event_stream(hass: HomeAssistant, peer: Peer) -> None:
    entry = await setup_entry(hass, peer)
    assert hass.states.get("binary_sensor.yard_motion") is None  # no event source: no sensor
    assert camera_entity(hass, "camera.dome").motion_detection_enabled

    async def motion_is(value: str):
        state = hass.states.get("binary_sensor.dome_motion")
        return state is not None and state.state == value

    for active, value in ((True, "on"), (False, "off"), (True, "on")):
        started = time.monotonic()
        await hass.async_add_executor_job(peer.motion, active)
        # "on" well inside the 10 s poll: it came over the event stream. "off" follows Lookout's
        # 5 s off-delay.
        await wait_for(lambda v=value: motion_is(v), 3 if active else 12, f"motion {value}")
        print(f"# motion {value} in HA {time.monotonic() - started:.2f} s after the camera's event")
    await hass.async_add_executor_job(peer.motion, False)
    await hass.config_entries.async_unload(entry.entry_id)


# --- services


async def test_ptz_and_preset_services_reach_the_onvif_device(hass: HomeAssistant, peer: Peer) -> None:
    entry = await setup_entry(hass, peer)
    before = time.time() * 1000
    await hass.services.async_call(
        DOMAIN, "ptz", {"entity_id": "camera.dome", "action": "move", "pan": 0.5, "duration": 0.5}, blocking=True
    )
    moves = [c for c in (await hass.async_add_executor_job(peer.onvif_calls, "ContinuousMove")) if c["time"] >= before]
    assert moves and moves[-1]["params"]["velocity"]["x"] == 0.5, moves

    # The move stops by itself after the duration (Lookout's safety stop).
    async def stopped():
        return [c for c in await hass.async_add_executor_job(peer.onvif_calls, "Stop") if c["time"] >= before]

    await wait_for(stopped, 5, "Stop after the duration")
    await hass.services.async_call(DOMAIN, "ptz", {"entity_id": "camera.dome", "action": "home"}, blocking=True)
    assert [c for c in (await hass.async_add_executor_job(peer.onvif_calls, "GotoHomePosition")) if c["time"] >= before]

    await hass.services.async_call(DOMAIN, "goto_preset", {"entity_id": "camera.dome", "preset": "Gate"}, blocking=True)
    gotos = [c for c in (await hass.async_add_executor_job(peer.onvif_calls, "GotoPreset")) if c["time"] >= before]
    assert gotos and gotos[-1]["params"]["presetToken"] == "tok-gate", gotos
    # The preset select does the same.
    await hass.services.async_call(
        "select", "select_option", {"entity_id": "select.dome_preset", "option": "Porch"}, blocking=True
    )
    gotos = [c for c in (await hass.async_add_executor_job(peer.onvif_calls, "GotoPreset")) if c["time"] >= before]
    assert gotos[-1]["params"]["presetToken"] == "tok-porch"
    assert hass.states.get("select.dome_preset").state == "Porch"

    with pytest.raises(ServiceValidationError, match="preset"):
        await hass.services.async_call(
            DOMAIN, "goto_preset", {"entity_id": "camera.dome", "preset": "Nope"}, blocking=True
        )
    with pytest.raises(ServiceValidationError):  # yard has no PTZ: Lookout says so, HA shows it
        await hass.services.async_call(DOMAIN, "ptz", {"entity_id": "camera.yard", "action": "stop"}, blocking=True)
    with pytest.raises(ServiceValidationError, match="not a Lookout camera"):
        await hass.services.async_call(DOMAIN, "ptz", {"entity_id": "camera.other", "action": "stop"}, blocking=True)
    await hass.config_entries.async_unload(entry.entry_id)


async def test_record_service_and_recordings_in_the_media_browser(
    hass: HomeAssistant, peer: Peer, hass_client, hass_client_no_auth
) -> None:
    assert await async_setup_component(hass, "media_source", {})
    entry = await setup_entry(hass, peer)
    known = {
        r["id"] for r in (await hass.async_add_executor_job(peer.get, "/api/recordings?camera=yard"))["recordings"]
    }
    answer = await hass.services.async_call(
        DOMAIN,
        "record",
        {"entity_id": "camera.yard", "action": "clip", "duration": 2},
        blocking=True,
        return_response=True,
    )
    assert answer["camera.yard"]["recording"] is True, answer
    assert hass.states.get("switch.yard_recording").state == "on"
    assert hass.states.get("camera.yard").state == "recording"

    async def new_clip():
        recs = [
            r
            for r in (await hass.async_add_executor_job(peer.get, "/api/recordings?camera=yard"))["recordings"]
            if r["id"] not in known
        ]
        return recs[0] if recs else None

    clip = await wait_for(new_clip, 30, "the 2 s clip in Lookout's index")
    assert clip["durationS"] >= 1.5

    root = await media_source.async_browse_media(hass, f"media-source://{DOMAIN}")
    assert {c.title for c in root.children} == {"Dome", "Yard"}
    yard = await media_source.async_browse_media(hass, f"media-source://{DOMAIN}/{entry.entry_id}/yard")
    assert yard.children, "a day folder"
    day = await media_source.async_browse_media(hass, yard.children[0].media_content_id)
    item = next(c for c in day.children if c.media_content_id.endswith(clip["id"]))
    assert item.can_play and item.media_class == "video" and item.thumbnail

    resolved = await media_source.async_resolve_media(hass, item.media_content_id, None)
    assert resolved.mime_type == "video/mp4"
    client = await hass_client()
    whole = await client.get(resolved.url)
    assert whole.status == 200
    body = await whole.read()
    assert body[4:8] == b"ftyp" and len(body) == clip["size"]
    part = await client.get(resolved.url, headers={"range": "bytes=0-99"})
    assert part.status == 206 and len(await part.read()) == 100
    thumb = await client.get(item.thumbnail)
    assert thumb.status == 200 and (await thumb.read())[:2] == b"\xff\xd8"
    # Without HA's authentication, nothing.
    anon = await (await hass_client_no_auth()).get(resolved.url)
    assert anon.status == 401

    await hass.services.async_call(DOMAIN, "record", {"entity_id": "camera.yard", "action": "stop"}, blocking=True)
    with pytest.raises(ServiceValidationError, match="duration"):
        await hass.services.async_call(DOMAIN, "record", {"entity_id": "camera.yard", "action": "clip"}, blocking=True)
    await hass.config_entries.async_unload(entry.entry_id)


async def test_snapshot_service_writes_only_to_allowlisted_folders(hass: HomeAssistant, peer: Peer, tmp_path) -> None:
    entry = await setup_entry(hass, peer)
    allowed = tmp_path / "media"
    allowed.mkdir()
    hass.config.allowlist_external_dirs = {str(allowed)}
    target = allowed / "lookout" / "{camera}.jpg"
    answer = await hass.services.async_call(
        DOMAIN, "snapshot", {"entity_id": "camera.yard", "filename": str(target)}, blocking=True, return_response=True
    )
    written = allowed / "lookout" / "yard.jpg"
    assert answer["camera.yard"]["path"] == str(written)
    data = written.read_bytes()
    assert data[:2] == b"\xff\xd8" and len(data) == answer["camera.yard"]["bytes"]
    with pytest.raises(ServiceValidationError, match="allowlist_external_dirs"):
        await hass.services.async_call(
            DOMAIN, "snapshot", {"entity_id": "camera.yard", "filename": str(tmp_path / "elsewhere.jpg")}, blocking=True
        )
    assert not (tmp_path / "elsewhere.jpg").exists()
    await hass.config_entries.async_unload(entry.entry_id)


async def test_repairs_says_when_mqtt_discovery_duplicates_the_cameras(hass: HomeAssistant, peer: Peer) -> None:
    from homeassistant.helpers import issue_registry as ir

    # What Lookout's MQTT discovery leaves in the registry (docs/mqtt.md: <base>_<cam>_<entity>).
    er.async_get(hass).async_get_or_create("camera", "mqtt", "lookout_dome_camera", suggested_object_id="lookout_dome")
    entry = await setup_entry(hass, peer)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"mqtt_discovery_on_{entry.entry_id}")
    assert issue is not None and "camera.lookout_dome" in issue.translation_placeholders["entities"]
    assert camera_entity(hass, "camera.dome") is not None  # ours is still made
    er.async_get(hass).async_remove("camera.lookout_dome")
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"mqtt_discovery_on_{entry.entry_id}") is None
    await hass.config_entries.async_unload(entry.entry_id)


def test_card_and_integration_share_lookouts_version() -> None:
    """The card's module URL carries the integration's version: it must move with every release."""
    manifest = json.loads((INSTALLED / "manifest.json").read_text())
    package = json.loads((REPO / "package.json").read_text())
    assert manifest["version"] == package["version"]


# --- diagnostics, card, lifecycle


async def test_diagnostics_redact_the_token(hass: HomeAssistant, peer: Peer) -> None:
    from custom_components.lookout.diagnostics import async_get_config_entry_diagnostics

    entry = await setup_entry(hass, peer)
    diag = await async_get_config_entry_diagnostics(hass, entry)
    text = json.dumps(diag)
    assert peer.token not in text
    assert diag["entry"]["data"]["token"] == "**REDACTED**"
    assert set(diag["lookout"]["cameras"]) == {"dome", "yard"}
    assert "Pw-s3cret" not in text  # the ONVIF password of the peer's camera
    for cam in (await hass.async_add_executor_job(peer.get, "/api/cameras"))["cameras"]:
        for restream in (cam.get("gateway") or {}).get("restream", []):
            assert restream["password"] not in text  # the restream credential Lookout generated
    await hass.config_entries.async_unload(entry.entry_id)


async def test_the_card_is_served_and_registered_with_its_version(hass: HomeAssistant, peer: Peer, hass_client) -> None:
    from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL, UrlManager

    # The frontend component needs the hass-frontend package (not installed for tests); its module
    # URL list is what add_extra_js_url fills, so the test provides that list as frontend would.
    hass.data[DATA_EXTRA_MODULE_URL] = UrlManager([])
    hass.config.components.add("frontend")
    entry = await setup_entry(hass, peer)
    version = json.loads((INSTALLED / "manifest.json").read_text())["version"]
    url = f"/lookout_frontend/lookout-card.js?v={version}"
    assert url in hass.data[DATA_EXTRA_MODULE_URL].urls
    client = await hass_client()
    resp = await client.get(url)
    assert resp.status == 200
    served = await resp.read()
    assert served == (REPO / "dist" / "panel" / "lookout-card.js").read_bytes()
    assert b"lookout-grid-card" in served
    await hass.config_entries.async_unload(entry.entry_id)


async def test_reload_and_unload_leave_nothing_behind(hass: HomeAssistant, peer: Peer) -> None:
    entry = await setup_entry(hass, peer)
    ids = [e.entity_id for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)]
    assert ids
    first = entry.runtime_data
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert first.coordinator._events_task.done()  # the old event stream ended
    assert entry.runtime_data is not first
    assert sorted(entry.runtime_data.camera_entities) == ["camera.dome", "camera.yard"]
    events_task = entry.runtime_data.coordinator._events_task

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert events_task.done()
    assert entry.runtime_data is None
    for entity_id in ids:
        state = hass.states.get(entity_id)
        assert state is None or state.state == "unavailable", (entity_id, state)
    # No listener of ours is left on HA's bus or in its timers.
    assert not [t for t in hass._background_tasks if "lookout" in t.get_name()]  # noqa: SLF001
    # Domain services stay (registered once in async_setup) and say there is no such camera now.
    with pytest.raises(ServiceValidationError, match="not a Lookout camera"):
        await hass.services.async_call(DOMAIN, "ptz", {"entity_id": "camera.dome", "action": "stop"}, blocking=True)


# Last in the file: it adds a camera to the session's Lookout peer, which the tests above count.
async def test_a_camera_added_to_lookout_appears_in_ha(hass: HomeAssistant, peer: Peer) -> None:
    from homeassistant.util import dt as dt_util
    from pytest_homeassistant_custom_component.common import async_fire_time_changed

    entry = await setup_entry(hass, peer)
    assert hass.states.get("camera.gate") is None
    await hass.async_add_executor_job(peer.add_camera)
    # The next poll sees the new camera and sets the entry up again.
    async_fire_time_changed(hass, dt_util.utcnow() + SCAN_INTERVAL)
    await hass.async_block_till_done()

    async def gate():
        return hass.states.get("camera.gate")

    await wait_for(gate, 15, "camera.gate")
    assert entry.state is ConfigEntryState.LOADED
    uid = entry.unique_id
    devices = dr.async_get(hass)
    assert devices.async_get_device(identifiers={(DOMAIN, f"{uid}_gate")}) is not None
    await hass.config_entries.async_unload(entry.entry_id)
