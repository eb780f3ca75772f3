/**
 * Small stand-in servers for the reliability suite:
 * - a canary: a TCP listener that only counts connections (and closes them), put where Redis or QuestDB
 *   would be, to prove that a refused command never reached them;
 * - a huge-body API: answers every request 200 application/json with a body far beyond the client's size
 *   limit, either declared up front (Content-Length) or streamed without end (chunked).
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface Canary {
  readonly port: number;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export async function startCanary(): Promise<Canary> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    count += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface HugeBodyServer {
  readonly url: string;
  /** Requests received. */
  requests(): number;
  /** Bytes written to all clients together (the client must stop reading early). */
  bytesSent(): number;
  close(): Promise<void>;
}

/**
 * `declared`: Content-Length says `totalBytes` and that many bytes follow; `chunked`: no length, the body
 * streams until `totalBytes` or until the client hangs up.
 */
export async function startHugeBodyServer(mode: 'declared' | 'chunked', totalBytes = 512 * 1024 * 1024): Promise<HugeBodyServer> {
  let requests = 0;
  let sent = 0;
  const piece = Buffer.from(`{"RequestId":"huge","DataInterval":"60","Padding":"${'x'.repeat(64 * 1024)}`);
  const server: HttpServer = createHttpServer((req, res) => {
    requests += 1;
    req.resume();
    const headers: Record<string, string | number> = { 'content-type': 'application/json;charset=utf-8' };
    if (mode === 'declared') headers['content-length'] = totalBytes;
    res.writeHead(200, headers);
    let written = 0;
    const pump = (): void => {
      while (written < totalBytes && !res.destroyed) {
        const n = Math.min(piece.length, totalBytes - written);
        written += n;
        sent += n;
        if (!res.write(n === piece.length ? piece : piece.subarray(0, n))) {
          res.once('drain', pump);
          return;
        }
      }
      if (!res.destroyed) res.end();
    };
    res.on('error', () => undefined);
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    bytesSent: () => sent,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
