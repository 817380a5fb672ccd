/**
 * Hugging Face model folders as files: `config.json` (a JSON object, not interpreted here) plus
 * `model.safetensors`, or a sharded `model.safetensors.index.json` ({"weight_map": {tensor: shard
 * file}}) plus its shards.
 *
 * Tensors stay as named and laid out on disk; which tensors a model needs, and what config.json means,
 * is the model's job (src/model/checkpoint.ts). Saves are all-or-nothing: everything is written and fsynced in a
 * sibling temp folder, which is then renamed onto the final name, so a crash or a full disk never
 * leaves a half-written checkpoint under that name and never damages the previous one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CheckpointError, diskErrorReason, errnoCode } from './errors.js';
import { fsyncDir, tempSuffix, writeFileDurable } from './durable.js';
import { checkWritable, openSafetensors, readSafetensors, writeSafetensors, type RawTensor, type SafetensorsFile, type WritableDtype } from './safetensors.js';

export { CheckpointError } from './errors.js';
export type { RawTensor } from './safetensors.js';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';

export interface SaveCheckpointOptions {
  /** On-disk dtype of the weights; default F32 (bit-exact), BF16 halves the size. */
  dtype?: WritableDtype;
  /** More files for the folder, by plain file name (tokenizer.json, generation_config.json, ...). */
  extraFiles?: Record<string, string | Uint8Array>;
  /** Extra safetensors metadata; {"format": "pt"} is always set, as transformers requires it. */
  metadata?: Record<string, string>;
}

/** config.json of a model folder, as JSON: one-line errors for a missing folder, file or bad JSON. */
export function readModelConfigJson(dir: string): Record<string, unknown> {
  checkFolderExists(dir);
  return readJsonFile(path.join(dir, CONFIG_FILE), `a checkpoint folder needs the model's ${CONFIG_FILE} next to its weights; copy it from the original model`);
}

/** Every weight of a model folder (one file or shards), checked finite. */
export function readModelWeights(dir: string): Map<string, RawTensor> {
  const tensors = loadWeights(dir);
  checkFinite(tensors, dir);
  return tensors;
}

/**
 * Weights with NaN or infinity (a run that diverged, a broken conversion) would evaluate or train to
 * garbage without a word; one pass over the floats (about a second per billion) says so at load.
 */
function checkFinite(tensors: Map<string, RawTensor>, dir: string): void {
  for (const [name, t] of tensors) {
    const d = t.data;
    for (let i = 0; i < d.length; i++) {
      // x - x is 0 for every finite x and NaN for NaN and +-Infinity: one test for both.
      if (d[i] - d[i] !== 0) {
        let bad = 0;
        for (let j = i; j < d.length; j++) if (d[j] - d[j] !== 0) bad++;
        throw new CheckpointError(
          `${dir}: tensor '${name}' holds ${bad} of ${d.length} values that are NaN or infinite; the weights are broken (a diverged run?): use an earlier checkpoint`,
        );
      }
    }
  }
}

function checkFolderExists(dir: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    // A crash between the two renames of a save leaves the previous checkpoint under `<dir>.old-*`.
    const base = path.basename(path.resolve(dir));
    const parent = path.dirname(path.resolve(dir));
    const leftover = fs.existsSync(parent) ? fs.readdirSync(parent).find((f) => f.startsWith(`${base}.old-`)) : undefined;
    if (leftover) {
      throw new CheckpointError(
        `checkpoint folder ${dir} does not exist, but ${path.join(parent, leftover)} does (a save was interrupted); rename it to ${dir}`,
      );
    }
    throw new CheckpointError(`checkpoint folder ${dir} does not exist; pass a folder holding ${CONFIG_FILE} and ${WEIGHTS_FILE}`);
  }
  if (!stat.isDirectory()) throw new CheckpointError(`${dir} is a file, not a checkpoint folder; pass the folder holding ${CONFIG_FILE} and ${WEIGHTS_FILE}`);
}

