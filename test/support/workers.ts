import type request from 'supertest';

/** A small worker-side client over supertest for the lease API tests. */
export interface Lease {
  run: { id: string; state: string; attempt: number; queue: string; [k: string]: unknown };
  leaseToken: string;
  leaseExpiresAt: string;
}

export type Http = () => ReturnType<typeof request>;

export async function lease(
  http: Http,
  queue: string,
  body: Record<string, unknown> = {},
): Promise<Lease[]> {
  const res = await http()
    .post(`/queues/${queue}/lease`)
    .send({ workerId: 'w1', ...body });
  if (res.status !== 200) throw new Error(`lease: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { leases: Lease[] }).leases;
}

/** Deploys a NONE trigger (manual runs only) with the given spec extras; returns its path. */
export async function deployManual(
  http: Http,
  name: string,
  spec: Record<string, unknown> = {},
  project = 'p',
): Promise<string> {
  const path = `/triggers/${project}/d/task/${name}`;
  const res = await http()
    .put(path)
    .send({ spec: { taskVersion: 'v1', ...spec }, automationSpec: { type: 'NONE' } });
  if (res.status !== 201 && res.status !== 200) {
    throw new Error(`deploy: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return path;
}

/** Fires a manual run; returns its id. */
export async function fire(http: Http, path: string): Promise<string> {
  const res = await http().post(`${path}/fire`);
  if (res.status !== 201) throw new Error(`fire: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { id: string }).id;
}
