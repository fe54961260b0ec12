// node-postgres (Debian's node-pg) clients doing prepared-statement-heavy
// work at once through the proxy: named queries ({name, text, values}) that
// every client shares, a name every client uses for a different text, and
// short transactions. Prints one JSON line: rounds done, wrong results and
// the errors seen. Used by test_pg_node_postgres.py.
'use strict';
const { Client } = require('pg');

const [host, port, user, password, database, clientsArg, roundsArg] = process.argv.slice(2);
const clients = Number(clientsArg);
const rounds = Number(roundsArg);

async function work(index) {
  const client = new Client({ host, port: Number(port), user, password, database, connectionTimeoutMillis: 10000 });
  const report = { done: 0, wrong: 0, errors: [] };
  await client.connect();
  try {
    for (let i = 0; i < rounds; i++) {
      try {
        const id = (i * 7 + index) % 1000 + 1;
        // The same name and text on every client.
        const item = await client.query({ name: 'item_by_id', text: 'SELECT name, price FROM items WHERE id = $1', values: [id] });
        // The same name on every client, a different text on each.
        const own = await client.query({ name: 'own', text: `SELECT $1::int + ${index} AS v`, values: [i] });
        if (item.rows.length !== 1 || item.rows[0].name !== `item${id}` || Number(own.rows[0].v) !== i + index) report.wrong++;
        if (i % 10 === 0) {
          // A transaction: its statements share one server connection.
          await client.query('BEGIN');
          await client.query({ name: 'bump', text: 'UPDATE counters SET n = n + 1 WHERE client = $1', values: [index] });
          const seen = await client.query({ name: 'read_counter', text: 'SELECT n FROM counters WHERE client = $1', values: [index] });
          await client.query('COMMIT');
          if (Number(seen.rows[0].n) !== i / 10 + 1) report.wrong++;
        }
        report.done++;
      } catch (error) {
        report.errors.push(`client ${index} round ${i}: ${error.code || ''} ${error.message}`);
        try { await client.query('ROLLBACK'); } catch (ignored) { /* the next round reports it */ }
      }
    }
  } finally {
    await client.end();
  }
  return report;
}

async function main() {
  const reports = await Promise.all(Array.from({ length: clients }, (_, index) => work(index)));
  const total = { done: 0, wrong: 0, errors: [] };
  for (const report of reports) {
    total.done += report.done;
    total.wrong += report.wrong;
    total.errors.push(...report.errors);
  }
  console.log(JSON.stringify(total));
}

main().catch((error) => {
  console.log(JSON.stringify({ done: 0, wrong: 0, errors: [`fatal: ${error.code || ''} ${error.message}`] }));
  process.exitCode = 1;
});
