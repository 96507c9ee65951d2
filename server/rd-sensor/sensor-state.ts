import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { readIfPresent, SECRET_FILE_MODE, writeFileAtomically } from '../pki/pki-files.js';

/**
 * What a sensor keeps across restarts, in one file (mode 0600: it holds the sensor's key): its
 * identity as an agent of the server, and every MAC the server acknowledged. A MAC in
 * `reported` is never sent again, whatever the sensor sees later; the file is written
 * (atomically) after each acknowledged report, before the next is sent.
 */
export interface SensorIdentity {
  readonly agentId: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export interface SensorStateFile {
  readonly version: 1;
  readonly serverUrl: string;
  readonly identity: SensorIdentity;
  /** MAC -> when the server acknowledged it. */
  readonly reported: Record<string, string>;
}

export async function readSensorState(file: string): Promise<SensorStateFile | null> {
  const text = await readIfPresent(file);
  if (text === null) return null;
  let value: Partial<SensorStateFile>;
  try {
    value = JSON.parse(text) as Partial<SensorStateFile>;
  } catch {
    throw new Error(`--state-file ${file} is not JSON; move it away to enroll the sensor again`);
  }
  const id = value.identity;
  if (
    value.version !== 1 ||
    !id ||
    typeof id.agentId !== 'string' ||
    typeof id.certPem !== 'string' ||
    typeof id.keyPem !== 'string' ||
    typeof value.reported !== 'object' ||
    value.reported === null
  ) {
    throw new Error(
      `--state-file ${file} is not a sensor state file; move it away to enroll the sensor again`,
    );
  }
  return value as SensorStateFile;
}

export async function writeSensorState(file: string, state: SensorStateFile): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFileAtomically(file, JSON.stringify(state), SECRET_FILE_MODE);
}
