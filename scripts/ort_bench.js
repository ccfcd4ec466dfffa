// ONNX Runtime side of scripts/compare_onnxruntime.sh: time one ONNX model
// the way `vitctl benchmark` times a row (untimed warm-up of at least one
// run, then timed runs until a time budget is spent, at least --min-runs)
// and print one CSV row.
//
// Usage: node ort_bench.js --model FILE --threads N [--batch B] [--time S]
//                          [--warmup S] [--min-runs N] [--header]
//
// Needs the npm package onnxruntime-node, found through NODE_PATH (the shell
// script installs it in a scratch directory). Session options:
// intraOpNumThreads N, interOpNumThreads 1, graphOptimizationLevel "all",
// executionMode "sequential". The input is uniform noise in [-1, 1).
'use strict';

const ort = require('onnxruntime-node');

function args(argv) {
  const a = { batch: 1, time: 3, warmup: 0.5, minRuns: 3, header: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${k} needs a value`);
      return argv[++i];
    };
    switch (k) {
      case '--model': a.model = v(); break;
      case '--threads': a.threads = parseInt(v(), 10); break;
      case '--batch': a.batch = parseInt(v(), 10); break;
      case '--time': a.time = parseFloat(v()); break;
      case '--warmup': a.warmup = parseFloat(v()); break;
      case '--min-runs': a.minRuns = parseInt(v(), 10); break;
      case '--header': a.header = true; break;
      default: throw new Error(`unknown option ${k}`);
    }
  }
  if (!a.model || !(a.threads > 0)) throw new Error('--model and --threads are required');
  return a;
}

// q-quantile of sorted s, interpolating at rank q·(n−1) like vitctl.
function quantile(s, q) {
  const r = q * (s.length - 1);
  const i = Math.floor(r);
  if (i + 1 >= s.length) return s[s.length - 1];
  return s[i] + (r - i) * (s[i + 1] - s[i]);
}

const now = () => Number(process.hrtime.bigint()) / 1e9;
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

async function main() {
  const a = args(process.argv.slice(2));
  const t0 = now();
  const sess = await ort.InferenceSession.create(a.model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: a.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
  const load = now() - t0;
  const meta = sess.inputMetadata ? sess.inputMetadata[0] : null;
  let dims = meta && meta.shape ? meta.shape.map((d) => (typeof d === 'number' ? d : a.batch)) : null;
  if (!dims) dims = [a.batch, 3, 224, 224];
  const n = dims.reduce((x, y) => x * y, 1);
  const px = new Float32Array(n);
  let seed = 1;
  for (let i = 0; i < n; i++) { // xorshift32, any noise will do
    seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
    px[i] = ((seed >>> 0) / 4294967296) * 2 - 1;
  }
  const feeds = { [sess.inputNames[0]]: new ort.Tensor('float32', px, dims) };

  const cpu0 = cpu();
  const start = now();
  for (;;) { // warm-up: at least one run
    await sess.run(feeds);
    if (now() - start >= a.warmup) break;
  }
  const samples = [];
  let spent = 0;
  while (samples.length < Math.max(a.minRuns, 1) || spent < a.time) {
    const t = now();
    await sess.run(feeds);
    const d = now() - t;
    samples.push(d);
    spent += d;
  }
  const share = (cpu() - cpu0) / ((now() - start) * a.threads);
  const s = samples.slice().sort((x, y) => x - y);
  const mean = s.reduce((x, y) => x + y, 0) / s.length;
  const batch = dims[0];
  const row = {
    engine: `onnxruntime-node ${ort.env.versions.common}`,
    precision: 'fp32',
    batch,
    threads: a.threads,
    load_seconds: load.toFixed(4),
    runs: s.length,
    per_image_p50_ms: (quantile(s, 0.5) * 1e3 / batch).toFixed(3),
    per_image_p90_ms: (quantile(s, 0.9) * 1e3 / batch).toFixed(3),
    images_per_second: (batch / mean).toFixed(3),
    cpu_share: share.toFixed(3),
  };
  if (a.header) console.log(Object.keys(row).join(','));
  console.log(Object.values(row).join(','));
}

main().catch((e) => { console.error(`ort_bench: ${e.message || e}`); process.exit(1); });
