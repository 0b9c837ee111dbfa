import { Injectable } from '@nestjs/common';
import { DomainError, ValidationFailedError } from '../../common/errors';
import { AppConfig } from '../../config/app-config';
import {
  AddressPolicy,
  AddressRefusedError,
  checkWebhookUrl,
  Resolver,
  systemResolver,
} from './address-guard';
import { headerRefusal } from './webhook-request';

/** 400 INVALID_DELIVERY: a webhook target Sundial refuses to call (docs/webhooks.md). */
export class InvalidDeliveryError extends DomainError {
  constructor(refusal: DeliveryRefusal) {
    super('INVALID_DELIVERY', `${refusal.field}: ${refusal.message}`, [refusal]);
  }
}

/** At most this many configured headers. */
export const MAX_WEBHOOK_HEADERS = 50;

/** Why a webhook delivery may not be deployed: the field and the reason (INVALID_DELIVERY). */
export interface DeliveryRefusal {
  field: string;
  message: string;
}

/**
 * The deploy-time checks of a WEBHOOK delivery (docs/webhooks.md "The delivery") that need more
 * than its shape: the URL's addresses (resolved now) and a signing key for the project.
 */
@Injectable()
export class WebhookDeliveryCheck {
  private readonly policy: AddressPolicy;
  /** tests replace the resolver */
  resolver: Resolver = systemResolver;

  constructor(private readonly config: AppConfig) {
    this.policy = {
      allowedCidrs: config.webhooks.allowedCidrs,
      requireHttps: config.webhooks.requireHttps,
    };
  }

  /**
   * Checks a deploy's `spec.delivery` (any type; only WEBHOOK is checked here): headers as
   * VALIDATION_FAILED, the address and the signing key as INVALID_DELIVERY. `at` prefixes the
   * field names (a member of a task's set: `triggers[2].`).
   */
  async check(project: string, delivery: unknown, at = ''): Promise<void> {
    if (typeof delivery !== 'object' || delivery === null) return;
    const d = delivery as { type?: unknown; url?: unknown; headers?: unknown };
    if (d.type !== 'WEBHOOK' || typeof d.url !== 'string') return;
    if (typeof d.headers === 'object' && d.headers !== null) {
      const entries = Object.entries(d.headers);
      if (entries.length > MAX_WEBHOOK_HEADERS) {
        throw ValidationFailedError.of(
          `${at}spec.delivery.headers`,
          `at most ${MAX_WEBHOOK_HEADERS} headers`,
        );
      }
      for (const [name, value] of entries) {
        const why = headerRefusal(name, value);
        if (why !== null) throw ValidationFailedError.of(`${at}spec.delivery.headers.${name}`, why);
      }
    }
    const refusal = await this.refusal(d.url, project, `${at}spec.delivery`);
    if (refusal !== null) throw new InvalidDeliveryError(refusal);
  }

  /** null when the delivery may be deployed for `project`, else the refusal. */
  async refusal(
    url: string,
    project: string,
    field = 'spec.delivery',
  ): Promise<DeliveryRefusal | null> {
    if (this.config.webhooks.signingKeys.forProject(project).length === 0) {
      return {
        field,
        message: `no webhook signing key for project ${project}: add it (or a * default) to WEBHOOK_SIGNING_KEYS`,
      };
    }
    try {
      await checkWebhookUrl(url, this.policy, this.resolver);
      return null;
    } catch (e) {
      if (e instanceof AddressRefusedError) return { field: `${field}.url`, message: e.message };
      throw e;
    }
  }
}
