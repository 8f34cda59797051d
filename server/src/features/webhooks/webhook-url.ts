/**
 * Which webhook URLs a board owner may give, and how they are shown. Pure functions, no I/O.
 *
 * Decision: https only, and for the hosted platforms only their own webhook hosts — Slack
 * `hooks.slack.com`; Discord `discord.com`, `discordapp.com` and their `ptb.`/`canary.` hosts, under
 * `/api/webhooks/`; Teams `*.webhook.office.com` (incoming webhooks), `*.logic.azure.com` and
 * `*.powerplatform.com` (Power Automate workflows). Mattermost is self-hosted, so any https host, but
 * never a loopback, private or link-local address (checked here for IP literals and again at connect
 * time for names, with the feeds' address guard). `WEBHOOKS_ALLOW_PRIVATE_URLS` lifts all of this (http,
 * any host, any address): for tests and for chat servers on a private network.
 */
import net from 'node:net';
import type { WebhookKind } from '#shared/schemas/webhooks.js';
import { isPrivateAddress } from '#server/features/feeds/feed-http.js';

const DISCORD_HOSTS = new Set(['discord.com', 'discordapp.com', 'ptb.discord.com', 'canary.discord.com']);
const TEAMS_SUFFIXES = ['.webhook.office.com', '.logic.azure.com', '.powerplatform.com'];

/** Why `raw` cannot be a webhook of `kind` (a sentence for a 400), or null when it can. */
export function webhookUrlProblem(kind: WebhookKind, raw: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  if (url.username || url.password) return 'must not carry a user name or password';
  if (allowPrivate) return url.protocol === 'https:' || url.protocol === 'http:' ? null : 'must be an http(s) URL';
  if (url.protocol !== 'https:') return 'must be an https URL';
  const host = url.hostname.toLowerCase();
  switch (kind) {
    case 'slack':
      return host === 'hooks.slack.com' ? null : 'must be a Slack incoming webhook (https://hooks.slack.com/…)';
    case 'discord':
      return DISCORD_HOSTS.has(host) && url.pathname.startsWith('/api/webhooks/')
        ? null
        : 'must be a Discord webhook (https://discord.com/api/webhooks/…)';
    case 'teams':
      return TEAMS_SUFFIXES.some((suffix) => host.endsWith(suffix))
        ? null
        : 'must be a Teams incoming webhook or Power Automate workflow URL (…webhook.office.com, …logic.azure.com)';
    case 'mattermost': {
      const literal = host.replace(/^\[|\]$/g, '');
      if (host === 'localhost' || (net.isIP(literal) && isPrivateAddress(literal))) {
        return 'must not point into a private network';
      }
      return null;
    }
  }
}

/** The URL as owners see it again: scheme, host and its last four characters (`https://hooks.slack.com/…/AbCd`). */
export function maskUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}/…/${raw.slice(-4)}`;
  } catch {
    return `…/${raw.slice(-4)}`;
  }
}
