/** The example tools `npm start` registers: effects land in .data/ledger.jsonl. */
import { resolve } from 'node:path';
import { createLedgerTools } from './ledger-tools';

export const tools = createLedgerTools(resolve('.data', 'ledger.jsonl'));
