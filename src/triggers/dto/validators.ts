import { ValidateBy, ValidationOptions, buildMessage } from 'class-validator';

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
