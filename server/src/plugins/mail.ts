import fp from 'fastify-plugin';
import { createMailer, type Mailer } from '#server/mail/mailer.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Outgoing mail: SMTP, or the data directory's outbox. */
    mailer: Mailer;
  }
}

/** Makes the mailer available to routes; one is made from the configuration unless given (tests). */
export const mailPlugin = fp<{ mailer?: Mailer }>(
  async (app, options) => {
    const mailer = options.mailer ?? createMailer(app.config, app.log);
    app.decorate('mailer', mailer);
    app.addHook('onClose', async () => mailer.close());
  },
  { name: 'mail', dependencies: ['db'] },
);
