// Serve mode for the annotation benchmark: what `ctt serve` does (createWorkbench + startServer, a token
// per start, the same HTTP adapter), but serving a renderer the benchmark built into its own folder, so
// a build of the shared out/ by anyone else during the run cannot swap the bundle under the page.
// Usage: node --import tsx test/bench/annotation-serve.ts <dataDir> <rendererDir>
import { startServer } from '../../src/main/http/server';
import { createWorkbench } from '../../src/main/workbench';

const [dataDir, rendererDir] = process.argv.slice(2);
if (dataDir === undefined || rendererDir === undefined) {
  console.error('usage: annotation-serve.ts <dataDir> <rendererDir>');
  process.exit(2);
}
const workbench = createWorkbench({ dataDir, mode: 'serve', backendOverride: 'cpu' });
const running = await startServer({ workbench, host: '127.0.0.1', port: 0, rendererDir });
console.log(`Open: ${running.openUrl}`);
// The backend probe runs once; the benchmark waits for it so it does not compete with the timings.
const info = await workbench.backend();
console.log(`Backend: ${info?.backend ?? 'none'}`);
process.once('SIGTERM', () => {
  void running
    .close()
    .then(() => workbench.close())
    .then(() => process.exit(0));
});
