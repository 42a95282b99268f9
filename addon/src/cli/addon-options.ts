/**
 * What the add-on's options (set in Home Assistant's add-on UI, turned into environment variables
 * by addon/run.sh) change in the loaded config. The options win over the file for these few
 * settings, on start and on every reload, because the UI is where an HA user looks for them:
 *
 *   LOOKOUT_API_TOKEN        server.token (at least 16 characters)
 *   LOOKOUT_MQTT_URL         mqtt.url, with LOOKOUT_MQTT_USERNAME / LOOKOUT_MQTT_PASSWORD
 *                            (unset: the file's broker, else the Supervisor's, else embedded)
 *   LOOKOUT_RECORDINGS_ROOT  recording.root (default /media/lookout in the add-on)
 *
 * The log level (LOOKOUT_LOG_LEVEL) is read by the logger itself.
 */
import type { ResolvedConfig } from '../contracts/config.js';

type Env = Readonly<Record<string, string | undefined>>;

export function applyAddonOptions(config: ResolvedConfig, env: Env): ResolvedConfig {
  const set = (name: string) => {
    const v = env[name];
    return v === undefined || v === '' ? null : v;
  };
  const token = set('LOOKOUT_API_TOKEN');
  if (token !== null && token.length < 16)
    throw new Error(`the add-on option api_token is too short (${token.length} characters); use at least 16`);
  const mqttUrl = set('LOOKOUT_MQTT_URL');
  if (mqttUrl !== null && !/^(mqtts?|wss?):\/\/[^\s/]+/.test(mqttUrl))
    throw new Error(
      'the add-on option mqtt_url must look like mqtt://host:1883 (or mqtts://, ws://, wss://)',
    );
  const root = set('LOOKOUT_RECORDINGS_ROOT');
  const secrets = [...config.secrets];
  if (token) secrets.push(token);
  const mqttPassword = set('LOOKOUT_MQTT_PASSWORD');
  if (mqttPassword) secrets.push(mqttPassword);
  return {
    ...config,
    server: token ? { ...config.server, token } : config.server,
    mqtt: mqttUrl
      ? {
          ...config.mqtt,
          enabled: true,
          url: mqttUrl,
          username: set('LOOKOUT_MQTT_USERNAME'),
          password: mqttPassword,
        }
      : config.mqtt,
    recording: root ? { ...config.recording, root } : config.recording,
    secrets,
  };
}
