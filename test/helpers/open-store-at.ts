import { createStore } from '../../src/main/store/store';

// Child process of test/reliability/two-processes.test.ts: waits until the given time (so that several
// copies start together), opens the store at the path, prints `ok <schemaVersion>` or `error <message>`.

const [path, at] = [process.argv[2]!, Number(process.argv[3])];
while (Date.now() < at) {
  // Busy-wait: a timer would add its own jitter.
}
try {
  const store = createStore(path);
  const projects = store.projects.list().length;
  console.log(`ok ${store.schemaVersion} ${projects}`);
  store.close();
} catch (error) {
  console.log(`error ${error instanceof Error ? error.message : String(error)}`);
}
