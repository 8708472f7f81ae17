import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { STYLE_DIR } from '../../core/style/feedbackLog';
import type { FineTuneEndpoint } from '../../core/style/fineTune';
import type { TrainingExample } from '../../core/style/dataset';
import { API_KEY_SECRET } from '../apiKey';
import { loadStyle } from '../lazyModules';
import { readSettings } from '../settings';

/** The running job, kept in workspace state so its progress survives a reload of the window. */
const JOB_KEY = 'groundwork.styleJob';
const POLL_MS = 30_000;

interface KeptJob {
  jobId: string;
  baseModel: string;
}

async function endpoint(context: vscode.ExtensionContext): Promise<FineTuneEndpoint> {
  const settings = readSettings();
  return {
    apiKey: await context.secrets.get(API_KEY_SECRET),
    baseURL: settings['model.baseUrl'] || undefined,
    azureApiVersion: settings['model.provider'] === 'azure' ? settings['model.azureApiVersion'] : undefined,
  };
}

/**
 * "Groundwork: Train House Style…": the dataset check, the cost, a confirmation, then the job, followed in a
 * notification. Nothing is uploaded from an untrusted workspace.
 */
export async function trainHouseStyle(context: vscode.ExtensionContext): Promise<void> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('Groundwork: training uploads your examples; trust this workspace first.');
    return;
  }
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  if (!folder) return;
  const examplesFile = path.join(folder.uri.fsPath, STYLE_DIR, 'examples.jsonl');
  const text = await fs.readFile(examplesFile, 'utf8').catch(() => undefined);
  if (text === undefined) {
    void vscode.window.showInformationMessage(
      `Groundwork: no house-style examples yet. 👍 a grounded answer to keep it in ${STYLE_DIR}/examples.jsonl, then train.`,
    );
    return;
  }
  const baseModel = await vscode.window.showInputBox({
    title: 'Groundwork: base model to fine-tune',
    value: 'gpt-4o-mini-2024-07-18',
    ignoreFocusOut: true,
  });
  if (!baseModel) return;
  const { buildDataset, toJsonl, fineTuneClient, startTraining, appendJournal } = loadStyle(context.extensionPath);
  const dataset = buildDataset(text, { validationShare: 0.1, baseModel });
  const errors = dataset.problems.filter((p) => p.severity === 'error');
  if (errors.length) {
    const open = await vscode.window.showErrorMessage(
      `Groundwork: the examples are not ready to train on: ${errors
        .slice(0, 3)
        .map((p) => (p.line ? `line ${p.line}: ${p.message}` : p.message))
        .join('; ')}`,
      'Open Examples',
    );
    if (open) await vscode.window.showTextDocument(vscode.Uri.file(examplesFile));
    return;
  }
  const s = dataset.stats;
  const cost = s.estimatedCostUsd === undefined ? 'cost unknown for this base model' : `about $${s.estimatedCostUsd.toFixed(2)}`;
  const target = readSettings()['model.baseUrl'] || 'OpenAI';
  const go = await vscode.window.showInformationMessage(
    `Train ${baseModel} on ${s.train} examples (${s.validation} kept for evaluation): ${s.epochs} epochs × ${s.billedTokens} tokens, ${cost}. The examples are uploaded to ${target}.`,
    { modal: true },
    'Train',
  );
  if (go !== 'Train') return;
  const outDir = path.join(folder.uri.fsPath, STYLE_DIR, 'dataset');
  await fs.mkdir(outDir, { recursive: true });
  await fs.writeFile(path.join(outDir, 'train.jsonl'), toJsonl(dataset.train));
  await fs.writeFile(path.join(outDir, 'validation.jsonl'), toJsonl(dataset.validation));
  // The same journal as the CLI's: a window closed while the job is being created leaves its intent behind, and
  // `groundwork style status` finds the job it started.
  const styleDir = path.join(folder.uri.fsPath, STYLE_DIR);
  const run = await startTraining(
    fineTuneClient(await endpoint(context)),
    { train: toJsonl(dataset.train), validation: dataset.validation.length ? toJsonl(dataset.validation) : undefined },
    { baseModel, suffix: 'groundwork' },
    { intent: (intent) => appendJournal(styleDir, { state: 'intent', ...intent, baseModel, createdAt: new Date().toISOString() }) },
  );
  await appendJournal(styleDir, { state: 'created', token: run.token, jobId: run.jobId, baseModel, createdAt: new Date().toISOString() });
  await context.workspaceState.update(JOB_KEY, { jobId: run.jobId, baseModel } satisfies KeptJob);
  void followKeptJob(context);
}

