import crypto from 'node:crypto';
import * as Y from 'yjs';
import type { Config } from '#server/config.js';
import type { Sql } from '#server/db/sql.js';
import { addCard, addComment, initBoardDoc } from '#shared/protocol/board-doc/edits.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import { countUsers, createUser } from '#server/features/auth/users.repository.js';
import { getSetting, putSetting } from '#server/features/auth/settings.repository.js';
import { DEMO_CREDENTIALS_KEY, type DemoCredentials } from '#server/features/auth/demo-account.js';
import { hashPassword } from '#server/features/auth/password.js';
import { createBoard } from '#server/features/boards/boards.service.js';
import { firstPaperIds } from '#server/features/papers/papers.repository.js';

export type { DemoCredentials };

const DEMO_EMAIL = 'demo@paperboard.local';
// How the twelve demo papers spread over Nominated, Shortlist, Scheduled and Read.
const SPREAD = [5, 3, 2, 2];

/**
 * Demo mode: on first start creates a demo account and a board holding a dozen papers of the library
 * spread over its columns, with a comment to show threads. Returns the credentials (also on later
 * starts, so the log always says how to sign in), or null when the instance already has other users.
 */
export async function seedDemoAccount(sql: Sql, config: Config): Promise<DemoCredentials | null> {
  const existing = await getSetting<DemoCredentials>(sql, DEMO_CREDENTIALS_KEY);
  if (existing) return existing;
  if ((await countUsers(sql)) > 0) return null;

  const credentials = { email: DEMO_EMAIL, password: crypto.randomBytes(9).toString('base64url') };
  const user = await createUser(sql, {
    email: credentials.email,
    name: 'Demo Reader',
    passwordHash: await hashPassword(credentials.password, config.passwordHashCost),
  });
  if (!user) return null;

  const doc = new Y.Doc();
  initBoardDoc(doc);
  const columns = boardView(doc).columns;
  const paperIds = await firstPaperIds(
    sql,
    SPREAD.reduce((a, b) => a + b, 0),
  );
  let next = 0;
  let firstCard: string | null = null;
  SPREAD.forEach((count, column) => {
    for (let i = 0; i < count && next < paperIds.length; i++) {
      const cardId = addCard(doc, { paperId: paperIds[next++], columnId: columns[column].id, addedBy: user.id });
      firstCard ??= cardId;
    }
  });
  if (firstCard) {
    addComment(doc, {
      cardId: firstCard,
      authorId: user.id,
      body: 'Nominating this one: the dataset section looks useful for our **data quality** session.',
    });
  }
  await createBoard(sql, {
    name: 'Demo reading group',
    description: 'A sample board: nominate papers from the library, vote, comment and schedule presenters.',
    ownerId: user.id,
    doc,
  });
  doc.destroy();
  await putSetting(sql, DEMO_CREDENTIALS_KEY, credentials);
  return credentials;
}