function readJsonFile(file: string, ifMissing: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') throw new CheckpointError(`${file} is missing; ${ifMissing}`);
    throw new CheckpointError(`cannot read ${file}: ${diskErrorReason(e)}`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(`${file} is not valid JSON (${(e as Error).message}); fix it or copy it again from the original model`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CheckpointError(`${file} must hold a JSON object; fix it or copy it again from the original model`);
  }
  return json as Record<string, unknown>;
}

function loadWeights(dir: string): Map<string, RawTensor> {
  if (fs.existsSync(path.join(dir, WEIGHTS_FILE))) return readSafetensors(path.join(dir, WEIGHTS_FILE));
  if (fs.existsSync(path.join(dir, INDEX_FILE))) return loadSharded(dir);
  if (fs.existsSync(path.join(dir, 'pytorch_model.bin'))) {
    throw new CheckpointError(
      `${dir} holds pytorch_model.bin but thinktune loads only safetensors; re-save it with transformers' save_pretrained(dir, safe_serialization=True)`,
    );
  }
  throw new CheckpointError(`${dir} has no ${WEIGHTS_FILE} or ${INDEX_FILE}; pass the folder that holds the model's safetensors weights`);
}

/** Shard names from the index, validated as plain file names inside `dir`. */
function readWeightMap(dir: string): Map<string, string> {
  const indexPath = path.join(dir, INDEX_FILE);
  const index = readJsonFile(indexPath, 'it lists which shard holds each tensor');
  const weightMap = index.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new CheckpointError(`${indexPath}: "weight_map" must map tensor names to shard files; re-download the index`);
  }
  const map = new Map<string, string>();
  for (const [name, file] of Object.entries(weightMap)) {
    if (typeof file !== 'string' || file !== path.basename(file) || file === '..' || file === '.' || file.includes('\\')) {
      throw new CheckpointError(
        `${indexPath}: tensor '${name}' points to ${JSON.stringify(file)}, which is not a shard file name in this folder; re-download the index`,
      );
    }
    map.set(name, file);
  }
  return map;
}

/**
 * Open every shard once and read from it only the tensors the index assigns to it, in weight_map order.
 * All shard headers are checked (file present, listed tensors in it) before any weights are read, so a
 * broken download fails in seconds rather than after loading gigabytes.
 */
function loadSharded(dir: string): Map<string, RawTensor> {
  const weightMap = readWeightMap(dir);
  const byShard = new Map<string, string[]>();
  for (const [name, shard] of weightMap) {
    if (!byShard.has(shard)) byShard.set(shard, []);
    byShard.get(shard)!.push(name);
  }
  const open: { file: SafetensorsFile; names: string[] }[] = [];
  try {
    for (const [shard, names] of byShard) open.push({ file: openShard(dir, shard, names), names });
    const found = new Map<string, RawTensor>();
    for (const { file, names } of open) {
      for (const name of names) found.set(name, file.read(name));
      file.close();
    }
    const ordered = new Map<string, RawTensor>();
    for (const name of weightMap.keys()) ordered.set(name, found.get(name)!);
    return ordered;
  } finally {
    for (const { file } of open) file.close();
  }
}

/** Open one shard (header only) and check it holds every tensor the index puts in it. */
function openShard(dir: string, shard: string, names: string[]): SafetensorsFile {
  const shardPath = path.join(dir, shard);
  if (!fs.existsSync(shardPath)) {
    throw new CheckpointError(`${path.join(dir, INDEX_FILE)} lists shard ${shard} but ${shardPath} is missing; the download is incomplete — re-download it`);
  }
  const file = openSafetensors(shardPath);
  const absent = names.find((name) => !file.has(name));
  if (absent !== undefined) {
    file.close();
    throw new CheckpointError(`${shardPath}: tensor '${absent}' is listed in ${INDEX_FILE} but not in this shard; re-download the checkpoint`);
  }
  return file;
}

const RESERVED_FILES = new Set([CONFIG_FILE, WEIGHTS_FILE, INDEX_FILE]);

/** A plain file name: no separators, not `.` or `..`. */
const isPlainName = (n: string) => n !== '' && n === path.basename(n) && n !== '.' && n !== '..' && !n.includes('\\');

/** Extra files are plain names, or `<subfolder>/<name>` one level down (the trainer's own files). */
function checkExtraFileNames(dir: string, extraFiles: Record<string, string | Uint8Array>): void {
  for (const name of Object.keys(extraFiles)) {
    if (RESERVED_FILES.has(name)) throw new CheckpointError(`${dir}: extra file ${name} would overwrite the checkpoint's own ${name}; drop it from extraFiles`);
    const parts = name.split('/');
    if (parts.length > 2 || !parts.every(isPlainName)) {
      throw new CheckpointError(`${dir}: extra file name ${JSON.stringify(name)} must be a plain file name or <folder>/<file name>`);
    }
  }
}