/** Follows the kept job in a notification until it finishes; called again on activation after a reload. */
export async function followKeptJob(context: vscode.ExtensionContext): Promise<void> {
  const kept = context.workspaceState.get<KeptJob>(JOB_KEY);
  if (!kept || !vscode.workspace.isTrusted) return;
  const { fineTuneClient, jobReport, FINISHED } = loadStyle(context.extensionPath);
  const client = fineTuneClient(await endpoint(context));
  const report = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Groundwork: training house style (${kept.jobId})`, cancellable: false },
    async (progress) => {
      for (;;) {
        const now = await jobReport(client, kept.jobId).catch((error) => ({ error: (error as Error).message }) as const);
        if ('events' in now) {
          progress.report({ message: `${now.status}${now.events.length ? `: ${now.events[now.events.length - 1].message}` : ''}` });
          if (FINISHED.has(now.status)) return now;
        } else progress.report({ message: `cannot reach the endpoint (${now.error}); trying again` });
        await new Promise((resolve) => setTimeout(resolve, Number(process.env.GROUNDWORK_POLL_MS ?? POLL_MS)));
      }
    },
  );
  await context.workspaceState.update(JOB_KEY, undefined);
  if (report.status === 'succeeded' && report.fineTunedModel) {
    const choice = await vscode.window.showInformationMessage(
      `Groundwork: ${report.fineTunedModel} is trained. Evaluate it before using it: it must keep the citations and facts.`,
      'Evaluate',
    );
    if (choice === 'Evaluate') await evaluateInEditor(context, report.fineTunedModel, kept.baseModel);
  } else
    void vscode.window.showWarningMessage(
      `Groundwork: the house-style job ${report.id} ${report.status}${report.error ? `: ${report.error}` : ''}.`,
    );
}

/**
 * Restyles the validation drafts with the new model, the base model and no restyle, and shows the table; offers to
 * make it the style model only when it keeps the facts often enough (`groundwork.style.minFaithfulness`).
 */
async function evaluateInEditor(context: vscode.ExtensionContext, model: string, baseModel: string): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  if (!folder) return;
  const text = await fs.readFile(path.join(folder.uri.fsPath, STYLE_DIR, 'dataset', 'validation.jsonl'), 'utf8').catch(() => '');
  const examples = text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as TrainingExample);
  if (!examples.length) {
    void vscode.window.showWarningMessage('Groundwork: no validation examples to evaluate on.');
    return;
  }
  const { evaluateStyle, OpenAIProvider } = loadStyle(context.extensionPath);
  const { apiKey, baseURL } = await endpoint(context);
  const provider = (name: string) => new OpenAIProvider({ apiKey, baseURL, model: name });
  const results = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Groundwork: evaluating ${model}` },
    () =>
      evaluateStyle(examples, [
        { label: 'no restyle' },
        { label: 'base model', provider: provider(baseModel) },
        { label: 'candidate', provider: provider(model) },
      ]),
  );
  const rows = results.map(
    (r) =>
      `| ${r.label}${r.model ? ` (${r.model})` : ''} | ${(r.passRate * 100).toFixed(0)}% | ${(r.markersKept * 100).toFixed(0)}% | ${r.lengthRatio.toFixed(2)} | ${r.chrF.toFixed(1)} | ${r.meanLatencyMs.toFixed(0)} ms |`,
  );
  const document = await vscode.workspace.openTextDocument({
    language: 'markdown',
    content: [
      `# House style: ${model}`,
      '',
      '| candidate | passes the lock | markers kept | length ratio | chrF | latency |',
      '| --- | --- | --- | --- | --- | --- |',
      ...rows,
    ].join('\n'),
  });
  await vscode.window.showTextDocument(document, { preview: true });
  const passRate = results[2].passRate;
  const minimum = readSettings()['style.minFaithfulness'];
  const faithful = passRate >= minimum;
  const use = await vscode.window.showInformationMessage(
    faithful
      ? `${model} kept the facts in ${(passRate * 100).toFixed(0)}% of rewrites. Use it as the house-style model?`
      : `${model} kept the facts in only ${(passRate * 100).toFixed(0)}% of rewrites (below ${(minimum * 100).toFixed(0)}%). It is not recommended.`,
    faithful ? 'Use It' : 'Use It Anyway',
  );
  if (!use) return;
  const config = vscode.workspace.getConfiguration('groundwork');
  await config.update('style.model', model, vscode.ConfigurationTarget.Workspace);
  await config.update('style.mode', 'restyle', vscode.ConfigurationTarget.Workspace);
}
