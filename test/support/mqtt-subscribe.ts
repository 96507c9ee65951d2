import type { MqttClient } from 'mqtt';

/** The SUBACK code for `topic`: 0 granted, 128 refused (MQTT.js reports 128 as an error). */
export function subscribe(client: MqttClient, topic: string): Promise<number> {
  return new Promise((resolve, reject) =>
    client.subscribe(topic, { qos: 0 }, (error, granted) => {
      const refused = (error as { packet?: { granted?: number[] } } | null)?.packet?.granted?.[0];
      if (refused !== undefined) resolve(refused);
      else if (error) reject(error);
      else resolve(granted?.[0]?.qos ?? -1);
    }),
  );
}
