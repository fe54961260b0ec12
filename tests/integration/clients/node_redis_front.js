// node-redis (Debian's node-redis, the v4 promise API) through switchyard's
// Redis front: SET/GET of many keys, a pipeline of 1000 commands, MULTI/EXEC,
// pub/sub with a counted number of messages, and SELECT of another database.
// Usage: node node_redis_front.js HOST PORT KEYS MESSAGES
// Prints one JSON line: what each step saw, so the Python test asserts on it.
const { createClient } = require('redis');

const [host, portText, keysText, messagesText] = process.argv.slice(2);
const port = Number(portText);
const keys = Number(keysText);
const messages = Number(messagesText);
const report = { errors: [] };

function connect(options = {}) {
  // No reconnect: a dropped connection must show up as an error, not be hidden.
  const client = createClient({ socket: { host, port, reconnectStrategy: false }, ...options });
  client.on('error', (error) => report.errors.push(`client error: ${error.message}`));
  return client.connect().then(() => client);
}

async function setAndGet(client) {
  for (let i = 0; i < keys; i++) await client.set(`node:${i}`, `value-${i}`);
  let wrong = 0;
  for (let i = 0; i < keys; i++) if ((await client.get(`node:${i}`)) !== `value-${i}`) wrong++;
  report.setget = { keys, wrong };
}

async function pipeline(client) {
  // node-redis pipelines commands issued in the same tick on one socket.
  const replies = await Promise.all(Array.from({ length: 1000 }, (_, i) => client.incr('node:counter')));
  const inOrder = replies.every((value, i) => value === i + 1);
  const batch = client.multi();
  for (let i = 0; i < 500; i++) batch.set(`node:p${i}`, String(i)).get(`node:p${i}`);
  const batchReplies = await batch.execAsPipeline();
  const batchWrong = batchReplies.filter((reply, i) => reply !== (i % 2 === 0 ? 'OK' : String((i - 1) / 2))).length;
  report.pipeline = { replies: replies.length, inOrder, batchReplies: batchReplies.length, batchWrong };
}

async function transaction(client) {
  const replies = await client.multi().set('node:tx', 'a').append('node:tx', 'b').get('node:tx').exec();
  report.multi = replies;
}

async function pubsub(client) {
  const subscriber = client.duplicate();
  subscriber.on('error', (error) => report.errors.push(`subscriber error: ${error.message}`));
  await subscriber.connect();
  let received = 0;
  let wrongOrder = 0;
  const allArrived = new Promise((resolve) => {
    subscriber.subscribe('node:channel', (message) => {
      if (message !== `m${received}`) wrongOrder++;
      received++;
      if (received === messages) resolve();
    });
  });
  // SUBSCRIBE's reply has come back once subscribe()'s promise resolves; wait for it.
  await new Promise((resolve) => setTimeout(resolve, 100));
  let delivered = 0;
  for (let i = 0; i < messages; i++) delivered += await client.publish('node:channel', `m${i}`);
  const timeout = new Promise((resolve) => setTimeout(resolve, 5000));
  await Promise.race([allArrived, timeout]);
  await subscriber.unsubscribe('node:channel');
  report.pubsub = { published: messages, delivered, received, wrongOrder };
  await subscriber.quit();
}

async function selectDatabase() {
  const inFive = await connect({ database: 5 });
  await inFive.set('node:db', 'five');
  const inZero = await connect();
  report.select = { fromFive: await inFive.get('node:db'), fromZero: await inZero.get('node:db') };
  await inFive.quit();
  await inZero.quit();
}

async function main() {
  const client = await connect();
  report.ping = await client.ping();
  await setAndGet(client);
  await pipeline(client);
  await transaction(client);
  await pubsub(client);
  await selectDatabase();
  await client.quit();
}

main()
  .catch((error) => report.errors.push(`failed: ${error.stack || error}`))
  .finally(() => { console.log(JSON.stringify(report)); process.exit(0); });
