import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { OpenAIProvider } from '../core/providers/openaiProvider';
import { SETTING_DEFAULTS } from '../core/settings';
import { buildDataset, type Dataset, toJsonl, type TrainingExample } from '../core/style/dataset';
import { STYLE_DIR } from '../core/style/feedbackLog';
import {
  cancelJob,
  deleteUploadedFile,
  type FineTuneEndpoint,
  findStartedJob,
  fineTuneClient,
  followJob,
  jobReport,
  startTraining,
} from '../core/style/fineTune';
import { appendJournal, lastJobId, openIntents, readJournal } from '../core/style/jobJournal';
import { TRAINING_PRICES_AS_OF } from '../core/style/pricing';
import { CLI_REMEDIES, type CliIo } from './io';
import { evaluateStyle, type StyleCandidate } from '../core/style/styleEval';

export const STYLE_USAGE = `usage: groundwork style <command> [options]

  dataset [DIR] [--examples FILE] [--out DIR] [--validation 0.1] [--base-model M] [--price-per-million X] [--json]
        check DIR/.groundwork/style/examples.jsonl and write train.jsonl and validation.jsonl (chat fine-tuning
        format) to --out (default DIR/.groundwork/style/dataset), with token counts, epochs and estimated cost
  train [DIR] [--out DIR] --base-model M [--suffix S] [--provider openai|azure] [--base-url URL]
        check the dataset, upload it and start a fine-tuning job (key from OPENAI_API_KEY)
  status [JOB] [--follow] [--base-url URL]     state and events of a job (when none is named: the last one started
        from this folder, after finding any job an interrupted train started)
  delete-file FILE_ID                           delete an uploaded dataset file (status lists those no job uses)
  cancel JOB [--base-url URL]
  eval [DIR] [--out DIR] --model M [--base-model B] [--base-url URL] [--json]
        restyle the validation drafts with M, with the base model and with no restyle, side by side: the share
        that passes the citation lock, markers kept, length ratio and chrF against the approved text, latency, cost`;

class StyleUsageError extends Error {}

