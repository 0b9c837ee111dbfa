import { TriggerRevisionEntity } from '../triggers/revisions/trigger-revision.entity';
import { TriggerEntity } from '../triggers/trigger.entity';

/** Every entity of every module; each module owns its own (see the module's `*.entity.ts`). */
export const ENTITIES: (new () => object)[] = [TriggerEntity, TriggerRevisionEntity];
