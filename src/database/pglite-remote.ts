import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import { serialize } from 'pg-protocol';
import type { BackendMessage } from 'pg-protocol/dist/messages';
import { Parser } from 'pg-protocol/dist/parser';

/**
 * The worker thread that owns the PGlite instance (plain JavaScript, evaluated as is: the same
 * code under ts-node, Jest and dist/). Requests are answered one at a time, in order:
 * `exec` runs frontend protocol messages through `execProtocolRaw`, one message at a time as
 * PGlite's node-postgres adapter does, and answers the backend's bytes (transferred).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { join, dirname } = require('node:path');
const { PGlite } = require(workerData.pglite);
const message = (e) => String((e && e.message) || e);
let pglite = null;
// meanwhile (the app loading its modules on the main thread): PGlite's WebAssembly compiled,
// ready for 'open'
const dist = dirname(workerData.pglite);
let prepared = Promise.all([
  WebAssembly.compile(fs.readFileSync(join(dist, 'pglite.wasm'))),
  WebAssembly.compile(fs.readFileSync(join(dist, 'initdb.wasm'))),
]).catch(() => null);
let chain = Promise.resolve();
// a full collection once open: the files start-up read are garbage now, and an idle worker could
// keep them resident for a long time
function collect() {
  try {
    require('node:v8').setFlagsFromString('--expose-gc');
    require('node:vm').runInNewContext('gc')();
  } catch {}
}
async function exec(bytes) {
  const out = [];
  let size = 0;
  for (let at = 0; at < bytes.length; ) {
    // a message: type byte, then a length that counts itself but not the type
    const end = at + 1 + ((bytes[at + 1] << 24) | (bytes[at + 2] << 16) | (bytes[at + 3] << 8) | bytes[at + 4]);
    const part = await pglite.execProtocolRaw(bytes.subarray(at, end));
    out.push(part);
    size += part.length;
    at = end;
  }
  if (out.length === 1) return out[0];
  const all = new Uint8Array(size);
  let offset = 0;
  for (const part of out) { all.set(part, offset); offset += part.length; }
  return all;
}
// PostgreSQL refuses a data directory that others can read: 0700 directories, 0600 files
function restrictModes(p) {
  if (fs.statSync(p).isDirectory()) {
    fs.chmodSync(p, 0o700);
    for (const name of fs.readdirSync(p)) restrictModes(join(p, name));
  } else {
    fs.chmodSync(p, 0o600);
  }
}
// a first start: the template copied beside dataDir, then renamed into place (a crash midway
// leaves no half-made dataDir)
function copyTemplate(template, dataDir) {
  const staging = dataDir + '.staging';
  fs.rmSync(staging, { recursive: true, force: true });
  fs.cpSync(template, staging, { recursive: true });
  restrictModes(staging);
  fs.rmSync(dataDir, { recursive: true, force: true }); // at most an empty directory
  fs.renameSync(staging, dataDir);
}
async function handle(request) {
  switch (request.type) {
    case 'open': {
      if (request.options.fromTemplate) copyTemplate(request.options.fromTemplate, request.options.dataDir);
      const ready = await prepared;
      const options = ready
        ? { pgliteWasmModule: ready[0], initdbWasmModule: ready[1], ...request.options }
        : { ...request.options };
      if (options.settings) {
        options.startParams = [...PGlite.defaultStartParams, ...options.settings];
        delete options.settings;
      }
      delete options.fromTemplate;
      if (options.loadDataDir) options.loadDataDir = new Blob([fs.readFileSync(options.loadDataDir)]);
      prepared = null;
      pglite = new PGlite(options);
      await pglite.waitReady;
      collect();
      return null;
    }
    case 'exec':
      if (!pglite || pglite.closed) throw new Error('the embedded database is closed');
      return exec(new Uint8Array(request.bytes));
    case 'close':
      if (pglite && !pglite.closed) await pglite.close();
      return null;
  }
}
parentPort.on('message', (request) => {
  chain = chain
    .then(() => handle(request))
    .then(
      (result) => {
        if (result) {
          const buffer = result.byteOffset === 0 && result.byteLength === result.buffer.byteLength
            ? result.buffer
            : result.slice().buffer;
          parentPort.postMessage({ id: request.id, bytes: buffer }, [buffer]);
        } else {
          parentPort.postMessage({ id: request.id });
        }
      },
      (e) => parentPort.postMessage({ id: request.id, error: message(e) }),
    );
});
`;

/** What the worker opens: PGlite's own options, `loadDataDir` being a tarball's path here. */
export interface RemotePGliteOptions {
  dataDir?: string;
  startParams?: string[];
  /** PostgreSQL settings added to PGlite's default start parameters (instead of startParams) */
  settings?: string[];
  /** a data directory dump (`dumpDataDir`) to restore into memory: the file's path */
  loadDataDir?: string;
  /**
   * a first start: the worker copies this prepared data directory (the build's template) to
   * `dataDir` before opening it, off the main thread (embedded-datadir.ts prepareDataDir)
   */
  fromTemplate?: string;
}

