import { createHash } from 'node:crypto';
import type { MobilePlatform } from '../../protocol/index.js';
import { withSeededFaker } from '../profile/faker-source.js';
import { unitDraw } from '../random.js';

/** What a simulated phone says about itself: fixed for its life, derived from (seed, index). */
export interface DeviceProfile {
  readonly platform: MobilePlatform;
  readonly osVersion: string;
  readonly model: string;
  /** The user allowed location reporting (then every check-in carries a position). */
  readonly locationAllowed: boolean;
  readonly encrypted: boolean;
  readonly appListHash: string;
  /** Home position, so reported locations stay plausible across check-ins. */
  readonly home: { readonly latitude: number; readonly longitude: number };
}

// Shares within each platform, roughly what a business fleet holds; the list order is the weight.
const ANDROID_MODELS = [
  'Pixel 8',
  'Pixel 7a',
  'Galaxy S24',
  'Galaxy S23',
  'Galaxy A54',
  'Galaxy XCover 7',
  'moto g84',
  'Xperia 10 V',
  'Nokia G42',
  'OnePlus 12',
] as const;
const IOS_MODELS = [
  'iPhone 15',
  'iPhone 15 Pro',
  'iPhone 14',
  'iPhone 13',
  'iPhone SE (3rd generation)',
  'iPad (10th generation)',
  'iPad Air (5th generation)',
] as const;
const ANDROID_VERSIONS = ['14', '13', '12', '11'] as const;
const IOS_VERSIONS = ['17.4', '17.3.1', '16.7.6', '15.8.2'] as const;

/** Salt of the profile draws, distinct from the agents' machine profiles. */
const PROFILE_SALT = 0x6d6f62;

/**
 * The profile of device `index` in a fleet of the given seed. `androidRatio` of the fleet is
 * Android; which devices those are is a seeded draw, so the same (seed, index) is always the
 * same phone, whatever the fleet size.
 */
export function deviceProfile(seed: number, index: number, androidRatio: number): DeviceProfile {
  const platform: MobilePlatform =
    unitDraw(seed, index, PROFILE_SALT) < androidRatio ? 'android' : 'ios';
  return withSeededFaker([seed, index, PROFILE_SALT], (faker) => {
    // Newer models and versions are more common: weight falls with the list position.
    const models = platform === 'android' ? ANDROID_MODELS : IOS_MODELS;
    const versions = platform === 'android' ? ANDROID_VERSIONS : IOS_VERSIONS;
    const weighted = <T>(list: readonly T[]) =>
      faker.helpers.weightedArrayElement(
        list.map((value, i) => ({ value, weight: list.length - i })),
      );
    const apps = faker.helpers.multiple(() => faker.internet.domainWord(), { count: 12 });
    return {
      platform,
      model: weighted(models),
      osVersion: weighted(versions),
      locationAllowed: faker.datatype.boolean({ probability: 0.6 }),
      // iOS encrypts always; some older Android fleets do not.
      encrypted: platform === 'ios' || faker.datatype.boolean({ probability: 0.9 }),
      appListHash: createHash('sha256').update(apps.join('\n')).digest('hex'),
      home: {
        latitude: faker.location.latitude({ min: -60, max: 70, precision: 4 }),
        longitude: faker.location.longitude({ precision: 4 }),
      },
    };
  });
}
