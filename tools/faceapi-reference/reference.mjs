// Computes reference 128-D descriptors with face-api.js itself (FaceRecognitionNet, tfjs pure-JS CPU backend)
// for two synthetic 150x150 RGB chips (and FaceLandmark68Net points for their 112x112 versions) defined by integer formulas, so the C# test can rebuild the same pixels.
// Usage: node reference.mjs <folder with face_recognition_model.bin + manifest> > reference.json
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs');
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');

const modelDir = process.argv[2];
if (!modelDir) { console.error('usage: node reference.mjs <model folder>'); process.exit(2); }

// Same formulas as tests/Lookalike.Faces.Tests/EmbeddingReferenceTests.cs.
const chips = {
  gradient: (x, y, c) => (x * x + 3 * y * y + 50 * c + Math.floor((x * y) / 4)) % 256,
  blocks: (x, y, c) => ((Math.floor(x / 10) * 37 + Math.floor(y / 15) * 91 + c * 23) * 7 + x + 2 * y) % 256,
};

await tf.setBackend('cpu');
await tf.ready();
await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);

const out = { source: '@vladmandic/face-api@1.7.15 FaceRecognitionNet, @tensorflow/tfjs@4.22.0 cpu backend', divisor: 255, size: 150, descriptors: {} };
for (const [name, f] of Object.entries(chips)) {
  const px = new Float32Array(150 * 150 * 3);
  for (let y = 0; y < 150; y++) for (let x = 0; x < 150; x++) for (let c = 0; c < 3; c++) px[(y * 150 + x) * 3 + c] = f(x, y, c);
  const input = tf.tensor4d(px, [1, 150, 150, 3], 'float32');
  const d = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(input);
  out.descriptors[name] = Array.from(d);
  input.dispose();
}
// FaceLandmark68Net on 112×112 versions of the same chips: 68 points in pixels of the 112×112 input.
await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
out.landmarks = {};
for (const [name, f] of Object.entries(chips)) {
  const px = new Float32Array(112 * 112 * 3);
  for (let y = 0; y < 112; y++) for (let x = 0; x < 112; x++) for (let c = 0; c < 3; c++) px[(y * 112 + x) * 3 + c] = f(x, y, c);
  const input = tf.tensor4d(px, [1, 112, 112, 3], 'float32');
  const lm = await faceapi.nets.faceLandmark68Net.detectLandmarks(input);
  out.landmarks[name] = lm.positions.flatMap((p) => [p.x, p.y]);
  input.dispose();
}
out.backend = tf.getBackend();
process.stdout.write(JSON.stringify(out, null, 1) + '\n');