let prestarted: RemotePGlite | null = null;

interface Pending {
  resolve: (bytes: Uint8Array) => void;
  reject: (e: Error) => void;
}

/**
 * A PGlite instance in a worker thread (docs/embedded.md, "Responsiveness during a fire"): the
 * database's work no longer runs on the thread that serves HTTP requests and timers. The main
 * thread only sends protocol messages and parses the answers. The worker holds the event loop
 * open only while a request is pending (like an in-process PGlite, which holds nothing).
 */
export class RemotePGlite {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private ended: Error | null = null;
  private closing: Promise<void> | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: { id: number; bytes?: ArrayBuffer; error?: string }) => {
      const request = this.pending.get(reply.id);
      if (!request) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.error !== undefined) request.reject(new Error(reply.error));
      else request.resolve(reply.bytes ? new Uint8Array(reply.bytes) : new Uint8Array(0));
    });
    const end = (e: Error) => {
      this.ended ??= e;
      for (const request of this.pending.values()) request.reject(this.ended);
      this.pending.clear();
    };
    worker.on('error', (e) => end(new Error(`the embedded database stopped: ${e.message}`)));
    worker.on('exit', () => end(new Error('the embedded database is closed')));
    worker.unref();
  }

  /**
   * Starts a worker now, to be opened later (main.ts, before it loads the app's modules): the
   * worker compiles PGlite's WebAssembly meanwhile, on the other core. The next open() takes it.
   */
  static prestart(): void {
    prestarted ??= RemotePGlite.spawn();
  }

  /** Ends a prestarted worker that will not be opened (the app is on PostgreSQL). */
  static async discardPrestarted(): Promise<void> {
    const spare = prestarted;
    prestarted = null;
    await spare?.worker.terminate();
  }

  private static spawn(): RemotePGlite {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { pglite: require.resolve('@electric-sql/pglite') },
    });
    return new RemotePGlite(worker);
  }

  /** Opens the database in a worker (a prestarted one if any); rejects with PGlite's message. */
  static async open(options: RemotePGliteOptions): Promise<RemotePGlite> {
    const remote = prestarted ?? RemotePGlite.spawn();
    prestarted = null;
    try {
      await remote.request({ type: 'open', options });
    } catch (e) {
      await remote.worker.terminate();
      throw e;
    }
    return remote;
  }

  /** Resolved: the database is open (it is, once open() has resolved). */
  readonly waitReady: Promise<void> = Promise.resolve();

  get closed(): boolean {
    return this.ended !== null || this.closing !== null;
  }

  /** Runs frontend protocol messages (several may be concatenated); the backend's bytes. */
  exec(bytes: Uint8Array): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new Error('the embedded database is closed'));
    const copy = new Uint8Array(bytes); // its own buffer (a Buffer's may be a shared pool's)
    return this.request({ type: 'exec', bytes: copy.buffer }, [copy.buffer]);
  }

  /** Closes PGlite (after the requests sent before), then ends the worker. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.ended) return;
      try {
        await this.request({ type: 'close' });
      } finally {
        await this.worker.terminate();
      }
    })();
    return this.closing;
  }

  private request(
    message: { type: string; [key: string]: unknown },
    transfer: ArrayBuffer[] = [],
  ): Promise<Uint8Array> {
    if (this.ended) return Promise.reject(this.ended);
    const id = this.nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }
}

/**
 * The connection of the one-connection `pg.Pool` on a RemotePGlite: what PGlite's node-postgres
 * adapter does (pg's Client sees a connection that is ready at once and emits pg-protocol's
 * messages by name), except that the messages pg sends together (Parse, Bind, Describe, Execute,
 * Sync) go to the worker as one request, so a statement costs one round trip and no other
 * client's messages run between them. Requests are chained: one at a time, in order.
 */