/** Refuse to replace a folder that is not a checkpoint: the save would delete whatever is in it. */
function checkReplaceable(dir: string): boolean {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return false;
  }
  if (!stat.isDirectory()) throw new CheckpointError(`cannot save checkpoint to ${dir}: it is a file; choose another path`);
  const entries = fs.readdirSync(dir);
  if (entries.length > 0 && !entries.includes(CONFIG_FILE)) {
    throw new CheckpointError(
      `cannot save checkpoint to ${dir}: the folder exists and is not a checkpoint (no ${CONFIG_FILE}), and saving would replace it; choose another path or empty it`,
    );
  }
  return true;
}

/**
 * Write config.json (the given JSON), model.safetensors and any extra files to `dir`, all or nothing.
 * The folder is built as `<dir>.tmp-<pid>-<rand>`, fsynced, and renamed into place; an existing
 * checkpoint at `dir` is renamed away first and deleted only after the new one is in place.
 */
export function writeModelFolder(dir: string, configJson: Record<string, unknown>, tensors: Map<string, RawTensor>, opts: SaveCheckpointOptions = {}): void {
  const target = path.resolve(dir);
  const extraFiles = opts.extraFiles ?? {};
  const saveOpts = { dtype: opts.dtype, metadata: { format: 'pt', ...opts.metadata } };
  checkWritable(tensors, saveOpts, path.join(dir, WEIGHTS_FILE));
  checkExtraFileNames(dir, extraFiles);
  const hadPrevious = checkReplaceable(target);
  const suffix = tempSuffix();
  const tmp = `${target}.tmp-${suffix}`;
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.mkdirSync(tmp);
    writeFileDurable(path.join(tmp, CONFIG_FILE), JSON.stringify(configJson, null, 2) + '\n');
    writeSafetensors(path.join(tmp, WEIGHTS_FILE), tensors, saveOpts);
    const subfolders = new Set(
      Object.keys(extraFiles)
        .filter((n) => n.includes('/'))
        .map((n) => n.split('/')[0]),
    );
    for (const sub of subfolders) fs.mkdirSync(path.join(tmp, sub));
    for (const [name, content] of Object.entries(extraFiles)) writeFileDurable(path.join(tmp, name), content);
    for (const sub of subfolders) fsyncDir(path.join(tmp, sub));
    fsyncDir(tmp);
  } catch (e) {
    removeQuietly(tmp);
    throw saveError(dir, e, hadPrevious);
  }
  commitFolder(dir, target, tmp, hadPrevious ? `${target}.old-${suffix}` : null);
}

/** Rename `tmp` onto `target`, moving an existing `target` to `old` first and deleting it afterwards. */
function commitFolder(dir: string, target: string, tmp: string, old: string | null): void {
  try {
    if (old) fs.renameSync(target, old);
  } catch (e) {
    removeQuietly(tmp);
    throw saveError(dir, e, true);
  }
  try {
    fs.renameSync(tmp, target);
  } catch (e) {
    removeQuietly(tmp);
    if (old && !restore(old, target)) {
      throw new CheckpointError(
        `cannot save checkpoint to ${dir}: ${diskErrorReason(e)}; the previous checkpoint is intact at ${old} — rename it back to ${dir}`,
        { cause: e },
      );
    }
    throw saveError(dir, e, old !== null);
  }
  fsyncDir(path.dirname(target));
  // The new checkpoint is durable; a leftover old folder wastes space but harms nothing.
  if (old) removeQuietly(old);
}

function restore(old: string, target: string): boolean {
  try {
    fs.renameSync(old, target);
    return true;
  } catch {
    return false;
  }
}

/** One line for a failed save; non-file-system errors (bugs) pass through unchanged. */
function saveError(dir: string, e: unknown, hadPrevious: boolean): unknown {
  const cause = e instanceof CheckpointError && e.cause !== undefined ? e.cause : e;
  if (errnoCode(cause) === null) return e;
  const previous = hadPrevious ? 'the previous checkpoint is untouched' : 'nothing was written';
  return new CheckpointError(`cannot save checkpoint to ${dir}: ${diskErrorReason(cause)}; ${previous} — free space or pick a writable folder`, { cause });
}

function removeQuietly(p: string): void {
  try {
    fs.rmSync(p, { recursive: true, force: true });
  } catch {
    // already failing or already committed; the caller reports what matters
  }
}
