// `npm run build`: the client (Vite, into client/dist) and the server (tsc, into build/).
import path from 'node:path';
import { ROOT, buildServer } from './server-build.mjs';

const { build } = await import('vite');
await build({ configFile: path.join(ROOT, 'client', 'vite.config.ts'), mode: 'production' });
buildServer();
