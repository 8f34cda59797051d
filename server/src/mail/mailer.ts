import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '#server/config.js';

/** One outgoing mail. Bodies are already rendered; headers are added as given (e.g. List-Unsubscribe). */
interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
  /** What the mail is (`digest`, `reminder`, `password-reset`), for logs and outbox file names. */
  kind: string;
}

/** What the transport did with a mail; `file` is the .eml written in outbox mode. */
interface SentMail {
  messageId: string;
  file: string | null;
}

/** Sends mail: over SMTP, or into the outbox directory when no SMTP server is configured. */
export interface Mailer {
  readonly mode: 'smtp' | 'outbox';
  send(message: MailMessage): Promise<SentMail>;
  close(): void;
}

/** The minimal logger the mailer needs (Fastify's and pino's fit). */
interface MailLog {
  info(details: object, message: string): void;
}

/** Where outbox mails are written. */
function outboxDir(dataDir: string): string {
  return path.join(dataDir, 'outbox');
}

/**
 * The process's mailer. With `SMTP_URL` nodemailer sends over SMTP (one pooled transport). Without it,
 * nodemailer's stream transport builds the exact raw message an SMTP server would get, and it is written
 * as `DATA_DIR/outbox/<time>-<kind>-<random>.eml` and logged, so that the demo needs no mail server.
 */
export function createMailer(
  config: Pick<Config, 'smtpUrl' | 'mailFrom' | 'dataDir'>,
  log: MailLog | null = null,
): Mailer {
  const envelope = (m: MailMessage) => ({
    from: config.mailFrom,
    to: m.to,
    subject: m.subject,
    text: m.text,
    html: m.html,
    headers: m.headers,
  });

  if (config.smtpUrl) {
    const transport = nodemailer.createTransport(config.smtpUrl);
    return {
      mode: 'smtp',
      async send(message) {
        const info = await transport.sendMail(envelope(message));
        log?.info({ kind: message.kind, to: message.to, messageId: info.messageId }, 'mail sent');
        return { messageId: info.messageId, file: null };
      },
      close: () => transport.close(),
    };
  }

  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const dir = outboxDir(config.dataDir);
  return {
    mode: 'outbox',
    async send(message) {
      const info = await transport.sendMail(envelope(message));
      await fs.mkdir(dir, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const file = path.join(dir, `${stamp}-${message.kind}-${crypto.randomBytes(4).toString('hex')}.eml`);
      await fs.writeFile(file, info.message as Buffer, { flag: 'wx', mode: 0o600 });
      log?.info({ kind: message.kind, to: message.to, subject: message.subject, file }, 'mail written to the outbox');
      return { messageId: info.messageId, file };
    },
    close: () => transport.close(),
  };
}
