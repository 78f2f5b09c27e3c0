/**
 * `consensim schema [--protocol PATH]...`: the JSON Schema (draft 2020-12) of a scenario file on
 * stdout, for editors (a YAML file starting `# yaml-language-server: $schema=<path>` is completed
 * and checked against it). It is made from the same zod schema the loader validates with; each
 * protocol contributes its options, bug variants and byzantine behaviours, the bundled ones and
 * every module named with `--protocol` (that is how a plug-in protocol gets its options checked in
 * the editor). `schema/scenario.schema.json` in the package is this command's output with no
 * `--protocol` (`npm run schema` writes it).
 */
import type { Command } from 'commander';
import { basename } from 'node:path';
import { isModuleRef, resolveProtocol, scenarioJsonSchemaText, type ProtocolSet } from '../sim/index.js';
import { collect } from './args.js';
import { printLine } from './output.js';
import { bundledProtocols } from './protocols.js';

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of scenario files (for editors), with plug-in protocols\' options')
    .showHelpAfterError(false)
    .option('--protocol <path>', 'also describe the options of the protocol module at this path (repeatable)', collect, [])
    .action(async (flags: { protocol: string[] }) => {
      let set: ProtocolSet = bundledProtocols();
      const aliases: Record<string, string[]> = {};
      for (const ref of flags.protocol) {
        const resolved = await resolveProtocol(ref, set);
        set = resolved.set;
        // A scenario names a plug-in by its path: as typed here, or as a sibling of the scenario.
        if (isModuleRef(ref)) aliases[resolved.protocol.name] = [...new Set([...(aliases[resolved.protocol.name] ?? []), ref, `./${basename(ref)}`])];
      }
      printLine(scenarioJsonSchemaText(set.definitions, aliases).trimEnd());
    });
}
