/**
 * The baseline of `npm run bench -- sync`: the reference y-websocket server of `@y/websocket-server`
 * (its `setupWSConnection`), on a plain HTTP server on 127.0.0.1:$PORT, with no persistence (YPERSISTENCE
 * unset) and no authentication. The document name is the URL path. Run as a child process by the benchmark.
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
