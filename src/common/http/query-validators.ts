import { ValidateBy, ValidationOptions, buildMessage } from 'class-validator';

/** A decimal integer written without sign or leading zeros, from `min` to `max` (query and path values). */
export function IsIntString(
  min: number,
  max: number,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIntString',
      constraints: [min, max],
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          /^(0|[1-9]\d{0,15})$/.test(value) &&
          Number(value) >= min &&
          Number(value) <= max,
        defaultMessage: buildMessage(
          (each) => `${each}$property must be an integer from ${min} to ${max}`,
          options,
        ),
      },
    },
    options,
  );
}

/** A string without U+0000, which PostgreSQL text cannot hold (query values skip the body check). */
export function HasNoNulChar(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'hasNoNulChar',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && !value.includes('\u0000'),
        defaultMessage: buildMessage(
          (each) => `${each}$property must not contain the character U+0000`,
          options,
        ),
      },
    },
    options,
  );
}
