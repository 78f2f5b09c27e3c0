/**
 * A protocol's options, declared once and read once.
 *
 * The schema (`OptionSpec` per name, the same table the scenario loader validates a file's
 * `protocolOptions` against and `consensim list` prints) is the only place an option's type and
 * default are written. `readOptions` turns the validated options a node receives into a typed
 * object; an option left out (a node built in a unit test, say) takes the schema's default, so no
 * protocol writes a default twice or parses an option by hand.
 */
import type { OptionSpec, ProtocolOptions } from '../api.js';
import { durationMicros } from './duration.js';

export type OptionSchema = Readonly<Record<string, OptionSpec>>;

/** The TypeScript type of one option's value after reading (durations in µs). */
export type OptionValue<S extends OptionSpec> = S extends { readonly type: 'duration' }
  ? number
  : S extends { readonly type: 'integer' }
    ? number
    : S extends { readonly type: 'boolean' }
      ? boolean
      : S extends { readonly type: 'enum'; readonly values: readonly (infer E)[] }
        ? E
        : never;

export type OptionValues<S extends OptionSchema> = { readonly [K in keyof S]: OptionValue<S[K]> };

/**
 * Read every option of `schema` from `options` (as the loader validated them: durations already
 * in µs), defaulting what is absent. A value of the wrong type is a programmer error (the loader
 * never produces one) and throws.
 */
export function readOptions<const S extends OptionSchema>(schema: S, options: ProtocolOptions): OptionValues<S> {
  const out: Record<string, number | boolean | string> = {};
  for (const name of Object.keys(schema)) {
    const spec = schema[name] as OptionSpec;
    const given = Object.hasOwn(options, name) ? options[name] : undefined;
    out[name] = given === undefined ? defaultValue(spec) : checked(name, spec, given);
  }
  return out as OptionValues<S>;
}

/** Every option at its default (durations in µs). */
export function defaultOptions<const S extends OptionSchema>(schema: S): OptionValues<S> {
  return readOptions(schema, {});
}

function defaultValue(spec: OptionSpec): number | boolean | string {
  return spec.type === 'duration' ? durationMicros(spec.default) : spec.default;
}

function checked(name: string, spec: OptionSpec, value: number | boolean | string): number | boolean | string {
  const ok =
    spec.type === 'boolean'
      ? typeof value === 'boolean'
      : spec.type === 'enum'
        ? typeof value === 'string' && spec.values.includes(value)
        : typeof value === 'number' && Number.isFinite(value);
  if (!ok) throw new Error(`option ${name}: ${JSON.stringify(value)} is not a valid ${spec.type}`);
  return value;
}
