// A process that opens the embedded database of DATA_DIR, writes one committed row, says so and waits
// to be killed: what a server killed with `kill -9` leaves behind, for the orphan tests.
import { openDatabase } from '#server/db/connect.js';
import { migrate } from '#server/db/migrate.js';

const db = await openDatabase({ databaseUrl: null, dataDir: process.env.DATA_DIR!, log: () => {} });
await migrate(db.sql);
await db.sql`insert into instance_settings (key, value) values ('written-before-kill', '1'::jsonb)`;
console.log(`committed; postmaster ${db.embedded!.pid()}`);
setInterval(() => {}, 60_000);
