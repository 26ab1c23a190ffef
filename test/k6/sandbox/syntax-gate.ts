import { transformSync } from 'esbuild';

/**
 * Syntax V8 parses and Sobek rejects at parse time (k6-runtime.md §1.3). esbuild lowers (or rewrites into
 * `new RegExp`) exactly the constructs marked unsupported, so comparing its output with and without the marks
 * finds them through a real parser: strings and comments that merely mention them don't count.
 */
const FEATURES = {
  'async-generator': 'Async generators are not supported yet',
  'for-await': "'for await' is not supported (Sobek expects '(' after 'for')",
  'regexp-unicode-property-escapes': 'regular expression unicode property escapes \\p{...} are not supported',
  'regexp-match-indices': "the regular expression 'd' flag (match indices) is not supported",
  'regexp-set-notation': "the regular expression 'v' flag is not supported",
} as const;

type Feature = keyof typeof FEATURES;

const verdicts = new Map<string, string | undefined>();

/** Throws a SyntaxError naming the file and the construct when the source uses syntax k6 cannot parse. */
export function assertSobekSyntax(source: string, file: string): void {
  const key = `${file}\0${source}`;
  if (!verdicts.has(key)) verdicts.set(key, findUnsupported(source, file));
  const problem = verdicts.get(key);
  if (problem !== undefined) throw new SyntaxError(`${file}: ${problem}`);
}

function findUnsupported(source: string, file: string): string | undefined {
  const compile = (features: Feature[]) =>
    transformSync(source, {
      loader: 'js',
      format: 'esm',
      sourcefile: file,
      supported: Object.fromEntries(features.map((feature) => [feature, false])),
    }).code;
  const all = Object.keys(FEATURES) as Feature[];
  let baseline: string;
  try {
    baseline = compile([]);
  } catch (error) {
    return (error as Error).message;
  }
  if (compile(all) === baseline) return undefined;
  return all
    .filter((feature) => compile([feature]) !== baseline)
    .map((feature) => FEATURES[feature])
    .join('; ');
}
