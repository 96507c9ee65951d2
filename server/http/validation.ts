import { Ajv, type AnySchema, type Options } from 'ajv';

/**
 * Two validators: bodies are JSON and must match exactly (no coercion, unknown fields
 * rejected rather than stripped), while query strings and path parameters arrive as text
 * and are coerced to the schema's numbers and booleans.
 */
const common: Options = {
  removeAdditional: false,
  useDefaults: true,
  allErrors: false,
  strict: false,
};
const strictBodies = new Ajv({ ...common, coerceTypes: false });
const coercedText = new Ajv({ ...common, coerceTypes: 'array' });

export const STRICT_BODY_COERCED_QUERY = {
  compilersFactory: {
    buildValidator:
      () =>
      ({ schema, httpPart }: { schema: AnySchema; httpPart?: string }) =>
        (httpPart === 'body' ? strictBodies : coercedText).compile(schema),
  },
};
