import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import {
  DomainError,
  InvalidScheduleError,
  ValidationFailedError,
  type FieldError,
} from '../common/errors';
import { withScheduleErrors } from '../common/schedule-errors';
import { findUnstorable, toFieldErrors } from '../common/validation';
import { checkDeployable } from '../schedule';
import { MAX_SET_SIZE, TriggerSetMemberDto } from './dto/trigger-set.dto';
import {
  storedAutomationSpec,
  storedSpec,
  type StoredAutomationSpec,
  type StoredSpec,
} from './trigger-spec';

/** A set member that passed every check a deploy makes, normalised as it would be stored. */
export interface ValidMember {
  /** where the member stands in the request or file (`triggers[2]`), for error fields */
  at: string;
  name: string;
  spec: StoredSpec;
  automationSpec: StoredAutomationSpec;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function label(raw: unknown): string {
  const name = isObject(raw) ? raw.name : undefined;
  return typeof name === 'string' && name.length <= 255 ? ` (trigger "${name}")` : '';
}

/** The structural problems of one member, fields prefixed `triggers[i].` */
function structuralErrors(raw: unknown, at: string): FieldError[] {
  if (!isObject(raw)) return [{ field: at, message: 'must be an object' }];
  const unstorable = findUnstorable(raw);
  if (unstorable) {
    return [{ field: `${at}.${unstorable.field}`, message: unstorable.message + label(raw) }];
  }
  const member = plainToInstance(TriggerSetMemberDto, raw, { enableImplicitConversion: false });
  const errors = validateSync(member, {
    whitelist: true,
    forbidNonWhitelisted: true,
    validationError: { target: false, value: false },
  });
  const fields = toFieldErrors(errors).map((f) => ({
    field: `${at}.${f.field}`,
    message: f.message + label(raw),
  }));
  return fields;
}

/** The schedule module's content checks (those of a deploy), the error renamed to the member. */
function checkSchedule(member: TriggerSetMemberDto, at: string, now: Date): void {
  try {
    withScheduleErrors(() => {
      checkDeployable(member.automationSpec, { triggerName: member.name, now });
    });
  } catch (e) {
    if (e instanceof InvalidScheduleError) {
      // the message names the member; the detail keeps the schedule module's own words
      const [detail] = e.details as FieldError[];
      throw new DomainError('INVALID_SCHEDULE', `${at}: ${e.message}`, [
        { field: `${at}.${detail.field}`, message: detail.message },
      ]);
    }
    if (e instanceof ValidationFailedError) {
      throw new ValidationFailedError(
        e.fields.map((f) => ({ field: `${at}.${f.field}`, message: f.message + label(member) })),
      );
    }
    throw e;
  }
}

/**
 * Checks a task's whole set before anything is written (docs/triggers-as-code.md): every member
 * as a deploy would, names unique. Fields are named `<prefix>[i].…` with the trigger's name in
 * the message; structural problems of all members are reported together (VALIDATION_FAILED),
 * then the first schedule problem (INVALID_SCHEDULE).
 */
export function validateTriggerSet(raw: unknown[], now: Date, prefix = 'triggers'): ValidMember[] {
  if (raw.length > MAX_SET_SIZE) {
    throw ValidationFailedError.of(prefix, `must hold at most ${MAX_SET_SIZE} triggers`);
  }
  const problems: FieldError[] = [];
  const seen = new Map<string, number>();
  raw.forEach((item, i) => {
    const at = `${prefix}[${i}]`;
    const errors = structuralErrors(item, at);
    problems.push(...errors);
    const name = isObject(item) ? item.name : undefined;
    if (errors.length === 0 && typeof name === 'string') {
      const first = seen.get(name);
      if (first !== undefined) {
        problems.push({
          field: `${at}.name`,
          message: `"${name}" is listed twice (also ${prefix}[${first}])`,
        });
      } else seen.set(name, i);
    }
  });
  if (problems.length > 0) throw new ValidationFailedError(problems);
  return raw.map((item, i) => {
    const member = plainToInstance(TriggerSetMemberDto, item);
    checkSchedule(member, `${prefix}[${i}]`, now);
    return {
      at: `${prefix}[${i}]`,
      name: member.name,
      spec: storedSpec(member.spec),
      automationSpec: storedAutomationSpec(member.automationSpec),
    };
  });
}
