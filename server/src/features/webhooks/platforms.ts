/**
 * A {@link ChatMessage} in each platform's documented incoming-webhook format. Pure functions, no I/O.
 * - Slack: Block Kit, `{ text, blocks }`; `text` is the notification fallback. mrkdwn treats `&`, `<`, `>`
 *   as markup (`<!channel>` would ping everyone), so user text is escaped; times use Slack's date token,
 *   which each reader sees in their own zone.
 * - Mattermost: Slack-compatible `{ text }` in Markdown (Mattermost renders Markdown, not Block Kit), with
 *   `@` neutralised so that a paper titled "@all" pings nobody.
 * - Discord: `{ content, embeds: [{ title, url, description, fields, timestamp }], allowed_mentions }` with
 *   no mentions allowed; times as `<t:…>` tokens (the reader's zone), within Discord's length limits.
 * - Teams: an Adaptive Card 1.4 in a message, `{ type: 'message', attachments: [{ contentType, content }] }`,
 *   what both Teams incoming webhooks and Power Automate "post to a channel" workflows accept; times use the
 *   card's DATE()/TIME() functions (the reader's zone).
 */
import type { WebhookKind } from '#shared/schemas/webhooks.js';
import type { ChatField, ChatMessage } from './chat-message.js';

/** Cuts text to `max` characters, with an ellipsis when cut. */
function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const escapeSlack = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Markdown's special characters escaped, and `@` kept from starting a mention. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|~>]/g, '\\$&').replace(/@/g, '@\u200b');
}

const epoch = (date: Date) => Math.floor(date.getTime() / 1000);

function slackField(field: ChatField): string {
  const value = field.time
    ? `<!date^${epoch(field.time)}^{date_short_pretty} at {time}|${escapeSlack(field.value)}>`
    : escapeSlack(field.value);
  return `*${escapeSlack(field.name)}*\n${value}`;
}

/** Slack Block Kit. */
export function slackPayload(m: ChatMessage): object {
  const headline = m.paperTitle
    ? `*<${escapeSlack(m.url)}|${escapeSlack(cut(m.paperTitle, 500))}>*`
    : `<${escapeSlack(m.url)}|Open in Paperboard>`;
  return {
    text: cut(m.paperTitle ? `${m.title}: ${m.paperTitle}` : m.title, 3000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: cut(m.title, 150), emoji: false } },
      { type: 'section', text: { type: 'mrkdwn', text: headline } },
      ...(m.fields.length
        ? [
            {
              type: 'section',
              fields: m.fields.slice(0, 10).map((f) => ({ type: 'mrkdwn', text: cut(slackField(f), 2000) })),
            },
          ]
        : []),
      { type: 'context', elements: [{ type: 'mrkdwn', text: `Paperboard · ${escapeSlack(cut(m.boardName, 200))}` }] },
    ],
  };
}

/** Mattermost: Slack-compatible `{ text }` in Markdown. */
export function mattermostPayload(m: ChatMessage): object {
  const lines = [
    `#### ${escapeMarkdown(m.title)}`,
    m.paperTitle ? `**[${escapeMarkdown(m.paperTitle)}](${m.url})**` : `[Open in Paperboard](${m.url})`,
    ...m.fields.map((f) => `**${escapeMarkdown(f.name)}:** ${escapeMarkdown(f.value).replace(/\n/g, ', ')}`),
  ];
  return { text: cut(lines.join('\n'), 16_000) };
}

/** Discord embeds. */
export function discordPayload(m: ChatMessage): object {
  const field = (f: ChatField) => ({
    name: cut(f.name, 256),
    value: cut(f.time ? `<t:${epoch(f.time)}:F> (<t:${epoch(f.time)}:R>)` : escapeMarkdown(f.value), 1024),
    inline: !f.value.includes('\n'),
  });
  return {
    content: cut(escapeMarkdown(m.title), 2000),
    embeds: [
      {
        title: cut(m.paperTitle ?? m.title, 256),
        url: m.url,
        description: cut(m.paperTitle ? escapeMarkdown(m.title) : `On ${escapeMarkdown(m.boardName)}`, 4096),
        fields: m.fields.slice(0, 25).map(field),
        timestamp: m.at.toISOString(),
        footer: { text: 'Paperboard' },
      },
    ],
    allowed_mentions: { parse: [] },
  };
}

/** Teams: an Adaptive Card in a message. */
export function teamsPayload(m: ChatMessage): object {
  // A TextBlock renders a little Markdown; facts and titles are plain text, escaped all the same.
  const plain = (text: string) => escapeMarkdown(text).replace(/\u200b/g, '');
  const fact = (f: ChatField) => ({
    title: plain(f.name),
    value: f.time
      ? `{{DATE(${f.time.toISOString().replace(/\.\d{3}Z$/, 'Z')}, SHORT)}} {{TIME(${f.time.toISOString().replace(/\.\d{3}Z$/, 'Z')})}}`
      : plain(f.value).replace(/\n/g, ', '),
  });
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', text: plain(m.title), weight: 'Bolder', size: 'Medium', wrap: true },
            ...(m.paperTitle ? [{ type: 'TextBlock', text: plain(m.paperTitle), wrap: true }] : []),
            ...(m.fields.length ? [{ type: 'FactSet', facts: m.fields.map(fact) }] : []),
          ],
          actions: [
            { type: 'Action.OpenUrl', title: m.paperTitle ? 'Open the paper' : 'Open in Paperboard', url: m.url },
          ],
        },
      },
    ],
  };
}

/** The request body for a webhook of `kind`. */
export function platformPayload(kind: WebhookKind, message: ChatMessage): object {
  switch (kind) {
    case 'slack':
      return slackPayload(message);
    case 'mattermost':
      return mattermostPayload(message);
    case 'discord':
      return discordPayload(message);
    case 'teams':
      return teamsPayload(message);
  }
}
