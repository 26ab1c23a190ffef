// The console's entry point, bundled into dist/console/app.js by scripts/build.mjs.
import { render } from 'preact';
import { useRuntime } from '../client/runtime/runtime.ts';
import { App } from './app.tsx';
import { browserRuntime } from './runtime.ts';

useRuntime(browserRuntime);

render(<App />, document.getElementById('app') as HTMLElement);
