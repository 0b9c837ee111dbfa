import { Cidr, parseCidr } from '../delivery/webhook/address-guard';
import { parseSigningKeys, SigningKeys } from '../delivery/webhook/signing-keys';
import { InvalidSetting } from './invalid-setting';

/** Webhook delivery settings (docs/webhooks.md "Configuration"). */
export interface WebhookConfig {
  /** WEBHOOK_SIGNING_KEYS: keys per project and the default; never logged */
  signingKeys: SigningKeys;
  /** WEBHOOK_ALLOWED_CIDRS: non-public ranges webhooks may call anyway */
  allowedCidrs: Cidr[];
  /** NODE_ENV=production: plain http only to an allowed range */
  requireHttps: boolean;
  /** WEBHOOK_CONCURRENCY: calls in flight per instance */
  concurrency: number;
  /** WEBHOOK_CONCURRENCY_PER_ORIGIN: calls in flight to one scheme://host:port */
  concurrencyPerOrigin: number;
  /** WEBHOOK_DISPATCHER_ENABLED: whether this instance calls webhooks */
  dispatcherEnabled: boolean;
}

function text(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new InvalidSetting(`expected a string, got ${typeof value}`);
}

function signingKeys(value: unknown): SigningKeys {
  const entries = Array.isArray(value) ? value.map(text).join(',') : text(value);
  try {
    return parseSigningKeys(entries);
  } catch (e) {
    throw new InvalidSetting((e as Error).message);
  }
}

function cidrs(value: unknown): Cidr[] {
  const items = Array.isArray(value) ? value.map(text) : text(value).split(',');
  return items
    .map((i) => i.trim())
    .filter((i) => i !== '')
    .map((i) => {
      try {
        return parseCidr(i);
      } catch (e) {
        throw new InvalidSetting((e as Error).message);
      }
    });
}

function count(max: number) {
  return (value: unknown): number | null => {
    const t = text(value);
    if (t === '') return null;
    if (!/^\d+$/.test(t) || Number(t) < 1 || Number(t) > max) {
      throw new InvalidSetting(`"${t}" is not an integer 1–${max}`);
    }
    return Number(t);
  };
}

function bool(value: unknown): boolean {
  const t = text(value).toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(t)) return true;
  if (['false', '0', 'no', 'off'].includes(t)) return false;
  throw new InvalidSetting(`"${t}" is not a boolean (true or false)`);
}

/** The webhook block of load-config's SETTINGS (same shape: env, YAML path, default, parser). */
export const WEBHOOK_SETTINGS = {
  webhookSigningKeys: {
    env: 'WEBHOOK_SIGNING_KEYS',
    yaml: 'webhooks.signingKeys',
    default: SigningKeys.none(),
    parse: signingKeys,
  },
  webhookAllowedCidrs: {
    env: 'WEBHOOK_ALLOWED_CIDRS',
    yaml: 'webhooks.allowedCidrs',
    default: [] as Cidr[],
    parse: cidrs,
  },
  webhookConcurrency: {
    env: 'WEBHOOK_CONCURRENCY',
    yaml: 'webhooks.concurrency',
    default: 100 as number | null,
    parse: count(10_000),
  },
  webhookConcurrencyPerOrigin: {
    env: 'WEBHOOK_CONCURRENCY_PER_ORIGIN',
    yaml: 'webhooks.concurrencyPerOrigin',
    default: null as number | null,
    parse: count(10_000),
  },
  webhookDispatcherEnabled: {
    env: 'WEBHOOK_DISPATCHER_ENABLED',
    yaml: 'webhooks.dispatcherEnabled',
    default: true,
    parse: bool,
  },
};

type Parsed = {
  [K in keyof typeof WEBHOOK_SETTINGS]: ReturnType<(typeof WEBHOOK_SETTINGS)[K]['parse']>;
};

/** Two settings that are each valid but not together; `setting` is the one to change. */
export class InvalidCombination extends InvalidSetting {
  constructor(
    readonly setting: string,
    reason: string,
  ) {
    super(reason);
  }
}

/** Builds the webhook block from its parsed settings; throws InvalidCombination. */
export function webhookConfig(v: Parsed, nodeEnv: string): WebhookConfig {
  const concurrency = v.webhookConcurrency ?? 100;
  const perOrigin = v.webhookConcurrencyPerOrigin ?? Math.max(1, Math.ceil(concurrency / 4));
  if (perOrigin > concurrency) {
    throw new InvalidCombination(
      'WEBHOOK_CONCURRENCY_PER_ORIGIN',
      `${perOrigin} exceeds WEBHOOK_CONCURRENCY (${concurrency})`,
    );
  }
  return {
    signingKeys: v.webhookSigningKeys,
    allowedCidrs: v.webhookAllowedCidrs,
    requireHttps: nodeEnv === 'production',
    concurrency,
    concurrencyPerOrigin: perOrigin,
    dispatcherEnabled: v.webhookDispatcherEnabled,
  };
}
