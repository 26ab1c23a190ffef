import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A module loaded on first use rather than at start-up: the noble libraries take 100–300 ms to load, which
 * `kmslab serve` should not pay before it listens, nor at all when no key needs them. Node ≥ 20.19 loads these
 * ES modules with require(), synchronously, so the crypto keeps its synchronous API.
 */
export function onFirstUse<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= require(specifier) as T;
    return loaded;
  };
}
