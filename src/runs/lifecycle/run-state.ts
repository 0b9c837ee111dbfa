/** Run states and attempt outcomes (docs/delivery.md "Run states"). */
export const RUN_STATES = [
  'PENDING',
  'BUFFERED',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
  'SKIPPED',
] as const;
export type RunState = (typeof RUN_STATES)[number];

export const FINAL_STATES: readonly RunState[] = ['SUCCEEDED', 'FAILED', 'CANCELLED', 'SKIPPED'];

/** A final run never changes again. */
export function isFinal(state: RunState): boolean {
  return FINAL_STATES.includes(state);
}

/** States in which a run still waits for or holds an attempt (overlap policies count these). */
export const ACTIVE_STATES: readonly RunState[] = ['PENDING', 'BUFFERED', 'RUNNING'];

export const ATTEMPT_OUTCOMES = [
  'SUCCEEDED',
  'FAILED',
  'LEASE_EXPIRED',
  'RELEASED',
  'CANCELLED',
] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/** Why a run is SKIPPED. BEFORE_DELIVERY: it existed before the lifecycle was installed. */
export type SkipReason =
  'BEFORE_DELIVERY' | 'OVERLAP' | 'BUFFER_FULL' | 'MISSED_CATCHUP_WINDOW' | 'MISFIRE';

/** What a failed attempt reported (or why Sundial failed the run: EXPIRED, LEASE_EXPIRED). */
export interface RunError {
  message: string;
  type?: string;
}

/**
 * The state a new run starts in, with the reason when it is SKIPPED. One decision point: today
 * every run starts PENDING; overlap and misfire policies decide BUFFERED or SKIPPED here.
 */
export interface InitialState {
  state: 'PENDING' | 'BUFFERED' | 'SKIPPED';
  skipReason: SkipReason | null;
}

export const START_PENDING: InitialState = { state: 'PENDING', skipReason: null };
