/** The recorded histories in test/replay/histories, each with the workflow ID it was recorded under. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(__dirname, 'histories');

export interface RecordedHistory {
  name: string;
  workflowId: string;
  history: unknown;
}

/** Every `*.json` history, paired with its ID from workflow-ids.json (the file name when it has none). */
export function recordedHistories(): { histories: RecordedHistory[]; indexed: string[] } {
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'workflow-ids.json')
    .map((f) => f.replace(/\.json$/, ''));
  const workflowIds = JSON.parse(readFileSync(join(dir, 'workflow-ids.json'), 'utf8')) as Record<string, string>;
  const histories = names.map((name) => ({
    name,
    workflowId: workflowIds[name] ?? name,
    history: JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as unknown,
  }));
  return { histories, indexed: Object.keys(workflowIds) };
}
