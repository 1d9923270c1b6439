import { registerDecorator, type ValidationArguments } from 'class-validator';

/** The value, serialised as JSON, is at most `maxBytes` bytes. */
export function MaxJsonSize(maxBytes: number) {
  return (target: object, propertyName: string): void => {
    registerDecorator({
      name: 'maxJsonSize',
      target: target.constructor,
      propertyName,
      constraints: [maxBytes],
      validator: {
        validate: (value: unknown) =>
          value === undefined || Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8') <= maxBytes,
        defaultMessage: (args: ValidationArguments) =>
          `${args.property} must be at most ${maxBytes} bytes as JSON`,
      },
    });
  };
}