export class RemotePgConnection extends EventEmitter {
  _connecting = false;
  readonly stream = { destroy: () => this.end() };
  parsedStatements: Record<string, unknown> = {};
  submittedNamedStatements: Record<string, unknown> = {};
  private chain: Promise<unknown> = Promise.resolve();
  private batch: Buffer[] = [];
  private emitMessage = false;

  constructor(private readonly db: RemotePGlite) {
    super();
    this.on('newListener', (name) => {
      if (name === 'message') this.emitMessage = true;
    });
  }

  connect(): void {
    this._connecting = true;
    this.chain = this.chain.then(() => {
      process.nextTick(() => this.emit('readyForQuery'));
    });
  }

  requestSsl(): void {}
  startup(): void {}
  cancel(): void {}
  password(): void {}
  ref(): void {}
  unref(): void {}

  sendSASLInitialResponseMessage(mechanism: string, response: string): void {
    this.send(serialize.sendSASLInitialResponseMessage(mechanism, response));
  }
  sendSCRAMClientFinalMessage(response: string): void {
    this.send(serialize.sendSCRAMClientFinalMessage(response));
  }
  query(text: string): void {
    this.send(serialize.query(text));
  }
  parse(query: Parameters<typeof serialize.parse>[0]): void {
    this.send(serialize.parse(query));
  }
  bind(config: Parameters<typeof serialize.bind>[0]): void {
    this.send(serialize.bind(config));
  }
  execute(config: Parameters<typeof serialize.execute>[0]): void {
    this.send(serialize.execute(config));
  }
  describe(msg: Parameters<typeof serialize.describe>[0]): void {
    this.send(serialize.describe(msg));
  }
  close(msg: Parameters<typeof serialize.close>[0]): void {
    this.send(serialize.close(msg));
  }
  flush(): void {
    this.send(serialize.flush());
  }
  sync(): void {
    this.send(serialize.sync());
  }
  sendCopyFromChunk(chunk: Buffer): void {
    this.send(serialize.copyData(chunk));
  }
  endCopyFrom(): void {
    this.send(serialize.copyDone());
  }
  sendCopyFail(message: string): void {
    this.send(serialize.copyFail(message));
  }

  end(): void {
    this.chain = this.chain.then(() => this.emit('end'));
    for (const name of this.eventNames()) {
      if (name !== 'newListener') this.removeAllListeners(name);
    }
    this.emitMessage = false;
  }

  /** Messages sent in one turn (pg writes a statement's messages together) make one request. */
  private send(bytes: Buffer): void {
    this.batch.push(bytes);
    if (this.batch.length === 1) queueMicrotask(() => this.flushBatch());
  }

  private flushBatch(): void {
    const bytes = this.batch.length === 1 ? this.batch[0] : Buffer.concat(this.batch);
    this.batch = [];
    this.chain = this.chain
      .then(() => this.db.exec(bytes))
      .then((answer) => {
        const messages: BackendMessage[] = [];
        new Parser().parse(Buffer.from(answer.buffer, answer.byteOffset, answer.byteLength), (m) =>
          messages.push(m),
        );
        for (const m of messages) {
          if (this.emitMessage) this.emit('message', m);
          this.emit(m.name === 'error' ? 'errorMessage' : m.name, m);
        }
      })
      .catch((e: unknown) => {
        // nobody left to tell (the pool let the connection go): dropped rather than thrown
        if (this.listenerCount('error') > 0) this.emit('error', e);
      });
  }
}

/** The `pg.Pool` options of PGlite's adapter (`createPgConfig`), on a RemotePGlite. */
export function remotePgConfig(db: RemotePGlite): {
  user: string;
  password: string;
  database: string;
  host: string;
  port: number;
  connection: RemotePgConnection;
} {
  return {
    user: 'postgres',
    password: 'dummy',
    database: 'postgres',
    host: 'localhost',
    port: 5432,
    connection: new RemotePgConnection(db),
  };
}
