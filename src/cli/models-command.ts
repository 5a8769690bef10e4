import { relative } from 'node:path';
import { downloadModelRevision } from '../core/hf/download';
import {
  checkWeightsAgainstConfig,
  defaultHfCacheDir,
  listCachedRevisions,
  pythiaTokensSeen,
  readModelFolder,
  type ModelFolder,
} from '../core/hf/model-folder';

/** How a family positions tokens, normalises and mixes, for `models inspect`. */
function familyFacts(folder: ModelFolder): {
  positionEncoding: 'rotary' | 'alibi';
  rotaryDims: number | null;
  rotaryBase: number | null;
  mlp: string;
  norm: string;
  isParallelResidual: boolean;
  clipQkv: number | null;
} {
  switch (folder.architecture) {
    case 'gpt_neox': {
      const c = folder.config;
      return {
        positionEncoding: 'rotary',
        rotaryDims: c.rotaryDims,
        rotaryBase: c.rotaryBase,
        mlp: c.hiddenAct === 'relu' ? 'ReLU' : c.hiddenAct === 'gelu' ? 'GELU (erf)' : 'GELU (tanh)',
        norm: 'LayerNorm',
        isParallelResidual: c.isParallelResidual,
        clipQkv: null,
      };
    }
    case 'olmo':
      return {
        positionEncoding: 'rotary',
        rotaryDims: folder.config.rotaryDims,
        rotaryBase: folder.config.rotaryBase,
        mlp: 'SwiGLU (SiLU gate)',
        norm: 'LayerNorm without weights',
        isParallelResidual: false,
        clipQkv: folder.config.clipQkv,
      };
    case 'bloom':
      return {
        positionEncoding: 'alibi',
        rotaryDims: null,
        rotaryBase: null,
        mlp: 'GELU (tanh)',
        norm: 'LayerNorm (also after the embedding)',
        isParallelResidual: false,
        clipQkv: null,
      };
  }
}

/** `ctt models inspect DIR`: what a model folder holds, after checking its headers against config.json. */
export async function runModelsInspect(options: { dir: string; isJson: boolean }): Promise<void> {
  const folder = await readModelFolder(options.dir);
  const { config } = folder;
  const facts = familyFacts(folder);
  const summary = {
    dir: folder.dir,
    architecture: folder.architecture,
    layers: config.nLayers,
    dModel: config.dModel,
    heads: config.nHeads,
    headSize: config.headSize,
    dMlp: config.dMlp,
    vocabSize: config.vocabSize,
    storedDtype: folder.dtype,
    torchDtype: config.torchDtype,
    parameterCount: folder.parameterCount,
    ...facts,
    isTiedEmbeddings: config.isTiedEmbeddings,
    hasTokenizer: folder.tokenizerPath !== null,
    weightFiles: folder.weightFiles.map((file) => relative(folder.dir, file)),
    tensorCount: folder.tensorInfo.size,
  };
  // Print what was read even when the weights then disagree with config.json.
  if (options.isJson) {
    checkWeightsAgainstConfig(folder);
    console.log(JSON.stringify(summary, null, 2));
    return;
  }
  console.log(`Model folder    ${summary.dir}`);
  console.log(`Architecture    ${summary.architecture}`);
  console.log(`Layers          ${summary.layers}`);
  console.log(`d_model         ${summary.dModel}`);
  console.log(`Heads           ${summary.heads} × ${summary.headSize}`);
  console.log(`d_mlp           ${summary.dMlp}`);
  console.log(`Vocab size      ${summary.vocabSize}`);
  console.log(
    `Stored dtype    ${summary.storedDtype}${summary.torchDtype ? ` (torch_dtype ${summary.torchDtype})` : ''}`,
  );
  console.log(`Parameters      ${summary.parameterCount.toLocaleString('en-US')}`);
  if (facts.positionEncoding === 'rotary') {
    console.log(
      `Rotary dims     ${facts.rotaryDims} of ${summary.headSize} per head (base ${facts.rotaryBase})`,
    );
  } else {
    console.log('Positions       ALiBi');
  }
  console.log(`MLP             ${facts.mlp}`);
  console.log(`Norm            ${facts.norm}`);
  if (facts.clipQkv !== null) console.log(`Clip q/k/v      ±${facts.clipQkv}`);
  console.log(`Parallel resid. ${summary.isParallelResidual ? 'yes' : 'no'}`);
  console.log(`Tied embeddings ${summary.isTiedEmbeddings ? 'yes' : 'no'}`);
  console.log(`Tokenizer       ${summary.hasTokenizer ? 'tokenizer.json' : 'missing'}`);
  console.log(`Weight files    ${summary.weightFiles.join(', ')} (${summary.tensorCount} tensors)`);
  checkWeightsAgainstConfig(folder);
  console.log('Weights         match config.json');
}

/** `ctt models revisions --repo R`: revisions of R in the Hugging Face cache, with Pythia tokens seen. */
export async function runModelsRevisions(options: {
  repo: string;
  cacheDir: string | undefined;
  isJson: boolean;
}): Promise<void> {
  const cacheDir = options.cacheDir ?? defaultHfCacheDir();
  const revisions = (await listCachedRevisions({ cacheDir, repo: options.repo })).map((r) => ({
    ...r,
    tokensSeen: pythiaTokensSeen(r.revision),
  }));
  if (options.isJson) {
    console.log(JSON.stringify({ repo: options.repo, cacheDir, revisions }, null, 2));
    return;
  }
  if (revisions.length === 0) {
    throw new Error(`no cached revisions of ${options.repo} in ${cacheDir}`);
  }
  const width = Math.max(8, ...revisions.map((r) => r.revision.length));
  console.log(`${'revision'.padEnd(width)}  ${'commit'.padEnd(12)}  tokens seen`);
  for (const r of revisions) {
    const tokens = r.tokensSeen === null ? '-' : r.tokensSeen.toLocaleString('en-US');
    console.log(`${r.revision.padEnd(width)}  ${r.sha.slice(0, 12).padEnd(12)}  ${tokens}`);
  }
}

/** `ctt models download`: one revision into the Hugging Face cache, with progress; files already there are kept. */
export async function runModelsDownload(options: {
  repo: string;
  revision: string;
  cacheDir: string | undefined;
  accessToken: string | undefined;
}): Promise<void> {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  const isTty = process.stderr.isTTY;
  try {
    const result = await downloadModelRevision({
      repo: options.repo,
      revision: options.revision,
      ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
      ...(options.accessToken === undefined ? {} : { accessToken: options.accessToken }),
      signal: controller.signal,
      onProgress: (p) => {
        const percent = p.bytesTotal > 0 ? ((100 * p.bytesDone) / p.bytesTotal).toFixed(1) : '?';
        const line = `[${p.fileIndex}/${p.fileCount}] ${p.file} ${percent}% (${(p.bytesDone / 2 ** 20).toFixed(1)} MiB)`;
        process.stderr.write(isTty ? `\r\x1b[2K${line}` : `${line}\n`);
      },
    });
    if (isTty) process.stderr.write('\n');
    const bytes = result.files.reduce((n, f) => n + f.bytes, 0);
    console.log(
      `${result.repo}@${result.revision} (${result.sha}): ${result.files.length} files, ${(bytes / 2 ** 20).toFixed(1)} MiB`,
    );
    console.log(`folder: ${result.folder}`);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
