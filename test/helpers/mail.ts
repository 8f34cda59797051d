import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

/** A mail as the test SMTP server received it, parsed by a real MIME parser. */
export interface ReceivedMail {
  /** The envelope recipients (RCPT TO). */
  to: string[];
  parsed: ParsedMail;
  /** A header as sent (first occurrence), unfolded; null when absent. */
  header(name: string): string | null;
}

/** A real SMTP server in the test process, collecting what it receives. */
export interface TestSmtp {
  /** `smtp://127.0.0.1:<port>` for `SMTP_URL`. */
  url: string;
  received: ReceivedMail[];
  /** The mails received so far for `address`. */
  to(address: string): ReceivedMail[];
  /** Resolves with the first mail (already received or still to come) that matches. */
  waitFor(match: (mail: ReceivedMail) => boolean): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/** Starts an SMTP server on a free loopback port (no TLS, no authentication). */
export async function startSmtp(): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          received.push({
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            parsed,
            header(name) {
              const line = parsed.headerLines.find((h) => h.key === name.toLowerCase())?.line;
              if (!line) return null;
              return line
                .slice(line.indexOf(':') + 1)
                .replace(/\r?\n[ \t]+/g, ' ')
                .trim();
            },
          });
          waiters.forEach((w) => w());
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    to: (address) => received.filter((m) => m.to.includes(address.toLowerCase())),
    waitFor(match) {
      return new Promise((resolve) => {
        const check = () => {
          const found = received.find(match);
          if (!found) return false;
          waiters.delete(check);
          resolve(found);
          return true;
        };
        if (!check()) waiters.add(check);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
