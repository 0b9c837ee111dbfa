import { unwrap, type Schemas, type SundialClient } from '../client/client';
import type { LeasedRun } from './run-process';

/** One lease of `POST /queues/{queue}/lease` (docs/triggers-as-code.md "Worker"). */
export interface Lease {
  run: LeasedRun;
  leaseToken: string;
  leaseExpiresAt: string;
}

export interface LeaseRequest {
  workerId: string;
  max: number;
  /** a duration such as 60s */
  leaseDuration: string;
  /** how long an empty queue holds the request, e.g. 20s */
  wait: string;
}

/** The worker lease API, as the worker uses it; every call throws ApiError on an error answer. */
export interface LeaseApi {
  lease(queue: string, body: LeaseRequest, signal?: AbortSignal): Promise<Lease[]>;
  heartbeat(
    runId: string,
    leaseToken: string,
  ): Promise<{ cancelRequested: boolean; leaseExpiresAt: string }>;
  complete(runId: string, leaseToken: string, result: unknown): Promise<void>;
  fail(runId: string, leaseToken: string, error: { message: string; type: string }): Promise<void>;
  release(runId: string, leaseToken: string): Promise<void>;
}

type Body<Name extends 'Complete' | 'Fail'> = Schemas[`${Name}BodyDto`];

/** The lease API over the typed client. */
export function leaseApi(client: SundialClient, url: string): LeaseApi {
  const id = (runId: string) => ({ params: { path: { id: runId } } });
  return {
    async lease(queue, body, signal) {
      const answer = await unwrap(
        client.POST('/queues/{queue}/lease', { params: { path: { queue } }, body, signal }),
        url,
      );
      return answer.leases;
    },
    async heartbeat(runId, leaseToken) {
      const beat = await unwrap(
        client.POST('/runs/{id}/heartbeat', { ...id(runId), body: { leaseToken } }),
        url,
      );
      return { cancelRequested: beat.cancelRequested, leaseExpiresAt: beat.leaseExpiresAt };
    },
    async complete(runId, leaseToken, result) {
      // The document types `result` (any JSON) and `error.retryable` (optional) too narrowly.
      const body = (
        result === undefined ? { leaseToken } : { leaseToken, result }
      ) as Body<'Complete'>;
      await unwrap(client.POST('/runs/{id}/complete', { ...id(runId), body }), url);
    },
    async fail(runId, leaseToken, error) {
      await unwrap(
        client.POST('/runs/{id}/fail', {
          ...id(runId),
          body: { leaseToken, error } as Body<'Fail'>,
        }),
        url,
      );
    },
    async release(runId, leaseToken) {
      await unwrap(client.POST('/runs/{id}/release', { ...id(runId), body: { leaseToken } }), url);
    },
  };
}
