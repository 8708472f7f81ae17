import { formatStatus, formatSummary } from '../output';
import { type Command, openIndex, updateIndex } from './context';

/** `groundwork index DIR [--verify]`: index the docs, or bring the index up to date. */
export const indexCommand: Command = {
  async run(context) {
    const index = await openIndex(context, 'index');
    try {
      const { summary } = await updateIndex(index, context);
      if (context.values.json) context.io.stdout(`${JSON.stringify(summary)}\n`);
      else context.io.stdout(formatSummary(summary!, index));
      return 0;
    } finally {
      // Closing writes the search snapshot when this run changed the index, so the next run opens fast.
      await index.close();
    }
  },
};

/** `groundwork status DIR`: what is indexed, what was skipped and why; reads only. */
export const statusCommand: Command = {
  async run(context) {
    const index = await openIndex(context, 'status');
    try {
      const status = await index.status();
      context.io.stdout(context.values.json ? `${JSON.stringify(status)}\n` : formatStatus(status));
      return 0;
    } finally {
      await index.close();
    }
  },
};
