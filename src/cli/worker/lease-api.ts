import type { Client } from 'openapi-fetch';
import type { SundialClient } from '../client/client';
import { unwrap } from '../client/client';
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

/** One JSON operation, in openapi-typescript's shape. */
interface JsonOp<Path, Body, Answer> {
  parameters: { query?: never; header?: never; path: Path; cookie?: never };
  requestBody: { content: { 'application/json': Body } };
  responses: { 200: { headers: Record<string, unknown>; content: { 'application/json': Answer } } };
}
type Token = { leaseToken: string };

// The lease API (docs/delivery.md §2) is not in this build's OpenAPI document yet: these are its
// operations as the document will describe them, until the generated client has them.
interface LeasePaths {
  '/queues/{queue}/lease': { post: JsonOp<{ queue: string }, LeaseRequest, { leases: Lease[] }> };
  '/runs/{id}/heartbeat': {
    post: JsonOp<{ id: string }, Token, { leaseExpiresAt: string; cancelRequested: boolean }>;
  };
  '/runs/{id}/complete': { post: JsonOp<{ id: string }, Token & { result?: unknown }, unknown> };
  '/runs/{id}/fail': {
    post: JsonOp<{ id: string }, Token & { error: { message: string; type: string } }, unknown>;
  };
  '/runs/{id}/release': { post: JsonOp<{ id: string }, Token, unknown> };
}

/** The lease API over the typed client. */
export function leaseApi(sundial: SundialClient, url: string): LeaseApi {
  const client = sundial as unknown as Client<LeasePaths>;
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
      const body = result === undefined ? { leaseToken } : { leaseToken, result };
      await unwrap(client.POST('/runs/{id}/complete', { ...id(runId), body }), url);
    },
    async fail(runId, leaseToken, error) {
      await unwrap(
        client.POST('/runs/{id}/fail', { ...id(runId), body: { leaseToken, error } }),
        url,
      );
    },
    async release(runId, leaseToken) {
      await unwrap(client.POST('/runs/{id}/release', { ...id(runId), body: { leaseToken } }), url);
    },
  };
}
