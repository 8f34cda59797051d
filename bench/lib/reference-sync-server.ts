/**
 * The baselines of `npm run bench -- sync`: the reference y-websocket server of `@y/websocket-server`
 * (its `setupWSConnection`), on a plain HTTP server on 127.0.0.1:$PORT, with no authentication. The
 * document name is the URL path. Run as a child process by the benchmark, in two modes:
 * - `reference`: YPERSISTENCE unset, no persistence (documents live in memory only);
 * - `reference-persisting`: YPERSISTENCE=<fresh directory>, every update stored in a LevelDB there by
 *   y-leveldb. @y/websocket-server/utils reads the variable when it is imported, so it must be in the
 *   process's environment from the start.
 */
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { setupWSConnection } from '@y/websocket-server/utils';

const port = Number(process.env.PORT);
const wss = new WebSocketServer({ noServer: true });
const server = http.createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain' });
  response.end('okay');
});
server.on('upgrade', (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, (ws) => setupWSConnection(ws, request));
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => {
  wss.close();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
