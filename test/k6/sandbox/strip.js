// Runs inside each VU's context before any script: removes what V8 has and Sobek (k6's engine) does not,
// per k6-runtime.md §1.3 and §9, and makes RegExp reject at runtime what the syntax gate rejects in literals.
(() => {
  const remove = (owner, names) => {
    for (const name of names) if (owner && Object.hasOwn(owner, name)) delete owner[name];
  };
  remove(globalThis, [
    'Intl',
    'WeakRef',
    'FinalizationRegistry',
    'SharedArrayBuffer',
    'Atomics',
    'WebAssembly',
    'Iterator',
    'Float16Array',
    'DisposableStack',
    'AsyncDisposableStack',
    'SuppressedError',
    'Temporal',
    'console',
  ]);
  remove(Error, ['captureStackTrace']);
  remove(Promise, ['withResolvers', 'try']);
  remove(Array, ['fromAsync']);
  remove(Object, ['groupBy']);
  remove(Map, ['groupBy']);
  remove(Set.prototype, [
    'union',
    'intersection',
    'difference',
    'symmetricDifference',
    'isSubsetOf',
    'isSupersetOf',
    'isDisjointFrom',
  ]);
  remove(String.prototype, ['isWellFormed', 'toWellFormed']);
  remove(Uint8Array, ['fromBase64', 'fromHex']);
  remove(Uint8Array.prototype, ['toBase64', 'toHex', 'setFromBase64', 'setFromHex']);
  remove(ArrayBuffer.prototype, [
    'transfer',
    'transferToFixedLength',
    'resize',
    'resizable',
    'maxByteLength',
    'detached',
  ]);
  remove(RegExp, ['escape']);
  remove(Math, ['sumPrecise', 'f16round']);

  const NativeRegExp = RegExp;
  const check = (pattern, flags) => {
    const flagText =
      flags === undefined ? (pattern instanceof NativeRegExp ? pattern.flags : '') : String(flags);
    const source =
      pattern instanceof NativeRegExp ? pattern.source : pattern === undefined ? '' : String(pattern);
    if (/[dv]/.test(flagText))
      throw new SyntaxError(`Invalid flags supplied to RegExp constructor '${flagText}'`);
    if (flagText.includes('u') && /(^|[^\\])(\\\\)*\\[pP]\{/.test(source))
      throw new SyntaxError(
        `Invalid regular expression: /${source}/${flagText}: unicode property escapes are not supported`,
      );
  };
  const GuardedRegExp = new Proxy(NativeRegExp, {
    construct(target, args, newTarget) {
      check(args[0], args[1]);
      return Reflect.construct(target, args, newTarget === GuardedRegExp ? target : newTarget);
    },
    apply(target, self, args) {
      check(args[0], args[1]);
      return Reflect.apply(target, self, args);
    },
  });
  Object.defineProperty(globalThis, 'RegExp', { value: GuardedRegExp, writable: true, configurable: true });
})();
