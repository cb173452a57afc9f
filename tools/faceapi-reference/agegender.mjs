// Reference AgeGenderNet outputs with face-api.js itself (tfjs pure-JS CPU backend) for the two synthetic chips of
// reference.mjs at 112x112, and for 112x112 crops (raw RGB files written by the C# test helper) when given.
// Usage: node agegender.mjs <model folder> > agegender.json
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs');
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');

const modelDir = process.argv[2];
if (!modelDir) { console.error('usage: node agegender.mjs <model folder>'); process.exit(2); }

// Same formulas as tests/Lookalike.Faces.Tests/EmbeddingReferenceTests.cs.
const chips = {
  gradient: (x, y, c) => (x * x + 3 * y * y + 50 * c + Math.floor((x * y) / 4)) % 256,
  blocks: (x, y, c) => ((Math.floor(x / 10) * 37 + Math.floor(y / 15) * 91 + c * 23) * 7 + x + 2 * y) % 256,
};

await tf.setBackend('cpu');
await tf.ready();
await faceapi.nets.ageGenderNet.loadFromDisk(modelDir);
const out = { source: '@vladmandic/face-api@1.7.15 AgeGenderNet, @tensorflow/tfjs@4.22.0 cpu backend', size: 112, ageGender: {} };
for (const [name, f] of Object.entries(chips)) {
  const px = new Float32Array(112 * 112 * 3);
  for (let y = 0; y < 112; y++) for (let x = 0; x < 112; x++) for (let c = 0; c < 3; c++) px[(y * 112 + x) * 3 + c] = f(x, y, c);
  const input = tf.tensor4d(px, [1, 112, 112, 3], 'float32');
  const r = await faceapi.nets.ageGenderNet.predictAgeAndGender(input);
  const pMale = r.gender === 'male' ? r.genderProbability : 1 - r.genderProbability;
  out.ageGender[name] = { age: r.age, maleProbability: pMale };
  input.dispose();
}
out.backend = tf.getBackend();
process.stdout.write(JSON.stringify(out, null, 1) + '\n');