/** `groundwork style …`: the house-style loop from the team's approved answers to a checked fine-tuned model. */
export async function runStyleCli(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        examples: { type: 'string' },
        out: { type: 'string' },
        validation: { type: 'string' },
        'base-model': { type: 'string' },
        'price-per-million': { type: 'string' },
        suffix: { type: 'string' },
        provider: { type: 'string' },
        'base-url': { type: 'string' },
        'azure-api-version': { type: 'string' },
        model: { type: 'string' },
        follow: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    io.stderr(`groundwork style: ${(error as Error).message}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, target] = positionals;
  if (values.help || !command) {
    (values.help ? io.stdout : io.stderr)(`${STYLE_USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const dir = path.resolve(target ?? '.');
  const styleDir = path.join(dir, STYLE_DIR);
  const outDir = values.out ? path.resolve(values.out) : path.join(styleDir, 'dataset');
  const endpoint: FineTuneEndpoint = {
    apiKey: io.env.OPENAI_API_KEY || undefined,
    baseURL: values['base-url'],
    azureApiVersion: values.provider === 'azure' ? (values['azure-api-version'] ?? SETTING_DEFAULTS['model.azureApiVersion']) : undefined,
  };
  try {
    if (values.provider && !['openai', 'azure'].includes(values.provider)) throw new StyleUsageError(`--provider must be openai or azure`);
    if (values['base-url'] !== undefined && !/^https?:\/\/[^/\s]+/i.test(values['base-url']))
      throw new StyleUsageError(`--base-url must be an http(s) URL, got "${values['base-url']}"`);
    switch (command) {
      case 'dataset':
        return await datasetCommand(dir, styleDir, outDir, values, io);
      case 'train':
        return await trainCommand(dir, styleDir, outDir, values, endpoint, io);
      case 'status':
        return await statusCommand(target, values, endpoint, io);
      case 'delete-file': {
        if (!target) throw new StyleUsageError('delete-file needs a file id: groundwork style delete-file FILE_ID');
        const deleted = await deleteUploadedFile(fineTuneClient(endpoint), target);
        io.stdout(`${target}: ${deleted ? 'deleted' : 'not deleted'}\n`);
        return deleted ? 0 : 1;
      }
      case 'cancel': {
        if (!target) throw new StyleUsageError('cancel needs a job id: groundwork style cancel JOB');
        const status = await cancelJob(fineTuneClient(endpoint), target);
        io.stdout(`${target}: ${status}\n`);
        return 0;
      }
      case 'eval':
        return await evalCommand(styleDir, outDir, values, endpoint, io);
      default:
        throw new StyleUsageError(`unknown style command "${command}"`);
    }
  } catch (error) {
    io.stderr(`groundwork style: ${(error as Error).message}\n`);
    return error instanceof StyleUsageError ? 2 : 1;
  }
}

type Values = Record<string, string | boolean | undefined>;

/** `style train`: check the examples, write the dataset, and start a fine-tuning job that is never lost. */
async function trainCommand(
  dir: string,
  styleDir: string,
  outDir: string,
  values: Values,
  endpoint: FineTuneEndpoint,
  io: CliIo,
): Promise<number> {
  if (!values['base-model']) throw new StyleUsageError('train needs --base-model, for example gpt-4o-mini-2024-07-18');
  const dataset = await checkedDataset(dir, styleDir, values, io);
  if (!dataset) return 1;
  await writeDataset(outDir, dataset);
  const client = fineTuneClient(endpoint);
  const baseModel = String(values['base-model']);
  // The intent is recorded before the job is created (see `startTraining`): a run killed in between leaves a
  // job `style status` finds, instead of a billed job nothing lists.
  const run = await startTraining(
    client,
    { train: toJsonl(dataset.train), validation: dataset.validation.length ? toJsonl(dataset.validation) : undefined },
    { baseModel, suffix: values.suffix as string | undefined },
    { intent: (intent) => appendJournal(styleDir, { state: 'intent', ...intent, baseModel, createdAt: new Date().toISOString() }) },
  );
  await appendJournal(styleDir, {
    state: 'created',
    token: run.token,
    jobId: run.jobId,
    baseModel,
    createdAt: new Date().toISOString(),
  });
  if (values.json) io.stdout(`${JSON.stringify(run)}\n`);
  else
    io.stdout(
      `Started fine-tuning job ${run.jobId} (${run.status}) on ${values['base-model']}: ${dataset.stats.train} training and ${dataset.stats.validation} validation examples.\n` +
        `Follow it with: groundwork style status ${run.jobId} --follow\n` +
        (values.provider === 'azure'
          ? 'On Azure OpenAI, deploy the fine-tuned model when the job succeeds before answering with it.\n'
          : ''),
    );
  return 0;
}

/** `style status [JOB] [--follow]`: a job's state and events; without a job, the last one started from here. */
async function statusCommand(target: string | undefined, values: Values, endpoint: FineTuneEndpoint, io: CliIo): Promise<number> {
  const client = fineTuneClient(endpoint);
  // A job that a killed or disconnected `train` started is found on the server first, and recorded.
  const localStyleDir = path.resolve('.', STYLE_DIR);
  if (!target) await reconcileJobs(client, localStyleDir, io);
  const jobId = target ?? lastJobId(await readJournal(localStyleDir));
  if (jobId && !values.json) io.stdout(`Job ${jobId}${target ? '' : ', the last one started from this folder'}:\n`);
  const show = (e: { createdAt: string; level: string; message: string }) => io.stdout(`${e.createdAt}  ${e.level}  ${e.message}\n`);
  const report = values.follow
    ? await followJob(client, jobId!, show, Number(io.env.GROUNDWORK_POLL_MS ?? 10_000))
    : await jobReport(client, jobId);
  if (values.json) io.stdout(`${JSON.stringify(report)}\n`);
  else {
    if (!values.follow) for (const event of report.events) show(event);
    io.stdout(
      `${report.id}: ${report.status}${report.fineTunedModel ? ` → ${report.fineTunedModel}` : ''}${report.error ? ` (${report.error})` : ''}\n`,
    );
    if (report.status === 'succeeded' && report.fineTunedModel)
      io.stdout(`Check it before using it: groundwork style eval --model ${report.fineTunedModel}\n`);
  }
  return report.status === 'failed' ? 1 : 0;
}

async function checkedDataset(dir: string, styleDir: string, values: Values, io: CliIo): Promise<Dataset | undefined> {
  const examplesFile = values.examples ? path.resolve(String(values.examples)) : path.join(styleDir, 'examples.jsonl');
  const text = await fs.readFile(examplesFile, 'utf8').catch(() => {
    throw new Error(`no examples at ${examplesFile}: keep answers with 👍 in the panel or @groundwork, or write them there`);
  });
  const validation = values.validation === undefined ? 0.1 : Number(values.validation);
  if (!(validation >= 0 && validation <= 0.5)) throw new StyleUsageError('--validation must be between 0 and 0.5');
  const price = values['price-per-million'] === undefined ? undefined : Number(values['price-per-million']);
  if (price !== undefined && !(price >= 0)) throw new StyleUsageError('--price-per-million must be a number');
  const dataset = buildDataset(text, {
    validationShare: validation,
    baseModel: String(values['base-model'] ?? 'gpt-4o-mini-2024-07-18'),
    pricePerMillion: price,
  });
  for (const p of dataset.problems)
    io.stderr(`${p.severity}: ${p.line ? `${path.relative(dir, examplesFile) || examplesFile}:${p.line}: ` : ''}${p.message}\n`);
  return dataset.ok ? dataset : undefined;
}

async function writeDataset(outDir: string, dataset: Dataset): Promise<void> {
  await fs.mkdir(outDir, { recursive: true });
  await fs.writeFile(path.join(outDir, 'train.jsonl'), toJsonl(dataset.train));
  await fs.writeFile(path.join(outDir, 'validation.jsonl'), toJsonl(dataset.validation));
}

async function datasetCommand(dir: string, styleDir: string, outDir: string, values: Values, io: CliIo): Promise<number> {
  const dataset = await checkedDataset(dir, styleDir, values, io);
  if (!dataset) {
    io.stderr('The dataset was not written: fix the errors above.\n');
    return 1;
  }
  await writeDataset(outDir, dataset);
  const s = dataset.stats;
  if (values.json) io.stdout(`${JSON.stringify({ out: outDir, ...s, problems: dataset.problems })}\n`);
  else
    io.stdout(
      `Wrote ${s.train} training and ${s.validation} validation examples to ${outDir}\n` +
        `tokens: ${s.tokens.total} in all, ${s.tokens.mean} per example on average, ${s.tokens.max} at most\n` +
        `training: ${s.epochs} epochs × ${s.billedTokens} billed tokens` +
        (s.estimatedCostUsd === undefined
          ? ` (no price known for ${values['base-model'] ?? 'the base model'}: pass --price-per-million)\n`
          : ` ≈ $${s.estimatedCostUsd.toFixed(2)} at $${s.pricePerMillion}/1M tokens (prices as of ${TRAINING_PRICES_AS_OF})\n`),
    );
  return 0;
}

async function evalCommand(styleDir: string, outDir: string, values: Values, endpoint: FineTuneEndpoint, io: CliIo): Promise<number> {
  if (!values.model) throw new StyleUsageError('eval needs --model, the fine-tuned model to check');
  const validationFile = path.join(outDir, 'validation.jsonl');
  const text = await fs.readFile(validationFile, 'utf8').catch(() => {
    throw new Error(`no validation examples at ${validationFile}: run groundwork style dataset first`);
  });
  const examples = text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as TrainingExample);
  if (!examples.length) throw new Error(`${validationFile} holds no examples: run groundwork style dataset with --validation above 0`);
  const provider = (model: string) =>
    new OpenAIProvider({
      apiKey: endpoint.apiKey,
      baseURL: endpoint.baseURL,
      model,
      azure: endpoint.azureApiVersion ? { deployment: model, apiVersion: endpoint.azureApiVersion } : undefined,
      remedies: CLI_REMEDIES,
    });
  const baseModel = String(values['base-model'] ?? SETTING_DEFAULTS['model.chatModel']);
  const candidates: StyleCandidate[] = [
    { label: 'no restyle', provider: undefined },
    { label: 'base model', provider: provider(baseModel) },
    { label: 'candidate', provider: provider(String(values.model)) },
  ];
  const results = await evaluateStyle(examples, candidates);
  const candidate = results[2];
  const report = {
    model: values.model,
    passRate: candidate.passRate,
    minFaithfulness: SETTING_DEFAULTS['style.minFaithfulness'],
    results,
    at: new Date().toISOString(),
  };
  await fs.mkdir(styleDir, { recursive: true });
  await fs.writeFile(
    path.join(styleDir, `eval-${String(values.model).replace(/[^\w.-]+/g, '_')}.json`),
    `${JSON.stringify(report, null, 2)}\n`,
  );
  if (values.json) {
    io.stdout(`${JSON.stringify(report)}\n`);
    return 0;
  }
  io.stdout(`${'candidate'.padEnd(34)} pass  markers  length  chrF   latency   cost/answer\n`);
  for (const r of results) {
    const cost = r.costUsdPerAnswer === undefined ? 'unknown' : `$${r.costUsdPerAnswer.toFixed(5)}`;
    io.stdout(
      `${`${r.label}${r.model ? ` (${r.model})` : ''}`.slice(0, 34).padEnd(34)} ${(r.passRate * 100).toFixed(0).padStart(3)}%  ${(r.markersKept * 100).toFixed(0).padStart(5)}%  ${r.lengthRatio.toFixed(2).padStart(6)}  ${r.chrF.toFixed(1).padStart(5)}  ${r.meanLatencyMs.toFixed(0).padStart(6)} ms  ${cost}\n`,
    );
  }
  const ok = candidate.passRate >= report.minFaithfulness;
  io.stdout(
    ok
      ? `${values.model} keeps the facts in ${(candidate.passRate * 100).toFixed(0)}% of rewrites: it can be the style model (groundwork.style.model).\n`
      : `${values.model} keeps the facts in only ${(candidate.passRate * 100).toFixed(0)}% of rewrites (below ${report.minFaithfulness * 100}%): do not use it as the style model.\n`,
  );
  for (const f of candidate.failures) io.stdout(`  example ${f.example}: ${f.problems.join('; ')}\n`);
  return 0;
}

/**
 * Intents with no job recorded (a `train` killed or cut off while creating it): the job each started is looked up
 * on the server and recorded; uploads that started none are listed with the command that deletes them.
 */
async function reconcileJobs(client: ReturnType<typeof fineTuneClient>, styleDir: string, io: CliIo): Promise<void> {
  for (const intent of openIntents(await readJournal(styleDir))) {
    const jobId = await findStartedJob(client, intent);
    if (jobId) {
      await appendJournal(styleDir, {
        state: 'created',
        token: intent.token,
        jobId,
        baseModel: intent.baseModel,
        createdAt: intent.createdAt,
        recovered: true,
      });
      io.stdout(`Found job ${jobId}: an interrupted "style train" started it on ${intent.createdAt}; it is now recorded.\n`);
    } else {
      const files = [intent.trainingFileId, intent.validationFileId].filter(Boolean) as string[];
      io.stdout(
        `An interrupted "style train" on ${intent.createdAt} uploaded ${files.join(' and ')} but started no job. ` +
          `Delete them with: ${files.map((f) => `groundwork style delete-file ${f}`).join('; ')}\n`,
      );
    }
  }
}
