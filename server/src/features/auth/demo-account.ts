import type { Sql } from '#server/db/sql.js';
import { emailKey } from './email.js';
import { getSetting } from './settings.repository.js';

/** Setting key under which demo mode keeps the demo account's credentials. */
export const DEMO_CREDENTIALS_KEY = 'demo_credentials';

/** The demo account's credentials, shown on the login page in demo mode. */
export interface DemoCredentials {
  email: string;
  password: string;
}

/** Whether `email` is the demo account's (its password and address are not to be changed by visitors). */
export async function isDemoAccount(sql: Sql, email: string): Promise<boolean> {
  const demo = await getSetting<DemoCredentials>(sql, DEMO_CREDENTIALS_KEY);
  return demo !== null && emailKey(demo.email) === emailKey(email);
}
