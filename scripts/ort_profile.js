// Where ONNX Runtime spends a forward pass: runs one ONNX model with the
// session profiler on and prints milliseconds per run for each operator
// type, summed over its nodes, largest first.
//
// Usage: NODE_PATH=/tmp/ort/node_modules node scripts/ort_profile.js \
//            --model FILE [--threads N] [--runs N]
//
// The model is the one scripts/compare_onnxruntime.sh exports (keep it with
// --out DIR: DIR/vit-b-16-224-b1.onnx); session options as in ort_bench.js.
// The first run is a warm-up and is left out of the sums.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const ort = require('onnxruntime-node');

function args(argv) {
  const a = { threads: 1, runs: 25 };
  for (let i = 0; i < argv.length; i += 2) {
    if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`);
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--model': a.model = v; break;
      case '--threads': a.threads = parseInt(v, 10); break;
      case '--runs': a.runs = parseInt(v, 10); break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  if (!a.model || !(a.threads > 0) || !(a.runs > 0)) throw new Error('--model is required; --threads and --runs must be positive');
  return a;
}

async function main() {
  const a = args(process.argv.slice(2));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ortprof-'));
  const sess = await ort.InferenceSession.create(a.model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: a.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    enableProfiling: true,
    profileFilePrefix: path.join(dir, 'p'),
  });
  const name = sess.inputNames[0];
  const dims = [1, 3, 224, 224];
  const data = Float32Array.from({ length: dims.reduce((x, y) => x * y) }, () => Math.random() * 2 - 1);
  const feeds = { [name]: new ort.Tensor('float32', data, dims) };
  for (let i = 0; i <= a.runs; i++) await sess.run(feeds);
  await sess.endProfiling();
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
  if (files.length !== 1) throw new Error(`expected one profile in ${dir}, found ${files.length}`);
  const events = JSON.parse(fs.readFileSync(path.join(dir, files[0])));
  const runs = events.filter((e) => e.name === 'model_run').slice(1);
  const first = runs[0].ts;
  const sums = new Map();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || e.ts < first) continue;
    const op = e.args.op_name;
    const s = sums.get(op) || { us: 0, n: 0 };
    s.us += e.dur;
    s.n += 1;
    sums.set(op, s);
  }
  const perRun = (us) => (us / runs.length / 1000).toFixed(2);
  const total = runs.reduce((t, e) => t + e.dur, 0);
  console.log(`threads ${a.threads}, ${runs.length} runs, ${perRun(total)} ms per run`);
  for (const [op, s] of [...sums].sort((x, y) => y[1].us - x[1].us)) {
    console.log(`${op.padEnd(24)} ${perRun(s.us).padStart(8)} ms  ${s.n / runs.length} nodes`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => { console.error(`ort_profile: ${e.message}`); process.exit(1); });
