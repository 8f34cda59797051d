import { spawn } from 'node:child_process';

// `npm run dev`: the API server restarting on change (tsx watch) and Vite's dev server, which proxies
// /api, /yjs and /socket.io to it (client/vite.config.ts). Ctrl+C stops both.
const children = [
  spawn(process.execPath, ['--import', 'tsx', '--watch', 'server/src/main.ts'], { stdio: 'inherit' }),
  spawn(process.execPath, ['node_modules/vite/bin/vite.js', '--config', 'client/vite.config.ts'], { stdio: 'inherit' }),
];
const stop = () => children.forEach((c) => c.kill('SIGTERM'));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
children.forEach((c) => c.on('exit', stop));
