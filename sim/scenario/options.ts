/**
 * `protocolOptions`, as a zod schema built from the protocol's declarative option table
 * (`OptionSpec` in protocols/api.ts): durations become integer microseconds, integers are
 * range-checked, enums must name a value, and every option left out gets its default. The same
 * schema, rendered as JSON Schema, is what an editor sees for that protocol's options; a plug-in
 * protocol contributes its options this way.
 *
 * One rule for every protocol, so a node is never built with a value it cannot run: a duration
 * option must be positive unless its spec names a smaller `min` (a zero timeout or interval re-arms
 * at the same instant forever), and an integer must lie in its spec's [min, max].
 */
import * as z from 'zod';
import type { OptionSpec, ProtocolDefinition, ProtocolOptions } from '../../protocols/api.js';
import { parseDuration } from './fields.js';
import { quoted } from './located.js';
import { didYouMean } from './suggest.js';
import { choice, closedMap, duration, flag, integer } from './values.js';

type AnyProtocol = ProtocolDefinition<any, any>;

/** The schema of one protocol's `protocolOptions` mapping; absent: every option at its default. */
export function protocolOptionsSchema(protocol: AnyProtocol) {
  const specs = protocol.options;
  const names = Object.keys(specs);
  const shape: Record<string, z.ZodType<number | boolean | string, unknown>> = {};
  for (const [name, spec] of Object.entries(specs)) shape[name] = optionSchema(spec).prefault(spec.default as never).meta({ description: spec.description });
  const unknownKey = (key: string): string => {
    const expected = names.length === 0 ? `${protocol.name} has no options` : `expected one of ${names.join(', ')}`;
    return `unknown ${protocol.name} option ${quoted(key)}; ${expected}${didYouMean(key, names)}`;
  };
  return closedMap(shape, { what: `a mapping of ${protocol.name} options`, unknownKey })
    .prefault({})
    .transform((v): ProtocolOptions => v as Record<string, number | boolean | string>)
    .meta({ description: `${protocol.name} options (${protocol.description})` });
}

function optionSchema(spec: OptionSpec): z.ZodType<number | boolean | string, unknown> {
  switch (spec.type) {
    case 'duration':
      return duration({ min: durationMinUs(spec) });
    case 'integer':
      return integer(spec.min, spec.max);
    case 'boolean':
      return flag();
    case 'enum':
      return choice(spec.values as unknown as readonly [string, ...string[]]);
  }
}

/** The smallest value a duration option accepts, in µs: its spec's `min`, or 1 (positive). */
export function durationMinUs(spec: Extract<OptionSpec, { type: 'duration' }>): number {
  if (spec.min === undefined) return 1;
  const micros = parseDuration(spec.min);
  if (micros === null || micros < 0) throw new Error(`bad min duration ${spec.min} in an option schema`);
  return micros;
}

/** Every option at its default (durations in µs). A schema with a bad default is a programmer error. */
export function defaultProtocolOptions(protocol: AnyProtocol): Record<string, number | boolean | string> {
  const out: Record<string, number | boolean | string> = {};
  for (const [name, spec] of Object.entries(protocol.options)) {
    if (spec.type === 'duration') {
      const micros = parseDuration(spec.default);
      if (micros === null) throw new Error(`${protocol.name}: option ${name} has a bad default duration ${spec.default}`);
      if (micros < durationMinUs(spec)) {
        throw new Error(`${protocol.name}: option ${name} defaults to ${spec.default}, below its minimum (durations must be positive unless the spec declares a min such as '0ms')`);
      }
      out[name] = micros;
    } else {
      out[name] = spec.default;
    }
  }
  return out;
}
