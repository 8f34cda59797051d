import { describe, expect, it } from 'vitest';
import { chatMessage, safeLink, type EventFacts } from '#server/features/webhooks/chat-message.js';
import { discordPayload, mattermostPayload, slackPayload, teamsPayload } from '#server/features/webhooks/platforms.js';
import { maskUrl, webhookUrlProblem } from '#server/features/webhooks/webhook-url.js';

const at = new Date('2031-03-01T09:00:00Z');
const sessionAt = new Date('2031-03-04T18:00:00Z');
const board = { id: '00000000-0000-4000-8000-000000000001', name: 'ML <reading> & co' };
const BASE = 'https://paperboard.example';

const FACTS: EventFacts[] = [
  {
    event: 'nomination',
    paperTitle: 'Attention <!channel> @all',
    paperUrl: 'https://arxiv.org/abs/1706.03762',
    nominatedBy: 'Ada',
  },
  { event: 'round.opened', method: 'ranked', candidates: 4, closesAt: sessionAt, ballots: 0 },
  { event: 'round.closing', method: 'dots', candidates: 3, closesAt: sessionAt, ballots: 2 },
  { event: 'round.closed', method: 'approval', winners: ['Paper A', 'Paper B'], ballots: 5 },
  { event: 'session.scheduled', moved: false, paperTitle: 'Paper A', paperUrl: null, presenter: 'Grace', sessionAt },
  { event: 'session.scheduled', moved: true, paperTitle: 'Paper A', paperUrl: null, presenter: 'Grace', sessionAt },
  { event: 'session.tomorrow', moved: false, paperTitle: 'Paper A', paperUrl: null, presenter: 'Grace', sessionAt },
];

describe.each(
  FACTS.map((facts) => [facts.event + ('moved' in facts && facts.moved ? ' (moved)' : ''), facts] as const),
)('the %s message', (_name, facts) => {
  const message = chatMessage(facts, board, BASE, at);

  it('is Slack Block Kit: a fallback text, a header, sections and a context line, user text escaped', () => {
    const body = slackPayload(message) as {
      text: string;
      blocks: { type: string; text?: { type: string; text: string } }[];
    };
    expect(typeof body.text).toBe('string');
    expect(body.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    expect(body.blocks.map((b) => b.type)).toContain('section');
    expect(body.blocks.at(-1)!.type).toBe('context');
    const json = JSON.stringify(body.blocks);
    expect(json).not.toContain('<!channel>');
    expect(json).toContain('ML &lt;reading&gt; &amp; co');
    if (facts.event !== 'round.closed' && facts.event !== 'nomination') expect(json).toMatch(/<!date\^\d+\^/);
  });

  it('is Mattermost Markdown text without live mentions', () => {
    const body = mattermostPayload(message) as { text: string };
    expect(Object.keys(body)).toEqual(['text']);
    expect(body.text).toMatch(/^#### /);
    expect(body.text).not.toMatch(/@all\b/);
    expect(body.text).toContain(`](${message.url})`);
  });

  it('is a Discord embed with fields and a timestamp, mentions off', () => {
    const body = discordPayload(message) as {
      content: string;
      embeds: {
        title: string;
        url: string;
        description: string;
        fields: { name: string; value: string }[];
        timestamp: string;
      }[];
      allowed_mentions: { parse: string[] };
    };
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(body.embeds).toHaveLength(1);
    const [embed] = body.embeds;
    expect(embed.title.length).toBeLessThanOrEqual(256);
    expect(embed.url).toBe(message.url);
    expect(embed.timestamp).toBe(at.toISOString());
    expect(embed.fields.length).toBeGreaterThan(0);
    for (const field of embed.fields) expect(field.value.length).toBeLessThanOrEqual(1024);
  });

  it('is a Teams message carrying an Adaptive Card 1.4', () => {
    const body = teamsPayload(message) as {
      type: string;
      attachments: {
        contentType: string;
        content: { type: string; version: string; body: { type: string }[]; actions: { type: string; url: string }[] };
      }[];
    };
    expect(body.type).toBe('message');
    expect(body.attachments).toHaveLength(1);
    expect(body.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    const card = body.attachments[0].content;
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(card.body[0].type).toBe('TextBlock');
    expect(card.body.map((b) => b.type)).toContain('FactSet');
    expect(card.actions[0]).toEqual(expect.objectContaining({ type: 'Action.OpenUrl', url: message.url }));
  });
});

describe('messages', () => {
  it('name the winners of a closed round and say when a session moved', () => {
    const closed = chatMessage(FACTS[3], board, BASE, at);
    expect(closed.fields[0]).toEqual({ name: 'Winners', value: 'Paper A\nPaper B' });
    expect(chatMessage(FACTS[5], board, BASE, at).title).toMatch(/^Session moved/);
    expect(chatMessage(FACTS[4], board, BASE, at).title).toMatch(/^Session scheduled/);
    expect(chatMessage(FACTS[4], board, BASE, at).url).toBe(`${BASE}/boards/${board.id}/schedule`);
  });

  it('link only to http(s) URLs, with link-breaking characters encoded', () => {
    expect(safeLink('javascript:alert(1)')).toBeNull();
    expect(safeLink('https://x.example/a_(b)|c')).toBe('https://x.example/a_%28b%29%7Cc');
  });
});

describe('webhook URLs', () => {
  it('take each platform’s own https hosts, any public https host for Mattermost', () => {
    expect(webhookUrlProblem('slack', 'https://hooks.slack.com/services/T/B/x', false)).toBeNull();
    expect(webhookUrlProblem('slack', 'https://evil.example/services/x', false)).toMatch(/Slack/);
    expect(webhookUrlProblem('slack', 'http://hooks.slack.com/services/x', false)).toMatch(/https/);
    expect(webhookUrlProblem('discord', 'https://discord.com/api/webhooks/1/abc', false)).toBeNull();
    expect(webhookUrlProblem('discord', 'https://discord.com/channels/1', false)).toMatch(/Discord/);
    expect(webhookUrlProblem('teams', 'https://acme.webhook.office.com/webhookb2/x', false)).toBeNull();
    expect(webhookUrlProblem('teams', 'https://prod-1.westeurope.logic.azure.com/workflows/x', false)).toBeNull();
    expect(webhookUrlProblem('mattermost', 'https://chat.example.org/hooks/abc', false)).toBeNull();
    expect(webhookUrlProblem('mattermost', 'https://10.0.0.5/hooks/abc', false)).toMatch(/private/);
    expect(webhookUrlProblem('mattermost', 'https://u:p@chat.example.org/hooks/abc', false)).toMatch(/password/);
    expect(webhookUrlProblem('mattermost', 'http://127.0.0.1:9/hooks/abc', true)).toBeNull();
  });

  it('are masked to scheme, host and the last four characters', () => {
    expect(maskUrl('https://hooks.slack.com/services/T000/B000/abcdWXYZ')).toBe('https://hooks.slack.com/…/WXYZ');
  });
});
