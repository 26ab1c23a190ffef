import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';
import type { Realm } from './realm.ts';
import { assertSobekSyntax } from './syntax-gate.ts';

/** k6's built-in modules that the sandbox does not emulate: importing one fails loudly rather than subtly. */
const UNEMULATED = [
  'k6/crypto/x509',
  'k6/data',
  'k6/html',
  'k6/metrics',
  'k6/net/grpc',
  'k6/ws',
  'k6/websockets',
  'k6/browser',
  'k6/secrets',
];

export type Builtins = (name: string) => Record<string, unknown> | undefined;

/**
 * Resolves and links one VU's module graph the way k6's loader does (k6-runtime.md §6): `k6` and `k6/*` are
 * built-ins, `./`, `../`, `/` and `file://` are files relative to the importing module, remote and bare
 * specifiers fail. Every file goes through the syntax gate first.
 */
export class ModuleLoader {
  private readonly modules = new Map<string, vm.Module>();

  constructor(
    private readonly realm: Realm,
    private readonly builtins: Builtins,
  ) {}

  /** Loads, links and evaluates the entry module; returns its namespace. */
  async run(entryFile: string): Promise<Record<string, unknown>> {
    const module = this.load(pathToFileURL(entryFile).href);
    await module.link((specifier, referencing) => this.resolve(specifier, referencing.identifier));
    await module.evaluate();
    return module.namespace as Record<string, unknown>;
  }

  private resolve(specifier: string, parent: string): vm.Module {
    if (specifier === 'k6' || specifier.startsWith('k6/')) return this.builtin(specifier);
    if (specifier.startsWith('https://'))
      throw new Error(`the sandbox cannot load remote module "${specifier}": it has no network access`);
    if (/^[a-z][a-z0-9+.-]*:/i.test(specifier) && !specifier.startsWith('file://'))
      throw new Error(
        `only supported schemes for imports are file and https, ${specifier} has \`${specifier.split(':')[0]}\``,
      );
    if (!/^(\.{1,2}\/|\/|file:\/\/)/.test(specifier))
      throw new Error(`The moduleSpecifier "${specifier}" couldn't be recognised as something k6 supports.`);
    if (parent.startsWith('k6:')) throw new Error(`a built-in module cannot import ${specifier}`);
    return this.load(new URL(specifier, parent).href);
  }

  private load(url: string): vm.Module {
    const cached = this.modules.get(url);
    if (cached) return cached;
    const file = fileURLToPath(url);
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch {
      throw new Error(`The moduleSpecifier "${url}" couldn't be found on local disk.`);
    }
    assertSobekSyntax(source, file);
    const module = new vm.SourceTextModule(source, {
      identifier: url,
      context: this.realm.context,
      initializeImportMeta: (meta) => {
        meta.url = url;
      },
      importModuleDynamically: (async (specifier: string, referencing: { identifier: string }) => {
        const imported = this.resolve(specifier, referencing.identifier);
        if (imported.status === 'unlinked') await imported.link((s, r) => this.resolve(s, r.identifier));
        if (imported.status === 'linked') await imported.evaluate();
        return imported;
      }) as never,
    });
    this.modules.set(url, module);
    return module;
  }

  private builtin(name: string): vm.Module {
    const url = `k6:${name}`;
    const cached = this.modules.get(url);
    if (cached) return cached;
    const exports = this.builtins(name);
    if (!exports) {
      if (UNEMULATED.includes(name) || name.startsWith('k6/experimental/'))
        throw new Error(`the k6 sandbox does not emulate the module "${name}"`);
      throw new Error(`unknown module: ${name}`);
    }
    const names = Object.keys(exports);
    const module = new vm.SyntheticModule(
      names,
      function (this: vm.SyntheticModule) {
        for (const exported of names) this.setExport(exported, exports[exported]);
      },
      { identifier: url, context: this.realm.context },
    );
    this.modules.set(url, module);
    return module;
  }
}
