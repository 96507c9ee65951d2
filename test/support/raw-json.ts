import { randomBytes } from 'node:crypto';

/** A JSON token written as is: numbers no JavaScript value prints (`1e309`, `2^63`), bad escapes. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON.stringify, except that RawJson values are written verbatim. */
export function rawJson(value: unknown): string {
  const marker = `@@raw-${randomBytes(6).toString('hex')}-`;
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof RawJson) {
      raws.push(v.text);
      return `${marker}${raws.length - 1}`;
    }
    return v;
  });
  return text.replace(
    new RegExp(`"${marker}(\\d+)"`, 'g'),
    (_m, i: string) => raws[Number(i)] ?? '',
  );
}
