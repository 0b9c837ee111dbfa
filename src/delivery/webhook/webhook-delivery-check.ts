import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import {
  AddressPolicy,
  AddressRefusedError,
  checkWebhookUrl,
  Resolver,
  systemResolver,
} from './address-guard';

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
