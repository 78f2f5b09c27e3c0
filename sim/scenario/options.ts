/**
 * `protocolOptions`, validated against the protocol's declarative schema (`OptionSpec` in
 * protocols/api.ts): durations become integer microseconds, integers are range-checked, enums
 * must name a value, and every option left out gets its default.
 *
 * One rule for every protocol, so a node is never built with a value it cannot run: a duration
 * option must be positive unless its spec names a smaller `min` (a zero timeout or interval re-arms
 * at the same instant forever), and an integer must lie in its spec's [min, max].
 */
import type { OptionSpec, ProtocolDefinition, ProtocolOptions } from '../../protocols/api.js';
import { parseDuration, type Fields } from './fields.js';
import { quoted, type LNode, type MapEntry } from './located.js';
import { didYouMean } from './suggest.js';

export function readProtocolOptions(f: Fields, entry: MapEntry | undefined, protocol: ProtocolDefinition<any, any>): ProtocolOptions {
  const out = defaultProtocolOptions(protocol);
  if (entry === undefined) return out;
  const specs = protocol.options;
  const names = Object.keys(specs);
  const node = entry.value;
  if (node.t !== 'map') f.fail(node, 'protocolOptions', `a mapping of ${protocol.name} options`);
  for (const option of node.entries) {
    const field = `protocolOptions.${option.key}`;
    const spec = Object.hasOwn(specs, option.key) ? specs[option.key] : undefined;
    if (spec === undefined) {
      const expected = names.length === 0 ? `${protocol.name} has no options` : `expected one of ${names.join(', ')}`;
      throw f.where.error(option.keyPos, field, `unknown ${protocol.name} option ${quoted(option.key)}; ${expected}${didYouMean(option.key, names)}`);
    }
    out[option.key] = readOption(f, option.value, field, spec);
  }
  return out;
}

function readOption(f: Fields, node: LNode, field: string, spec: OptionSpec): number | boolean | string {
  switch (spec.type) {
    case 'duration':
      return f.duration(node, field, { min: durationMinUs(spec) });
    case 'integer':
      return f.integer(node, field, spec.min, spec.max);
    case 'boolean':
      return f.boolean(node, field);
    case 'enum':
      return f.choice(node, field, spec.values);
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
export function defaultProtocolOptions(protocol: ProtocolDefinition<any, any>): Record<string, number | boolean | string> {
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
