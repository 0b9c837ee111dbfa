import { CreateTriggers1764000000000 } from './1764000000000-CreateTriggers';
import { TriggerListIndexes1764000100000 } from './1764000100000-TriggerListIndexes';
import { CreateRuns1764000200000 } from './1764000200000-CreateRuns';
import { CreateServiceSecrets1765000000000 } from './1765000000000-CreateServiceSecrets';
import { RunLifecycle1765000100000 } from './1765000100000-RunLifecycle';
import { TriggerPolicies1765001300000 } from './1765001300000-TriggerPolicies';
import { ScaleOut1765001400000 } from './1765001400000-ScaleOut';
import { EventTriggers1765001700000 } from './1765001700000-EventTriggers';
import { RetentionMarks1765001800000 } from './1765001800000-RetentionMarks';
import { EventReach1765001900000 } from './1765001900000-EventReach';

/** Every migration, in order. TypeORM runs these at start-up and through the CLI data source. */
export const MIGRATIONS: (new () => object)[] = [
  CreateTriggers1764000000000,
  TriggerListIndexes1764000100000,
  CreateRuns1764000200000,
  CreateServiceSecrets1765000000000,
  RunLifecycle1765000100000,
  TriggerPolicies1765001300000,
  ScaleOut1765001400000,
  EventTriggers1765001700000,
  RetentionMarks1765001800000,
  EventReach1765001900000,
];
