import { Transform } from 'class-transformer';
import { ValidateBy, ValidationOptions, buildMessage } from 'class-validator';

/**
 * A free-form JSON value (inputs, runSpec maps) kept exactly as sent: class-transformer would
 * otherwise skip keys named like Object.prototype members (`toString`, `valueOf`, ...) at any
 * depth (docs/api-limits.md).
 */
export function KeepAsSent(): PropertyDecorator {
  return Transform(({ obj, key }) => (obj as Record<string, unknown>)[key], {
    toClassOnly: true,
  });
}

/** A JSON object of at most `max` entries. */
export function MaxEntries(max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxEntries',
      constraints: [max],
      validator: {
        validate: (value: unknown) =>
          typeof value !== 'object' || value === null || Object.keys(value).length <= max,
        defaultMessage: buildMessage(
          (each) => `${each}$property must have at most ${max} entries`,
          options,
        ),
      },
    },
    options,
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON object whose every value is a string (runSpec envs, labels, annotations). */
export function IsStringMap(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStringMap',
      validator: {
        validate: (value: unknown) =>
          isPlainObject(value) && Object.values(value).every((v) => typeof v === 'string'),
        defaultMessage: buildMessage(
          (each) => `${each}$property must be an object whose values are all strings`,
          options,
        ),
      },
    },
    options,
  );
}

/** A JSON object of at most `maxBytes` bytes once serialized (UTF-8). */
export function MaxJsonBytes(maxBytes: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxJsonBytes',
      constraints: [maxBytes],
      validator: {
        validate: (value: unknown) =>
          Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8') <= maxBytes,
        defaultMessage: buildMessage(
          (each) => `${each}$property must be at most ${maxBytes} bytes serialized as JSON`,
          options,
        ),
      },
    },
    options,
  );
}
