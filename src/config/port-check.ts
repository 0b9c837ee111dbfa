import { createServer } from 'node:net';
import { StartupError } from './startup-error';

/** A listen() failure as one line naming PORT (docs/deployment.md, "Start-up failures"). */
export function portError(port: number, e: unknown): StartupError | null {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new StartupError('PORT', `port ${port} is in use (${code})`);
  if (code === 'EACCES') return new StartupError('PORT', `port ${port} is not allowed (${code})`);
  return null;
}

/** Fails early, before the database opens and anything logs, when PORT cannot be bound. */
export async function checkPort(port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (e) => reject(portError(port, e) ?? e));
    probe.listen(port, () => probe.close(() => resolve()));
  });
}
