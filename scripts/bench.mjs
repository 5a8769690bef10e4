#!/usr/bin/env node
// `npm run bench -- <name>`: runs one benchmark (they print numbers and ratios; never pass/fail).
//   lm      GPT-NeoX forward / forward+backward tokens/s vs PyTorch CPU (test/bench/lm-bench.ts)
//   lm-memory  peak RSS of a Pythia-1B-shaped model: load and one short forward
//   crosscoder  crosscoder training steps/s vs PyTorch CPU (test/bench/crosscoder-bench.ts)
//   matmul  matmul GFLOP/s on every backend that loads (ctt self-test --all-backends)
//   annotation  Features page with 65,536 features: queue SQL vs naive, UI switch/scroll/typing vs app:info (test/bench/annotation-bench.ts)
import { spawnSync } from 'node:child_process';

const benches = {
  lm: ['--import', 'tsx', 'test/bench/lm-bench.ts'],
  crosscoder: ['--import', 'tsx', 'test/bench/crosscoder-bench.ts'],
  'lm-memory': ['--max-old-space-size=8192', '--import', 'tsx', 'test/bench/lm-memory.ts'],
  matmul: ['bin/ctt.mjs', 'self-test', '--all-backends'],
  annotation: ['--import', 'tsx', 'test/bench/annotation-bench.ts'],
};
const name = process.argv[2] ?? 'matmul';
const args = benches[name];
if (!args) {
  console.error(`Unknown benchmark "${name}": use one of ${Object.keys(benches).join(', ')}.`);
  process.exit(2);
}
process.exit(
  spawnSync(process.execPath, [...args, ...process.argv.slice(3)], { stdio: 'inherit' }).status ?? 1,
);
