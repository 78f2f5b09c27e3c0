/**
 * `protocolOptions`, validated against the protocol's declarative schema (`OptionSpec` in
 * protocols/api.ts): durations become integer microseconds, integers are range-checked, enums
 * must name a value, and every option left out gets its default.
 */
import type { OptionSpec, ProtocolDefinition, ProtocolOptions } from '../../protocols/api.js';
import { parseDuration, type Fields } from './fields.js';
import type { LNode, MapEntry } from './located.js';

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
      throw f.where.error(option.keyPos, field, `unknown ${protocol.name} option "${option.key}"; ${expected}`);
    }
    out[option.key] = readOption(f, option.value, field, spec);
  }
  return out;
}

function readOption(f: Fields, node: LNode, field: string, spec: OptionSpec): number | boolean | string {
  switch (spec.type) {
    case 'duration':
      return f.duration(node, field);
    case 'integer':
      return f.integer(node, field, spec.min, spec.max);
    case 'boolean':
      return f.boolean(node, field);
    case 'enum':
      return f.choice(node, field, spec.values);
  }
}

/** Every option at its default (durations in µs). A schema with a bad default is a programmer error. */
export function defaultProtocolOptions(protocol: ProtocolDefinition<any, any>): Record<string, number | boolean | string> {
  const out: Record<string, number | boolean | string> = {};
  for (const [name, spec] of Object.entries(protocol.options)) {
    if (spec.type === 'duration') {
      const micros = parseDuration(spec.default);
      if (micros === null) throw new Error(`${protocol.name}: option ${name} has a bad default duration ${spec.default}`);
      out[name] = micros;
    } else {
      out[name] = spec.default;
    }
  }
  return out;
}
