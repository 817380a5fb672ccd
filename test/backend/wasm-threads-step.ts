/**
 * Child script of wasm-threads.test.ts: selects the wasm backend (THINKTUNE_WASM_THREADS from the parent),
 * trains the small preset three steps on a fixed batch and prints one JSON line: the backend line, the
 * losses and gradient norms, and a checksum of the weights. Ends on its own (the pool must not hold it).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, selectBackend } from '../../src/backend/select.js';
import { presetConfig } from '../../src/model/config.js';
import { CausalLM } from '../../src/model/model.js';
import { packSequences } from '../../src/model/score.js';
import { AdamW } from '../../src/train/optim.js';
import { crossEntropyLoss, trainStep } from '../../src/train/step.js';
import { CharTokenizer, DEFAULT_ALPHABET } from '../../src/tokenizer/char.js';

const choice = await selectBackend('wasm');
const tok = CharTokenizer.fromAlphabet(DEFAULT_ALPHABET);
// 'small' and 16 rows of ~60 tokens: matmuls of [~1000, hidden] rows, big enough for XNNPACK to split.
const model = CausalLM.init(presetConfig('small', tok.vocabSize), 7);
const opt = new AdamW({ weightDecay: 0.01 });
const texts = Array.from({ length: 16 }, (_, i) => `${i} + ${2 * i + 1} = ${3 * i + 1}. Check: ${3 * i + 1} - ${i} = ${2 * i + 1}. \\boxed{${3 * i + 1}}`);
const batch = packSequences(texts.map((t) => [tok.bosId!, ...tok.encode(t), tok.eosId]));
const loss = crossEntropyLoss(batch.mask);
const steps = [0, 1, 2].map(() => trainStep(model, opt, batch, loss, { lr: 1e-3, maxGradNorm: 1 }));
let checksum = 0;
for (const v of Object.values(model.params)) checksum += tf.tidy(() => tf.sum(tf.abs(v)).dataSync()[0]);
process.stdout.write(
  `${JSON.stringify({ backend: describeBackend(choice), threads: choice.wasm?.threads, losses: steps.map((s) => s.loss), gradNorms: steps.map((s) => s.gradNorm), checksum })}\n`,
);
