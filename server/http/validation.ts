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

/**
 * A body validator compiled once, with the rules fastify's routes use (strict, no coercion),
 * for handlers outside fastify (the agent plane's core HTTP/2 routes). Its own Ajv instance, so
 * the same schema compiled by a fastify route as well never clashes on an id.
 */
const coreBodies = new Ajv({ ...common, coerceTypes: false });
export function compileBodyValidator(schema: AnySchema): ReturnType<Ajv['compile']> {
  return coreBodies.compile(schema);
}
