/** The example tools `npm start` registers: effects land in ledger.jsonl in the data directory. */
import { resolve } from 'node:path';
import { createLedgerTools } from './ledger-tools';

export const tools = createLedgerTools(resolve(process.env.DURABLE_GUARD_DATA_DIR || '.data', 'ledger.jsonl'));
