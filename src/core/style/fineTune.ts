import OpenAI, { AzureOpenAI, toFile } from 'openai';
import { redactSecrets } from '../text/redact';
import { newIntentToken } from './jobJournal';

export interface FineTuneEndpoint {
  apiKey?: string;
  /** Empty: OpenAI. Azure: the resource endpoint. */
  baseURL?: string;
  /** Azure OpenAI: the API version of its files and fine-tuning routes. */
  azureApiVersion?: string;
}

export interface TrainingRun {
  jobId: string;
  trainingFileId: string;
  validationFileId?: string;
  status: string;
}

export interface JobReport {
  id: string;
  status: string;
  model: string;
  fineTunedModel: string | null;
  trainedTokens: number | null;
  error?: string;
  /** Oldest first. */
  events: Array<{ createdAt: string; level: string; message: string }>;
}

/** States after which a job changes no more. */
export const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

export function fineTuneClient(endpoint: FineTuneEndpoint): OpenAI {
  const common = { apiKey: endpoint.apiKey || 'no-key', maxRetries: 2, timeout: 120_000 };
  if (endpoint.azureApiVersion) return new AzureOpenAI({ ...common, endpoint: endpoint.baseURL, apiVersion: endpoint.azureApiVersion });
  return new OpenAI({ ...common, baseURL: endpoint.baseURL || undefined });
}

/**
 * Uploads the dataset (purpose `fine-tune`) and starts a job on the base model. `journal` is told the intent (the
 * uploaded files and a token) before the job is created and the job once it is: the job carries the token in its
 * metadata, so a run that ends in between (killed, disconnected) leaves a job `findStartedJob` can find. The create
 * is not retried by the client: a retry after a lost answer would start, and bill, a second job.
 */
export async function startTraining(
  client: OpenAI,
  files: { train: string; validation?: string },
  job: { baseModel: string; suffix?: string },
  journal: { intent(run: { token: string; trainingFileId: string; validationFileId?: string }): Promise<void> },
): Promise<TrainingRun & { token: string }> {
  return explained(client, async () => {
    const upload = async (text: string, name: string) =>
      (await client.files.create({ file: await toFile(Buffer.from(text, 'utf8'), name), purpose: 'fine-tune' })).id;
    const trainingFileId = await upload(files.train, 'train.jsonl');
    const validationFileId = files.validation ? await upload(files.validation, 'validation.jsonl') : undefined;
    const token = newIntentToken();
    await journal.intent({ token, trainingFileId, validationFileId });
    const created = await client.fineTuning.jobs.create(
      {
        training_file: trainingFileId,
        ...(validationFileId ? { validation_file: validationFileId } : {}),
        model: job.baseModel,
        ...(job.suffix ? { suffix: job.suffix } : {}),
        metadata: { groundwork_intent: token },
      },
      { maxRetries: 0 },
    );
    return { jobId: created.id, trainingFileId, validationFileId, status: created.status, token };
  });
}

/** The server's job started for an intent: by the token in its metadata, or by its training file. */
export async function findStartedJob(client: OpenAI, intent: { token: string; trainingFileId: string }): Promise<string | undefined> {
  return explained(client, async () => {
    const jobs = (await client.fineTuning.jobs.list({ limit: 100 })).data;
    const found =
      jobs.find((j) => j.metadata?.groundwork_intent === intent.token) ?? jobs.find((j) => j.training_file === intent.trainingFileId);
    return found?.id;
  });
}

export async function deleteUploadedFile(client: OpenAI, fileId: string): Promise<boolean> {
  return explained(client, async () => (await client.files.delete(fileId)).deleted);
}

/** A job's state and its events; the newest job when none is named. */
export async function jobReport(client: OpenAI, jobId?: string): Promise<JobReport> {
  return explained(client, async () => {
    const id = jobId ?? (await client.fineTuning.jobs.list({ limit: 1 })).data[0]?.id;
    if (!id) throw new Error('no fine-tuning job found at this endpoint');
    const job = await client.fineTuning.jobs.retrieve(id);
    const events = (await client.fineTuning.jobs.listEvents(id, { limit: 50 })).data;
    return {
      id: job.id,
      status: job.status,
      model: job.model,
      fineTunedModel: job.fine_tuned_model,
      trainedTokens: job.trained_tokens,
      ...(job.error?.message ? { error: redactSecrets(job.error.message) } : {}),
      events: events
        .map((e) => ({ createdAt: new Date(e.created_at * 1000).toISOString(), level: e.level, message: redactSecrets(e.message) }))
        .reverse(),
    };
  });
}

export async function cancelJob(client: OpenAI, jobId: string): Promise<string> {
  return explained(client, async () => (await client.fineTuning.jobs.cancel(jobId)).status);
}

/** Polls a job until it finishes (or `signal` aborts), reporting each new event once. */
export async function followJob(
  client: OpenAI,
  jobId: string,
  onEvent: (event: JobReport['events'][number]) => void,
  pollMs = 10_000,
  signal?: AbortSignal,
): Promise<JobReport> {
  const shown = new Set<string>();
  for (;;) {
    const report = await jobReport(client, jobId);
    for (const event of report.events) {
      const key = `${event.createdAt} ${event.message}`;
      if (!shown.has(key)) {
        shown.add(key);
        onEvent(event);
      }
    }
    if (FINISHED.has(report.status) || signal?.aborted) return report;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** An endpoint's failure as one sentence naming the endpoint, with anything key-shaped redacted. */
async function explained<T>(client: OpenAI, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof OpenAI.APIError) {
      const detail = (error.error as { message?: string } | undefined)?.message ?? error.message;
      throw new Error(`${client.baseURL} refused the fine-tuning request (${error.status ?? 'no status'}): ${redactSecrets(detail)}`);
    }
    if (error instanceof OpenAI.APIConnectionError) throw new Error(`Cannot reach ${client.baseURL}: ${error.message}`);
    throw error;
  }
}
