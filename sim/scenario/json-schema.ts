/**
 * The scenario schema as a JSON Schema (draft 2020-12), for editors: a YAML file that starts with
 * `# yaml-language-server: $schema=../schema/scenario.schema.json` gets completion, hover text and
 * checking of every field. `schema/scenario.schema.json` is this, for the bundled protocols
 * (`npm run schema`, `consensim schema`); `consensim schema --protocol ./mine.ts` adds a plug-in's.
 *
 * Made from the zod schema (`schema.ts`) with `z.toJSONSchema`, on its input side (what a file
 * holds: durations as pattern strings, not microseconds). Parts whose checks are code (a fault
 * entry chosen by its action key, a latency that is a mapping or a duration) are rendered from the
 * plain schemas they registered as stand-ins. Each protocol's options, bug variants and byzantine
 * behaviours are added as `if protocol is X then ...` rules.
 *
 * What JSON Schema cannot say is left to the loader: rules across fields (a node beyond the
 * cluster size, a fault after the duration, max below min, an all-zero mix, a partition naming a
 * node twice or leaving `rest` empty, a cut from a node to itself, `peer` on a moment without one,
 * settle 0 with liveness, the protocol's own cluster-size and option rules).
 */
import * as z from 'zod';
import type { ProtocolDefinition } from '../../protocols/api.js';
import { protocolOptionsSchema } from './options.js';
import { scenarioSchema } from './schema.js';
import { JSON_STAND_IN } from './values.js';

type AnyProtocol = ProtocolDefinition<any, any>;
type Json = Record<string, unknown>;

const OPTIONS = {
  target: 'draft-2020-12',
  io: 'input',
  unrepresentable: 'any',
  reused: 'inline',
  override: (ctx: { zodSchema: z.core.$ZodType; jsonSchema: z.core.JSONSchema.BaseSchema }) => {
    const stand = JSON_STAND_IN.get(ctx.zodSchema._zod.def);
    if (stand === undefined) return;
    const json = render(stand);
    const description = ctx.jsonSchema.description ?? z.globalRegistry.get(ctx.zodSchema)?.description;
    for (const key of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as Json)[key];
    Object.assign(ctx.jsonSchema, json, description === undefined ? {} : { description });
  },
} as const;

function render(schema: z.core.$ZodType): Json {
  const json = z.toJSONSchema(schema, OPTIONS) as Json;
  delete json.$schema;
  return json;
}

/**
 * The JSON Schema of a scenario file that may name any of `protocols` (or a module path).
 * `aliases`: other spellings of a protocol in `protocol:` (a plug-in's module paths).
 */
export function scenarioJsonSchema(protocols: readonly AnyProtocol[], aliases: Readonly<Record<string, readonly string[]>> = {}): Json {
  const base = z.toJSONSchema(scenarioSchema({ protocols }), OPTIONS) as Json;
  const rules = protocols.map((protocol) => ({
    if: { properties: { protocol: { enum: [protocol.name, ...(Object.hasOwn(aliases, protocol.name) ? (aliases[protocol.name] ?? []) : [])] } }, required: ['protocol'] },
    then: { properties: protocolParts(protocol) },
  }));
  return { ...base, ...(rules.length === 0 ? {} : { allOf: rules }) };
}

/** What a scenario for `protocol` may hold in protocolOptions, bugs and byzantine. */
function protocolParts(protocol: AnyProtocol): Json {
  const bugs = protocol.bugs.map((b) => b.name);
  const behaviours = Object.keys(protocol.byzantine ?? {});
  return {
    protocolOptions: render(protocolOptionsSchema(protocol)),
    bugs: bugs.length === 0 ? { type: 'array', maxItems: 0 } : { type: 'array', items: { type: 'string', enum: bugs } },
    byzantine: behaviours.length === 0 ? { type: 'object', maxProperties: 0 } : { type: 'object', additionalProperties: { type: 'string', enum: behaviours } },
  };
}

/** The schema as the committed file holds it: two-space JSON and a final newline. */
export function scenarioJsonSchemaText(protocols: readonly AnyProtocol[], aliases: Readonly<Record<string, readonly string[]>> = {}): string {
  return `${JSON.stringify(scenarioJsonSchema(protocols, aliases), null, 2)}\n`;
}
