import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Injector } from './factories.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A child process with its output collected, for tests of the real commands. */
export interface Child {
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Resolves when `pattern` appears on stdout or stderr; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<string>;
}

/** Runs a TypeScript entry point of the project (through tsx) with extra environment variables. */
export function runScript(script: string, args: string[], env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  proc.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    listeners.forEach((l) => l());
  });
  proc.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    listeners.forEach((l) => l());
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(out + err);
          if (match) {
            listeners.delete(check);
            resolve(match[0]);
          }
        };
        listeners.add(check);
        check();
        void exited.then((code) => {
          if (listeners.delete(check)) reject(new Error(`exited with ${code} before ${pattern}: ${out}\n${err}`));
        });
      });
    },
  };
}

/**
 * The factories' `inject` over real HTTP, for a server running in a child process (whose embedded
 * database no other process may open).
 */
export function httpInjector(baseUrl: string): Injector {
  return {
    async inject({ method = 'GET', url, headers = {}, payload }) {
      const response = await fetch(new URL(url, baseUrl), {
        method,
        headers: payload === undefined ? headers : { 'content-type': 'application/json', ...headers },
        body: payload === undefined ? undefined : JSON.stringify(payload),
      });
      const body = await response.text();
      return {
        statusCode: response.status,
        body,
        json: () => JSON.parse(body),
        cookies: response.headers.getSetCookie().map((line) => {
          const [pair] = line.split(';');
          const at = pair.indexOf('=');
          return { name: pair.slice(0, at).trim(), value: pair.slice(at + 1).trim() };
        }),
      };
    },
  };
}
