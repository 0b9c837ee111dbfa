import { Injectable } from '@nestjs/common';

/**
 * The scheduler's and the runs module's view of triggers: paged reads of the active schedule
 * triggers and the conditional updates made when a run is created. Owned by the scheduler work.
 */
@Injectable()
export class TriggerSchedulingRepository {}
